/**
 * Setup and cleanup as pure planning: file contents and the restore ledger in, the files to write and the new
 * ledger out. Nothing here touches the disk; src/commands applies a plan through src/host.
 *
 * The ledger makes three promises hold: cleanup gives back the original bytes when nobody touched the file
 * since setup; otherwise it takes back only what setup changed (previous default runtime included); and a
 * second identical setup writes nothing, because it is computed from the same baseline as the first.
 * Entries are per owner (the main runtime name), so setups with different names can share one file.
 */
import { createHash } from 'node:crypto';
import { isTable } from '../edit/path';
import { ConfigError } from '../errors';
import type { RuntimeSpec } from '../runtimes/runtime-set';
import { type Change, diffTrees, revertChanges, valueEquals } from './changes';
import { type ContainerdOptions, containerdEngine, detectContainerdVersion } from './containerd';
import { crioEngine } from './crio';
import { dockerEngine } from './docker';
import { type ConfigDoc, parseConfig } from './document';
import { cloneTree, setIn, type Tree } from './tree';
import type { ConfigFormat, Engine, EngineName } from './types';

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

export interface LedgerFile {
  existed: boolean;
  /** The bytes before the first setup that touched this file (null when it did not exist). */
  original: string | null;
  afterSha256: string;
  owners: Record<string, { changes: Change[] }>;
}

export interface Ledger {
  version: 1;
  files: Record<string, LedgerFile>;
}

export const emptyLedger = (): Ledger => ({ version: 1, files: {} });

export interface EngineRequest {
  readonly engine: EngineName;
  /** Whose changes these are: the main runtime name. */
  readonly owner: string;
  readonly runtimes: readonly RuntimeSpec[];
  readonly enableCdi: boolean;
  readonly containerd: ContainerdOptions;
  readonly main: FileSnapshot;
  /** Write the runtimes to a separate file and only point the main file at it (containerd `imports`). */
  readonly dropIn?: { readonly file: FileSnapshot; readonly importPath: string };
}

export interface Plan {
  readonly writes: FileWrite[];
  readonly ledger: Ledger;
  readonly warnings: string[];
  readonly engine: Engine;
}

export function sha256(text: string | null): string {
  return createHash('sha256')
    .update(text ?? '')
    .digest('hex');
}

const FORMAT: Record<EngineName, ConfigFormat> = { docker: 'json', containerd: 'toml', crio: 'toml' };

function engineFor(req: EngineRequest, mainTree: Tree, mainText: string): Engine & { version?: 1 | 2 | 3 } {
  const file = req.main.path;
  if (req.engine === 'docker') return dockerEngine(file);
  if (req.engine === 'crio') return crioEngine(req.dropIn?.file.path ?? file);
  const empty = mainText.trim() === '' || Object.keys(mainTree).length === 0;
  const version = detectContainerdVersion(mainTree, empty, req.containerd.useLegacyConfig, file);
  return containerdEngine(version, req.containerd, file);
}

/** The file as it would be without this owner's earlier setup. */
function baseline(snap: FileSnapshot, format: ConfigFormat, ledger: Ledger, owner: string): string | null {
  const entry = ledger.files[snap.path];
  const mine = entry?.owners[owner];
  if (!entry || !mine) return snap.text;
  const onlyOwner = Object.keys(entry.owners).length === 1;
  if (onlyOwner && sha256(snap.text) === entry.afterSha256) return entry.existed ? entry.original : null;
  if (snap.text === null) return null;
  const doc = parseConfig(format, snap.text, snap.path);
  return doc.render(revertChanges(cloneTree(doc.tree), mine.changes, snap.path).tree);
}

function globMatches(pattern: string, path: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
  return re.test(path);
}

function withImport(tree: Tree, importPath: string, file: string): void {
  const imports = tree.imports ?? [];
  if (!Array.isArray(imports) || imports.some((i) => typeof i !== 'string')) {
    throw new ConfigError(file, 'imports must be an array of strings');
  }
  if ((imports as string[]).some((i) => i === importPath || globMatches(i, importPath))) return;
  tree.imports = [...imports, importPath];
}

/** `version` first: containerd reads it before anything else, and people look for it on line 1. */
function withVersionFirst(tree: Tree, version: number): Tree {
  if (tree.version !== undefined) return tree;
  return { version, ...tree };
}

interface Rendered {
  readonly snap: FileSnapshot;
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
    const after = unchanged
      ? f.base
      : f.base === null && Object.keys(f.target).length === 0
        ? null
        : f.doc.render(f.target);
    if (after !== f.snap.text) writes.push({ path: f.snap.path, before: f.snap.text, after });
    const entry = next.files[f.snap.path];
    if (unchanged) {
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
    kept.owners[req.owner] = { changes: diffTrees(f.tree0, f.target) };
    kept.afterSha256 = sha256(after);
    next.files[f.snap.path] = kept;
  }
  return { writes, ledger: next, warnings, engine };
}

export function planSetup(req: EngineRequest, ledger: Ledger): Plan {
  const format = FORMAT[req.engine];
  const warnings: string[] = [];
  const mainBase = baseline(req.main, format, ledger, req.owner);
  const mainDoc = parseConfig(format, mainBase ?? '', req.main.path);
  const engine = engineFor(req, mainDoc.tree, mainBase ?? '');
  const version = 'version' in engine ? (engine.version as 1 | 2 | 3) : undefined;
  let dropIn = req.dropIn;
  if (dropIn && version === 1) {
    warnings.push(
      `${req.main.path} is a version 1 config, which cannot import drop-in files: editing it in place`,
    );
    dropIn = undefined;
  }
  const disabled = mainDoc.tree.disabled_plugins;
  const pluginId = version === undefined ? undefined : (engine as unknown as { pluginPath: string[] }).pluginPath[1]!;
  if (Array.isArray(disabled) && pluginId && disabled.some((d) => d === 'cri' || d === pluginId || d === `io.containerd.grpc.v1.${pluginId}`)) {
    warnings.push(`${req.main.path} disables the CRI plugin (disabled_plugins = ${JSON.stringify(disabled)}): the runtimes are registered, but Kubernetes cannot use them until the plugin is enabled`);
  }
  let mainTarget = cloneTree(mainDoc.tree);
  const files: Rendered[] = [];
  let target = mainTarget;
  let dropRendered: Omit<Rendered, 'target'> | undefined;
  if (dropIn) {
    const dropBase = baseline(dropIn.file, format, ledger, req.owner);
    const dropDoc = parseConfig(format, dropBase ?? '', dropIn.file.path);
    target = cloneTree(dropDoc.tree);
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
        setIn(target, plugin, cloneTree(mainPlugin), dropIn.file.path);
      }
      withImport(mainTarget, dropIn.importPath, req.main.path);
      if (Object.keys(mainDoc.tree).length === 0) mainTarget = withVersionFirst(mainTarget, version);
    }
    dropRendered = { snap: dropIn.file, base: dropBase, tree0: dropDoc.tree, doc: dropDoc };
  } else if (version !== undefined && Object.keys(mainDoc.tree).length === 0) {
    mainTarget = target = withVersionFirst(mainTarget, version);
  }
  for (const rt of req.runtimes) engine.addRuntime(target, rt, { source: mainDoc.tree });
  const wanted = req.runtimes.find((r) => r.isDefault);
  if (wanted) engine.setDefaultRuntime(target, wanted.name);
  else if (req.runtimes.some((r) => r.name === engine.defaultRuntime(target)))
    engine.setDefaultRuntime(target, undefined);
  if (req.enableCdi) engine.enableCdi(target);
  files.push({ snap: req.main, base: mainBase, tree0: mainDoc.tree, target: mainTarget, doc: mainDoc });
  if (dropRendered) files.push({ ...dropRendered, target });
  return finish(req, files, ledger, warnings, engine);
}

export function planCleanup(req: EngineRequest, ledger: Ledger): Plan {
  const format = FORMAT[req.engine];
  const warnings: string[] = [];
  const next: Ledger = cloneTree(ledger);
  const writes: FileWrite[] = [];
  const mainText = req.main.text ?? '';
  const mainDoc = parseConfig(format, mainText, req.main.path);
  const engine = engineFor(req, mainDoc.tree, mainText);
  const snaps = [req.main, ...(req.dropIn ? [req.dropIn.file] : [])];
  for (const snap of snaps) {
    const entry = next.files[snap.path];
    const mine = entry?.owners[req.owner];
    let after: string | null = snap.text;
    if (entry && mine) {
      const onlyOwner = Object.keys(entry.owners).length === 1;
      if (onlyOwner && sha256(snap.text) === entry.afterSha256) {
        after = entry.existed ? entry.original : null;
      } else if (snap.text !== null) {
        const doc = snap === req.main ? mainDoc : parseConfig(format, snap.text, snap.path);
        const { tree, conflicts } = revertChanges(cloneTree(doc.tree), mine.changes, snap.path);
        if (conflicts.length > 0) {
          warnings.push(
            `${snap.path} changed since setup; left these values as they are now: ${conflicts.join(', ')}`,
          );
        }
        after = !entry.existed && Object.keys(tree).length === 0 ? null : doc.render(tree);
      }
      delete entry.owners[req.owner];
      if (Object.keys(entry.owners).length === 0) delete next.files[snap.path];
    } else if (snap.text !== null) {
      after = fallbackCleanup(req, snap, snap === req.main ? mainDoc : undefined, engine, warnings);
    }
    if (after !== snap.text) writes.push({ path: snap.path, before: snap.text, after });
  }
  return { writes, ledger: next, warnings, engine };
}

/** No ledger (set up by the original, or the ledger was lost): remove our entries by name. */
function fallbackCleanup(
  req: EngineRequest,
  snap: FileSnapshot,
  doc: ConfigDoc | undefined,
  engine: Engine,
  warnings: string[],
): string | null {
  if (!doc) return null; // the drop-in is ours by name: remove it
  const tree = cloneTree(doc.tree);
  for (const rt of req.runtimes) engine.removeRuntime(tree, rt.name);
  const current = engine.defaultRuntime(tree);
  if (req.runtimes.some((r) => r.name === current)) {
    engine.setDefaultRuntime(tree, undefined);
    warnings.push(
      `${snap.path}: no record of the default runtime before setup; removed the default-runtime setting (the engine's built-in default applies)`,
    );
  }
  if (req.dropIn && Array.isArray(tree.imports)) {
    const rest = tree.imports.filter((i) => i !== req.dropIn!.importPath);
    if (rest.length === 0) delete tree.imports;
    else tree.imports = rest;
  }
  return doc.render(tree);
}
