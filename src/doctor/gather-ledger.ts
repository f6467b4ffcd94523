/**
 * Our restore ledger beside an engine config (reads only): which owners set up which files, and whether the
 * entries each setup wrote are still there (drift: someone rewrote the file after us).
 */
import { lookupIn, valueEquals } from '../edit/value';
import type { Change } from '../engines/changes';
import { parseConfig } from '../engines/document';
import { sha256 } from '../engines/plan';
import type { Tree } from '../engines/tree';
import { oneLine } from '../errors';
import { readFileState } from '../host/files';
import { ledgerPaths, readLedger } from '../host/ledger-store';
import type { LedgerFact } from './types';

/** Key paths of `changes` the tree no longer has as they were written. */
function lostEntries(tree: Tree, changes: readonly Change[]): string[] {
  const lost: string[] = [];
  for (const c of changes) {
    const at = lookupIn(tree, c.path);
    const name = c.path.join('.');
    if (c.kind === 'set') {
      if (c.hadAfter ? !at.found || !valueEquals(at.value, c.after) : at.found) lost.push(name);
    } else if (c.kind === 'append') {
      const arr = Array.isArray(at.value) ? at.value : [];
      if (!c.entries.every((e) => arr.some((x) => valueEquals(x, e)))) lost.push(name);
    }
  }
  return lost;
}

export function gatherLedger(config: string): LedgerFact {
  const { ledger: path } = ledgerPaths(config);
  let ledger: ReturnType<typeof readLedger>;
  try {
    ledger = readLedger(path);
  } catch (err) {
    return { path, error: oneLine(err), files: [] };
  }
  const files = Object.entries(ledger.files).map(([file, entry]) => {
    const owners = Object.keys(entry.owners).sort();
    let text: string | null = null;
    try {
      const st = readFileState(file);
      text = st.exists ? st.bytes.toString('utf8') : null;
    } catch {
      text = null;
    }
    const changes = Object.values(entry.owners).flatMap((o) => o.changes);
    if (text === null) {
      return {
        path: file,
        owners,
        unchanged: false,
        exists: false,
        lost: changes.map((c) => c.path.join('.')),
      };
    }
    // the cri-o hook file records no hash: only its presence can be checked
    const unchanged = entry.afterSha256 === '' || sha256(text) === entry.afterSha256;
    let lost: string[] = [];
    if (!unchanged) {
      try {
        const tree = parseConfig(file.endsWith('.json') ? 'json' : 'toml', text, file).tree;
        lost = lostEntries(tree, changes);
      } catch {
        lost = changes.map((c) => c.path.join('.'));
      }
    }
    return { path: file, owners, unchanged, exists: true, lost: [...new Set(lost)] };
  });
  return { path, files };
}
