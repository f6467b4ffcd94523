/**
 * Drift: which of an owner's claims (owners.ts: what its setup needs, as changes to an empty file) a config
 * file no longer satisfies. Pure; the orchestrator's reconciler reads the files and decides from this whether
 * to re-apply setup. Keys the owner does not claim are never looked at, so another program editing an
 * unrelated key is not drift.
 */
import { pathText } from '../edit/path';
import { isTable, lookupIn, valueEquals } from '../edit/value';
import type { Change } from './changes';
import { parseConfig } from './document';
import type { LedgerFile } from './ledger';
import type { ConfigFormat } from './types';

/** One claim the text does not satisfy, in words ('' when it does). */
function unmet(tree: unknown, c: Change): string {
  const at = lookupIn(tree, c.path);
  const where = pathText(c.path);
  if (c.kind === 'create') return at.found && isTable(at.value) ? '' : `${where} is missing`;
  if (c.kind === 'append') {
    if (!at.found || !Array.isArray(at.value)) return `${where} is missing`;
    const list = at.value as unknown[];
    const gone = c.entries.filter((e) => !list.some((x) => valueEquals(x, e)));
    return gone.length === 0 ? '' : `${where} lacks ${JSON.stringify(gone)}`;
  }
  if (!c.hadAfter) return at.found ? `${where} is set again` : '';
  if (!at.found) return `${where} is missing`;
  return valueEquals(at.value, c.after)
    ? ''
    : `${where} is ${JSON.stringify(at.value)}, not ${JSON.stringify(c.after)}`;
}

/**
 * What `owner` needs in `path` (per its ledger entry) that `text` (null: the file is gone) does not have.
 * A table whose own claim is unmet hides the claims below it, so one removed runtime is one line.
 */
export function driftOf(
  entry: LedgerFile | undefined,
  owner: string,
  path: string,
  text: string | null,
  format: ConfigFormat,
): string[] {
  const claims = entry?.owners[owner]?.claims ?? [];
  if (claims.length === 0) return [];
  if (text === null) return [`${path} was removed`];
  const tree = parseConfig(format, text, path).tree;
  const out: string[] = [];
  const hidden: (readonly string[])[] = [];
  for (const c of claims) {
    if (hidden.some((h) => h.length <= c.path.length && h.every((k, i) => k === c.path[i]))) continue;
    const why = unmet(tree, c);
    if (why === '') continue;
    out.push(why);
    hidden.push(c.path);
  }
  return out;
}
