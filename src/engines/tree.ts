/** Small helpers over plain value trees (parsed TOML or JSON). Mutating helpers work on a clone the caller owns. */

import { isTable, type KeyPath, pathText } from '../edit/path';
import { ConfigError } from '../errors';

export type Tree = Record<string, unknown>;

/**
 * A mutable deep copy of tables and arrays. Leaves (strings, numbers, bigints and TOML date objects) are
 * shared: they are immutable values, and a TOML date must stay the same class to compare equal to the
 * original (structuredClone would turn it into a plain Date and make an untouched date look changed).
 */
export function cloneTree<T>(tree: T): T {
  if (Array.isArray(tree)) return tree.map((v) => cloneTree(v)) as T;
  if (isTable(tree)) return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, cloneTree(v)])) as T;
  return tree;
}

/** The table at `path`, created (with its parents) when missing. A non-table in the way is a ConfigError. */
export function ensureTable(tree: Tree, path: KeyPath, file: string): Tree {
  let cur: Tree = tree;
  for (let i = 0; i < path.length; i++) {
    const k = path[i]!;
    const next = cur[k];
    if (next === undefined) {
      const created: Tree = {};
      cur[k] = created;
      cur = created;
    } else if (isTable(next)) {
      cur = next;
    } else {
      throw new ConfigError(
        file,
        `${pathText(path.slice(0, i + 1))} must be a table, found ${typeName(next)}`,
      );
    }
  }
  return cur;
}

/** The table at `path` if every step exists; a non-table in the way is a ConfigError. */
export function tableAt(tree: Tree, path: KeyPath, file: string): Tree | undefined {
  let cur: unknown = tree;
  for (let i = 0; i < path.length; i++) {
    if (!isTable(cur)) return undefined;
    const next: unknown = cur[path[i]!];
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
  const v = parent?.[path[path.length - 1]!];
  if (v === undefined) return undefined;
  if (typeof v !== 'string')
    throw new ConfigError(file, `${pathText(path)} must be a string, found ${typeName(v)}`);
  return v;
}

export function setIn(tree: Tree, path: KeyPath, value: unknown, file: string): void {
  ensureTable(tree, path.slice(0, -1), file)[path[path.length - 1]!] = value;
}

/** Deletes the key at `path`; with `prune`, also deletes the parents it leaves empty, up to (not incl.) `stopAt` levels. */
export function deleteIn(tree: Tree, path: KeyPath, opts: { prune?: boolean; keep?: number } = {}): void {
  const chain: Tree[] = [tree];
  for (const k of path.slice(0, -1)) {
    const next = chain[chain.length - 1]![k];
    if (!isTable(next)) return;
    chain.push(next as Tree);
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
