/**
 * Cleanup as pure planning (the other half of plan.ts), and the one place the cleanup rule is enforced: see
 * planCleanup.
 */
import type { ConfigDoc } from './document';
import { engineFor, FORMAT } from './engine-for';
import { type Ledger, sha256 } from './ledger';
import { applyHandOver, parseOnce, rebaseEntry, revertOwner } from './owners';
import type { EngineRequest, FileSnapshot, FileWrite, Plan } from './plan';
import { cloneTree, editableCopy } from './tree';
import type { Engine } from './types';

/**
 * The files cleanup may change: the ones setup writes in this mode. cri-o in drop-in mode writes only the
 * drop-in, so its main file is never cleanup's to change, whatever it holds.
 */
function cleanupTargets(req: EngineRequest): FileSnapshot[] {
  if (req.engine === 'crio' && req.dropIn) return [req.dropIn.file];
  return [req.main, ...(req.dropIn ? [req.dropIn.file] : [])];
}

/**
 * The cleanup rule: cleanup changes only what this owner's recorded setup changed. A file the ledger has a
 * record of this owner for gets exactly that taken back. A file with no ledger at all (set up by the Go
 * original, or before any ledger) gets the original's cleanup: this owner's runtime set removed by name.
 * When the ledger exists but holds no record of this owner for a file, the file is someone else's: unchanged.
 */
export function planCleanup(req: EngineRequest, ledger: Ledger): Plan {
  const format = FORMAT[req.engine];
  const warnings: string[] = [];
  const notes: string[] = [];
  const next: Ledger = cloneTree(ledger);
  const writes: FileWrite[] = [];
  const mainText = req.main.text ?? '';
  const parse = parseOnce(format);
  const mainDoc = parse(mainText, req.main.path);
  const engine = engineFor(req, mainDoc.tree, mainText);
  const noLedger = Object.keys(ledger.files).length === 0;
  for (const snap of cleanupTargets(req)) {
    const entry = next.files[snap.path];
    const mine = entry?.owners[req.owner];
    let after: string | null = snap.text;
    if (entry && mine) {
      const onlyOwner = Object.keys(entry.owners).length === 1;
      if (!onlyOwner) rebaseEntry(entry, snap.path, snap.text, parse);
      if (onlyOwner && sha256(snap.text) === entry.afterSha256) {
        after = entry.existed ? entry.original : null;
      } else if (snap.text !== null) {
        const doc = parse(snap.text, snap.path);
        const { tree, conflicts, handOver } = revertOwner(
          entry,
          req.owner,
          editableCopy(doc.tree),
          snap.path,
        );
        applyHandOver(entry, handOver);
        if (conflicts.length > 0) {
          warnings.push(
            `${snap.path} changed since setup; left these values as they are now: ${conflicts.join(', ')}`,
          );
        }
        after = !entry.existed && Object.keys(tree).length === 0 ? null : doc.render(tree);
      }
      delete entry.owners[req.owner];
      if (Object.keys(entry.owners).length === 0) delete next.files[snap.path];
      // the others' record now starts from what this cleanup writes (keeps their byte-exact restore valid)
      else entry.afterSha256 = sha256(after);
    } else if (noLedger) {
      if (snap.text !== null)
        after = fallbackCleanup(req, snap, snap === req.main ? mainDoc : undefined, engine, warnings);
    } else if (snap.text !== null) {
      notes.push(
        `${snap.path}: the restore ledger has no record of a setup by ${JSON.stringify(req.owner)} here; leaving the file as it is`,
      );
    }
    if (after !== snap.text) writes.push({ path: snap.path, before: snap.text, after });
  }
  return { writes, ledger: next, warnings, notes, engine };
}

/** No ledger at all (set up by the Go original, or the ledger was lost): remove our entries by name. */
function fallbackCleanup(
  req: EngineRequest,
  snap: FileSnapshot,
  doc: ConfigDoc | undefined,
  engine: Engine,
  warnings: string[],
): string | null {
  if (!doc) return null; // the drop-in is ours by name: remove it
  const tree = editableCopy(doc.tree);
  for (const rt of req.runtimes) engine.removeRuntime(tree, rt.name);
  const current = engine.defaultRuntime(tree);
  if (req.runtimes.some((r) => r.name === current)) {
    engine.setDefaultRuntime(tree, undefined);
    warnings.push(
      `${snap.path}: no record of the default runtime before setup; removed the default-runtime setting (the engine's built-in default applies)`,
    );
  }
  if (req.dropIn && Array.isArray(tree.imports) && tree.imports.includes(req.dropIn.importPath)) {
    const rest = tree.imports.filter((i) => i !== req.dropIn!.importPath);
    if (rest.length === 0) delete tree.imports;
    else tree.imports = rest;
  }
  return doc.render(tree);
}
