/**
 * Small helpers over plain value trees (parsed TOML or JSON).
 *
 * Trees share structure: `editableCopy` copies only the root, and the mutating helpers (ensureTable, setIn,
 * deleteIn) copy each table on the way down to the one they change (path copying), so a tree built from a
 * 1 MB document shares every untouched subtree with it, and comparing the two (valueEquals, diffTrees, the
 * editors' planners) skips those subtrees by identity. The rule that keeps this safe: a table reached by
 * reading a tree is read-only; write only to a root you own (from `editableCopy`, `cloneTree` or built by
 * you), to a table `ensureTable` returned, or through setIn/deleteIn. Parsed documents are deep-frozen, so a
 * write that breaks the rule throws instead of changing the document.
 */

import { type KeyPath, pathText } from '../edit/path';
import { isTable } from '../edit/value';
import { ConfigError } from '../errors';

export type Tree = Record<string, unknown>;

/**
 * The tables each root may write in place: the ones its helpers created or copied for it. Per root, so a
 * table one tree owns is still copied before a write through another tree that came to share it.
 */
const owned = new WeakMap<Tree, WeakSet<object>>();

function ownedBy(root: Tree): WeakSet<object> {
  let set = owned.get(root);
  if (!set) {
    set = new WeakSet();
    owned.set(root, set);
  }
  return set;
}

/** A shallow copy with the same prototype (parsed TOML tables have none, so `__proto__` stays a key). */
function copyTable(t: Tree): Tree {
  if (Object.getPrototypeOf(t) !== null) return { ...t };
  const out: Tree = Object.create(null);
  for (const k of Object.keys(t)) out[k] = t[k];
  return out;
}

/**
 * A copy to change through the helpers of this module: a new root sharing every value below it (cheap for a
 * 1 MB document). Leaves (strings, numbers, bigints and TOML date objects) are immutable values.
 */
export function editableCopy<T extends Tree>(tree: T): T {
  return copyTable(tree) as T;
}

/**
 * A full copy of tables and arrays, for data the caller changes directly rather than through the helpers
 * (the restore ledger, a template runtime table). Leaves are shared: a TOML date must stay the same class to
 * compare equal to the original (structuredClone would turn it into a plain Date).
 */
export function cloneTree<T>(tree: T): T {
  if (Array.isArray(tree)) return tree.map((v) => cloneTree(v)) as T;
  if (isTable(tree)) return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, cloneTree(v)])) as T;
  return tree;
}

/** `parent[k]`, a table, made writable: copied into `parent` unless the root already owns it (`mine`). */
function writable(mine: WeakSet<object>, parent: Tree, k: string, t: Tree): Tree {
  if (mine.has(t)) return t;
  const copy = copyTable(t);
  mine.add(copy);
  parent[k] = copy;
  return copy;
}

/**
 * The table at `path`, created (with its parents) when missing, and writable: tables shared with another
 * tree are copied on the way down. A non-table in the way is a ConfigError.
 */
export function ensureTable(tree: Tree, path: KeyPath, file: string): Tree {
  const mine = ownedBy(tree);
  let cur: Tree = tree;
  for (let i = 0; i < path.length; i++) {
    const k = path[i]!;
    const next = Object.hasOwn(cur, k) ? cur[k] : undefined;
    if (next === undefined) {
      const created: Tree = {};
      mine.add(created);
      cur[k] = created;
      cur = created;
    } else if (isTable(next)) {
      cur = writable(mine, cur, k, next);
    } else {
      throw new ConfigError(
        file,
        `${pathText(path.slice(0, i + 1))} must be a table, found ${typeName(next)}`,
      );
    }
  }
  return cur;
}

/** The table at `path` if every step exists; a non-table in the way is a ConfigError. Read-only. */
export function tableAt(tree: Tree, path: KeyPath, file: string): Tree | undefined {
  let cur: unknown = tree;
  for (let i = 0; i < path.length; i++) {
    if (!isTable(cur)) return undefined;
    const next: unknown = Object.hasOwn(cur, path[i]!) ? cur[path[i]!] : undefined;
    if (next === undefined) return undefined;
    if (!isTable(next))
      throw new ConfigError(
        file,
        `${pathText(path.slice(0, i + 1))} must be a table, found ${typeName(next)}`,
      );
    cur = next;
  }
  return cur as Tree;
}

export function stringAt(tree: Tree, path: KeyPath, file: string): string | undefined {
  const parent = tableAt(tree, path.slice(0, -1), file);
  const last = path[path.length - 1]!;
  const v = parent && Object.hasOwn(parent, last) ? parent[last] : undefined;
  if (v === undefined) return undefined;
  if (typeof v !== 'string')
    throw new ConfigError(file, `${pathText(path)} must be a string, found ${typeName(v)}`);
  return v;
}

/** Sets the value at `path` (stored as given, shared: do not change it afterwards except through the helpers). */
export function setIn(tree: Tree, path: KeyPath, value: unknown, file: string): void {
  ensureTable(tree, path.slice(0, -1), file)[path[path.length - 1]!] = value;
}

/**
 * Deletes the key at `path` (nothing when a parent is missing or not a table); with `prune`, also deletes the
 * parents left empty, down to (not incl.) the first `keep` levels.
 */
export function deleteIn(tree: Tree, path: KeyPath, opts: { prune?: boolean; keep?: number } = {}): void {
  let cur: unknown = tree;
  for (const k of path.slice(0, -1)) {
    cur = isTable(cur) && Object.hasOwn(cur, k) ? cur[k] : undefined;
    if (!isTable(cur)) return;
  }
  const mine = ownedBy(tree);
  const chain: Tree[] = [tree];
  for (const k of path.slice(0, -1)) {
    const parent = chain[chain.length - 1]!;
    chain.push(writable(mine, parent, k, parent[k] as Tree));
  }
  delete chain[chain.length - 1]![path[path.length - 1]!];
  if (!opts.prune) return;
  for (let i = chain.length - 1; i > (opts.keep ?? 0); i--) {
    if (Object.keys(chain[i]!).length > 0) break;
    delete chain[i - 1]![path[i - 1]!];
  }
}

export function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (isTable(v)) return 'a table';
  if (typeof v === 'bigint') return 'an integer';
  return `a ${typeof v}`;
}
