/**
 * Setup and cleanup as pure planning: file contents and the restore ledger in, the files to write and the new
 * ledger out (cleanup: cleanup.ts). Nothing here touches the disk; src/ops applies a plan through src/host.
 *
 * The ledger makes three promises hold: cleanup gives back the original bytes when nobody touched the file
 * since setup; otherwise it takes back only what setup changed (previous default runtime included); and a
 * second identical setup writes nothing, because it is computed from the same baseline as the first.
 * Entries are per owner (the main runtime name), so setups with different names can share one file; how the
 * ledger stays true when owners share entries or someone else edits the file between runs: owners.ts.
 */
import { isTable, valueEquals } from '../edit/value';
import { ConfigError } from '../errors';
import type { RuntimeSpec } from '../runtimes/runtime-set';
import { type Change, diffTrees } from './changes';
import { type ContainerdOptions, importLoads } from './containerd';
import type { ConfigDoc } from './document';
import { engineFor, FORMAT } from './engine-for';
import { emptyLedger, type Ledger, type LedgerFile, sha256 } from './ledger';
import {
  baselineOf,
  claimsOf,
  normalizeBefore,
  type ParseDoc,
  parseOnce,
  rebaseEntry,
  withoutOthers,
} from './owners';
import { cloneTree, editableCopy, setIn, type Tree } from './tree';
import type { Engine, EngineName } from './types';

export interface FileSnapshot {
  readonly path: string;
  /** null when the file does not exist. */
  readonly text: string | null;
}

export interface FileWrite {
  readonly path: string;
  readonly before: string | null;
  /** null: remove the file. */
  readonly after: string | null;
}

export interface EngineRequest {
  readonly engine: EngineName;
  /** Whose changes these are: the main runtime name. */
  readonly owner: string;
  readonly runtimes: readonly RuntimeSpec[];
  readonly enableCdi: boolean;
  readonly containerd: ContainerdOptions;
  readonly main: FileSnapshot;
  /**
   * What setup starts from when the main file does not exist and no earlier setup recorded it: the engine's
   * own default config (`containerd config default`), so the new file keeps what the engine had.
   */
  readonly mainTemplate?: string;
  /**
   * The config a k3s/RKE2 template renders to (the main file is the template): our runtime tables copy its runc
   * table (SystemdCgroup and all), which the template's tail does not have.
   */
  readonly renderedBase?: Tree;
  /** Write the runtimes to a separate file and only point the main file at it (containerd `imports`). */
  readonly dropIn?: { readonly file: FileSnapshot; readonly importPath: string };
}

export interface Plan {
  readonly writes: FileWrite[];
  readonly ledger: Ledger;
  readonly warnings: string[];
  /** Decisions worth an info line (a file cleanup leaves alone, and why). */
  readonly notes: string[];
  readonly engine: Engine;
}

export { planCleanup } from './cleanup';
export { emptyLedger, type Ledger, type LedgerFile, sha256 };

/** The ledger with each snapshot's entry brought up to date with edits made by someone else (owners.ts). */
function rebased(ledger: Ledger, snaps: readonly FileSnapshot[], parse: ParseDoc): Ledger {
  const next: Ledger = cloneTree(ledger);
  for (const s of snaps) {
    const e = next.files[s.path];
    if (e) rebaseEntry(e, s.path, s.text, parse);
  }
  return next;
}

function withImport(tree: Tree, importPath: string, file: string): void {
  const imports = tree.imports ?? [];
  if (!Array.isArray(imports) || imports.some((i) => typeof i !== 'string')) {
    throw new ConfigError(file, 'imports must be an array of strings');
  }
  if ((imports as string[]).some((i) => importLoads(i, file, importPath))) return;
  tree.imports = [...imports, importPath];
}

/** `version` first: containerd reads it before anything else, and people look for it on line 1. */
function withVersionFirst(tree: Tree, version: number): Tree {
  if (tree.version !== undefined) return tree;
  return { version, ...tree };
}

interface Rendered {
  readonly snap: FileSnapshot;
  /** Changes of this owner's earlier setup that other owners need now: still this owner's to take back. */
  readonly kept: Change[];
  /** What this owner needs in the file (owners.ts). */
  readonly claims: Change[];
  readonly base: string | null;
  readonly tree0: Tree;
  readonly target: Tree;
  readonly doc: ConfigDoc;
}

function finish(
  req: EngineRequest,
  files: Rendered[],
  ledger: Ledger,
  warnings: string[],
  engine: Engine,
): Plan {
  const next: Ledger = cloneTree(ledger);
  const writes: FileWrite[] = [];
  for (const f of files) {
    const unchanged = valueEquals(f.tree0, f.target);
    // (an absent file never recorded: its base may be the engine's default template, which is not written alone)
    const after = unchanged
      ? f.snap.text === null && !ledger.files[f.snap.path]
        ? null
        : f.base
      : f.base === null && Object.keys(f.target).length === 0
        ? null
        : f.doc.render(f.target);
    if (after !== f.snap.text) writes.push({ path: f.snap.path, before: f.snap.text, after });
    const entry = next.files[f.snap.path];
    const shared = entry !== undefined && Object.keys(entry.owners).some((o) => o !== req.owner);
    if (unchanged && !shared && f.kept.length === 0) {
      if (entry) delete entry.owners[req.owner];
      if (entry && Object.keys(entry.owners).length === 0) delete next.files[f.snap.path];
      continue;
    }
    const kept = entry ?? {
      existed: f.snap.text !== null,
      original: f.snap.text,
      afterSha256: '',
      owners: {},
    };
    // An owner that changed nothing here (another owner's setup already made what it needs) is still
    // recorded with its claims, so that owner's cleanup leaves them to it.
    const changes = [
      ...f.kept,
      ...(unchanged ? [] : normalizeBefore(diffTrees(f.tree0, f.target), entry, req.owner)),
    ];
    kept.owners[req.owner] = { changes, claims: f.claims };
    kept.afterSha256 = sha256(after);
    next.files[f.snap.path] = kept;
  }
  return { writes, ledger: next, warnings, notes: [], engine };
}

export function planSetup(req: EngineRequest, before: Ledger): Plan {
  // one document per text read: the rebase, the baseline and the plan share it (owners.ts)
  const parse = parseOnce(FORMAT[req.engine]);
  const ledger = rebased(before, [req.main, ...(req.dropIn ? [req.dropIn.file] : [])], parse);
  const warnings: string[] = [];
  const { text: recordedBase, kept: mainKept } = baselineOf(
    ledger.files[req.main.path],
    req.owner,
    req.main,
    parse,
  );
  // a file that is not there starts as the engine's default; the ledger still records it as absent
  const mainBase =
    recordedBase === null && req.main.text === null && !ledger.files[req.main.path]
      ? (req.mainTemplate ?? null)
      : recordedBase;
  const mainDoc = parse(mainBase ?? '', req.main.path);
  const engine = engineFor(req, mainDoc.tree, mainBase ?? '');
  const version = 'version' in engine ? (engine.version as 1 | 2 | 3) : undefined;
  // a k3s template's tail is read in the rendered config's version, whose `version` key is the base's
  const versionKey = req.containerd.renderedVersion === undefined;
  let dropIn = req.dropIn;
  if (dropIn && version === 1) {
    warnings.push(
      `${req.main.path} is a version 1 config, which cannot import drop-in files: editing it in place`,
    );
    dropIn = undefined;
  }
  const disabled = mainDoc.tree.disabled_plugins;
  const pluginId =
    version === undefined ? undefined : (engine as unknown as { pluginPath: string[] }).pluginPath[1]!;
  if (
    Array.isArray(disabled) &&
    pluginId &&
    disabled.some((d) => d === 'cri' || d === pluginId || d === `io.containerd.grpc.v1.${pluginId}`)
  ) {
    warnings.push(
      `${req.main.path} disables the CRI plugin (disabled_plugins = ${JSON.stringify(disabled)}): the runtimes are registered, but Kubernetes cannot use them until the plugin is enabled`,
    );
  }
  let mainTarget = editableCopy(mainDoc.tree);
  const files: Rendered[] = [];
  let target = mainTarget;
  let dropRendered: Omit<Rendered, 'target' | 'claims'> | undefined;
  let pluginCopy: Tree = {};
  if (dropIn) {
    const { text: dropBase, kept } = baselineOf(
      ledger.files[dropIn.file.path],
      req.owner,
      dropIn.file,
      parse,
    );
    const dropDoc = parse(dropBase ?? '', dropIn.file.path);
    target = editableCopy(dropDoc.tree);
    if (version !== undefined) {
      target = withVersionFirst(target, version);
      // containerd before 2.0 replaces a whole plugin table from an imported file, so a version 2 drop-in must
      // carry the main file's complete CRI plugin table (from the file, never `config dump` defaults).
      const plugin = (engine as unknown as { pluginPath: string[] }).pluginPath;
      const mainPlugin = (mainDoc.tree.plugins as Tree | undefined)?.[plugin[1]!];
      if (
        version === 2 &&
        isTable(mainPlugin) &&
        !isTable((target.plugins as Tree | undefined)?.[plugin[1]!])
      ) {
        setIn(target, plugin, mainPlugin, dropIn.file.path);
      }
      if (version === 2 && isTable(mainPlugin)) pluginCopy = { plugins: { [plugin[1]!]: mainPlugin } };
      withImport(mainTarget, dropIn.importPath, req.main.path);
      if (Object.keys(mainDoc.tree).length === 0) mainTarget = withVersionFirst(mainTarget, version);
    }
    dropRendered = { snap: dropIn.file, kept, base: dropBase, tree0: dropDoc.tree, doc: dropDoc };
  } else if (versionKey && version !== undefined && Object.keys(mainDoc.tree).length === 0) {
    mainTarget = target = withVersionFirst(mainTarget, version);
  }
  // With other owners in the file, the template is the default runtime from before any of them ('' = none).
  const mainEntry = ledger.files[req.main.path];
  const add =
    mainEntry && Object.keys(mainEntry.owners).some((o) => o !== req.owner)
      ? {
          source: req.renderedBase ?? mainDoc.tree,
          templateDefault:
            engine.defaultRuntime(withoutOthers(mainEntry, req.owner, mainDoc.tree, req.main.path)) ?? '',
        }
      : { source: req.renderedBase ?? mainDoc.tree };
  for (const rt of req.runtimes) engine.addRuntime(target, rt, add);
  const wanted = req.runtimes.find((r) => r.isDefault);
  // Not the default any more: un-default our runtime, but not a shared one (nvidia-cdi, nvidia-legacy) that
  // another owner of this file made the default.
  const shared = [req.main, req.dropIn?.file].some((s) =>
    Object.keys((s && ledger.files[s.path]?.owners) ?? {}).some((o) => o !== req.owner),
  );
  const ours = shared ? [req.owner] : req.runtimes.map((r) => r.name);
  if (wanted) engine.setDefaultRuntime(target, wanted.name);
  else if (ours.includes(engine.defaultRuntime(target) ?? '')) engine.setDefaultRuntime(target, undefined);
  if (req.enableCdi) engine.enableCdi(target);
  // What this owner needs, whoever made it (owners.ts): its own setup applied to an empty file.
  const needs: Tree = version === undefined || !versionKey ? {} : { version };
  for (const rt of req.runtimes) engine.addRuntime(needs, rt, add);
  if (wanted) engine.setDefaultRuntime(needs, wanted.name);
  if (req.enableCdi) engine.enableCdi(needs);
  const mainNeeds = !dropRendered
    ? needs
    : version === undefined
      ? {}
      : { version, imports: [dropIn!.importPath] };
  files.push({
    snap: req.main,
    kept: mainKept,
    base: mainBase,
    tree0: mainDoc.tree,
    target: mainTarget,
    doc: mainDoc,
    claims: claimsOf(mainNeeds),
  });
  if (dropRendered) files.push({ ...dropRendered, target, claims: claimsOf(pluginCopy, needs) });
  return finish(req, files, ledger, warnings, engine);
}
