/**
 * Keeping the restore ledger true when other hands touch the file: someone else editing it between our runs,
 * and several owners (setups with different runtime names) sharing it. Found by test/reliability/fuzz.test.ts.
 *
 * - rebaseEntry: the ledger's `original` bytes are only the truth while the file is exactly what we last wrote.
 *   Once someone else edits it, a later cleanup must not hand back the stale bytes (that silently undid the
 *   other edit after a second setup), so the original is recomputed from the file as it is now, with every
 *   owner's changes taken back.
 * - claims: besides what its setup changed, each owner records what it needs (its setup applied to an empty
 *   file). Owners share entries (nvidia-cdi, nvidia-legacy, the drop-in import, enable_cdi): the first one
 *   changed them, the others found them in place. Cleanup of one owner hands what another still claims over
 *   to that owner instead of taking it away from under it.
 * - normalizeBefore: a value one owner replaced (the default runtime) is recorded with the value from before
 *   ANY owner, never another owner's value, so cleanups in any order never restore a runtime that is gone.
 */
import { isTable, valueEquals } from '../edit/value';
import { type Change, diffTrees, revertChanges } from './changes';
import { type ConfigDoc, parseConfig } from './document';
import { type LedgerFile, type OwnerRecord, sha256 } from './ledger';
import { deleteIn, editableCopy, type Tree } from './tree';
import type { ConfigFormat } from './types';

/** The part of a ledger entry these helpers need. */
export type OwnedFile = LedgerFile;

export type { OwnerRecord };

type SetChange = Extract<Change, { kind: 'set' }>;

const samePath = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((k, i) => k === b[i]);
const isPrefix = (p: readonly string[], of: readonly string[]) =>
  p.length <= of.length && p.every((k, i) => k === of[i]);

function lookup(tree: Tree, path: readonly string[]): { found: boolean; value?: unknown } {
  let cur: unknown = tree;
  for (const k of path) {
    if (!isTable(cur) || !Object.hasOwn(cur, k)) return { found: false };
    cur = cur[k];
  }
  return { found: true, value: cur };
}

/** An owner's claims: the trees it needs (merged, later ones win) as changes to an empty file. */
export function claimsOf(...trees: Tree[]): Change[] {
  // a new tree: the inputs share their tables with parsed documents and must not be written to
  const merge = (into: Tree, from: Tree): Tree => {
    const out: Tree = { ...into };
    for (const [k, v] of Object.entries(from)) {
      const cur = out[k];
      out[k] = isTable(cur) && isTable(v) ? merge(cur, v) : v;
    }
    return out;
  };
  return diffTrees(
    {},
    trees.reduce<Tree>((acc, t) => merge(acc, t), {}),
  );
}

/** Parses a file's text into its document; one per plan, so that each text is parsed once (parseOnce). */
export type ParseDoc = (text: string, path: string) => ConfigDoc;

/**
 * A ParseDoc that keeps the last document of each path: the rebase, the baseline and the plan of one run all
 * start from the file as read, and a 1 MB file costs ~80 ms per parse (issue 11 item 3).
 */
export function parseOnce(format: ConfigFormat): ParseDoc {
  const docs = new Map<string, ConfigDoc>();
  return (text, path) => {
    const known = docs.get(path);
    if (known && known.text === text) return known;
    const doc = parseConfig(format, text, path);
    docs.set(path, doc);
    return doc;
  };
}

/** Brings `entry` (a copy the caller owns) up to date with `text` when someone else changed the file. */
export function rebaseEntry(entry: OwnedFile, path: string, text: string | null, parse: ParseDoc): void {
  const now = sha256(text);
  if (now === entry.afterSha256) return;
  if (text === null) {
    entry.existed = false;
    entry.original = null;
  } else {
    const doc = parse(text, path);
    let tree = editableCopy(doc.tree);
    for (const o of Object.values(entry.owners).reverse()) tree = revertChanges(tree, o.changes, path).tree;
    // a table one owner created may hold another's entries until that one is reverted too: drop the empty ones
    const creates = Object.values(entry.owners)
      .flatMap((o) => o.changes)
      .filter((c) => c.kind === 'create')
      .sort((a, b) => b.path.length - a.path.length);
    for (const c of creates) {
      const now = lookup(tree, c.path);
      if (now.found && isTable(now.value) && Object.keys(now.value).length === 0) deleteIn(tree, c.path);
    }
    entry.original = !entry.existed && Object.keys(tree).length === 0 ? null : doc.render(tree);
    entry.existed = entry.original !== null;
  }
  entry.afterSha256 = now;
}

/** Other owners, in ledger order, each with the set values it changed or claims at `path`. */
function others(entry: OwnedFile, owner: string): [string, OwnerRecord][] {
  return Object.entries(entry.owners).filter(([name]) => name !== owner);
}

function setsAt(rec: OwnerRecord, path: readonly string[]): SetChange[] {
  return [...rec.changes, ...(rec.claims ?? [])].filter(
    (c): c is SetChange => c.kind === 'set' && samePath(c.path, path),
  );
}

/** Rewrites `changes` (this owner's, about to be recorded) so no `before` is another owner's value. */
export function normalizeBefore(changes: Change[], entry: OwnedFile | undefined, owner: string): Change[] {
  if (!entry) return changes;
  return changes.map((c) => {
    if (c.kind !== 'set' || !c.hadBefore) return c;
    const from = others(entry, owner)
      .flatMap(([, r]) => r.changes)
      .find(
        (o) => o.kind === 'set' && samePath(o.path, c.path) && o.hadAfter && valueEquals(o.after, c.before),
      );
    if (from?.kind !== 'set') return c;
    const { before: _old, ...rest } = c;
    return from.hadBefore ? { ...rest, before: from.before, hadBefore: true } : { ...rest, hadBefore: false };
  });
}

/** The last other owner that still claims (or changed) something at or below `c`'s path for the same value. */
function heirFor(entry: OwnedFile, owner: string, c: Change): string | undefined {
  const rest = others(entry, owner).reverse();
  const found = rest.find(([, r]) => {
    const claims = r.claims ?? [];
    if (c.kind === 'create') return [...r.changes, ...claims].some((x) => isPrefix(c.path, x.path));
    if (c.kind === 'append') return claims.some((x) => x.kind === 'append' && samePath(x.path, c.path));
    return setsAt(r, c.path).some((x) => x.hadAfter === c.hadAfter && valueEquals(x.after, c.after));
  });
  return found?.[0];
}

export interface Reverted {
  readonly tree: Tree;
  readonly conflicts: string[];
  /** Changes other owners still need, to add to the front of their records when `owner` leaves. */
  readonly handOver: Map<string, Change[]>;
}

/**
 * The file without `owner`'s changes (for its cleanup, and as the baseline of its repeated setup), while the
 * other owners keep what they claim: such changes are handed over instead of taken back; a value other owners
 * set differently goes to the last of them instead of back to the original; a value another owner's setup
 * replaced since is left alone without reporting a conflict. `current` is a clone the caller owns.
 */
export function revertOwner(entry: OwnedFile, owner: string, current: Tree, file: string): Reverted {
  const handOver = new Map<string, Change[]>();
  const give = (heir: string, c: Change) => handOver.set(heir, [...(handOver.get(heir) ?? []), c]);
  const todo: Change[] = [];
  for (const c of entry.owners[owner]?.changes ?? []) {
    const heir = heirFor(entry, owner, c);
    if (heir !== undefined && c.kind === 'append') {
      // entries both need stay (and become the heir's); entries only this owner needs go
      const shared = c.entries.filter((e) =>
        (entry.owners[heir]!.claims ?? []).some(
          (x) => x.kind === 'append' && x.entries.some((y) => valueEquals(y, e)),
        ),
      );
      if (shared.length > 0) give(heir, { ...c, entries: shared });
      const rest = c.entries.filter((e) => !shared.includes(e));
      if (rest.length > 0) todo.push({ ...c, entries: rest, created: c.created && shared.length === 0 });
      continue;
    }
    if (heir !== undefined) {
      give(heir, c);
      continue;
    }
    if (c.kind !== 'set') {
      todo.push(c);
      continue;
    }
    const theirs = others(entry, owner).flatMap(([name, r]) => setsAt(r, c.path).map((x) => ({ name, x })));
    const last = theirs[theirs.length - 1];
    if (!last) {
      todo.push(c);
      continue;
    }
    const now = lookup(current, c.path);
    const holds = (x: SetChange) => (x.hadAfter ? now.found && valueEquals(now.value, x.after) : !now.found);
    if (!holds(c)) {
      // another owner's value is in force: nothing of ours to take back, and no conflict to report
      if (!theirs.some((t) => holds(t.x))) todo.push(c);
      continue;
    }
    // the value becomes the other owner's choice, and that owner's cleanup takes it back to the original
    const { before: _old, ...rest } = c;
    todo.push(
      last.x.hadAfter ? { ...rest, before: last.x.after, hadBefore: true } : { ...rest, hadBefore: false },
    );
    const heirRecord = entry.owners[last.name]!;
    if (!heirRecord.changes.some((x) => x.kind === 'set' && samePath(x.path, c.path))) {
      const { after: _mine, ...pre } = c;
      give(
        last.name,
        last.x.hadAfter ? { ...pre, after: last.x.after, hadAfter: true } : { ...pre, hadAfter: false },
      );
    }
  }
  const { tree, conflicts } = revertChanges(current, todo, file);
  // tables this owner created that still hold other owners' entries (older ledgers have no claims)
  const heirs = others(entry, owner);
  const last = heirs[heirs.length - 1]?.[0];
  if (last !== undefined) {
    for (const c of todo) {
      const now = c.kind === 'create' ? lookup(tree, c.path) : { found: false };
      if (now.found && isTable(now.value) && Object.keys(now.value).length > 0) give(last, c);
    }
  }
  return { tree, conflicts, handOver };
}

/**
 * The file as it would be without `owner`'s earlier setup, for its repeated setup to start from (so an
 * identical setup plans no writes), and the changes of that setup other owners need meanwhile: they stay in
 * the file and stay this owner's to take back.
 */
export function baselineOf(
  entry: OwnedFile | undefined,
  owner: string,
  snap: { readonly path: string; readonly text: string | null },
  parse: ParseDoc,
): { text: string | null; kept: Change[] } {
  const mine = entry?.owners[owner];
  if (!entry || !mine) return { text: snap.text, kept: [] };
  const onlyOwner = Object.keys(entry.owners).length === 1;
  if (onlyOwner && sha256(snap.text) === entry.afterSha256)
    return { text: entry.existed ? entry.original : null, kept: [] };
  if (snap.text === null) return { text: null, kept: [] };
  const doc = parse(snap.text, snap.path);
  const r = revertOwner(entry, owner, editableCopy(doc.tree), snap.path);
  return { text: doc.render(r.tree), kept: [...r.handOver.values()].flat() };
}

/**
 * `tree` without the other owners' changes: where templates are chosen from, so owners sharing a file copy
 * the same runtime table into nvidia-cdi and nvidia-legacy whatever default the others set meanwhile.
 */
export function withoutOthers(entry: OwnedFile, owner: string, tree: Tree, file: string): Tree {
  let t = editableCopy(tree);
  for (const [, o] of others(entry, owner).reverse()) t = revertChanges(t, o.changes, file).tree;
  return t;
}

/** Records a cleanup's hand-over in `entry` (a copy the caller owns). */
export function applyHandOver(entry: OwnedFile, handOver: ReadonlyMap<string, Change[]>): void {
  for (const [heir, changes] of handOver) {
    const rec = entry.owners[heir];
    if (rec) rec.changes = [...changes, ...rec.changes];
  }
}
