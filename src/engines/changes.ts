/**
 * What a setup changed in a config tree, as data, so cleanup can take back exactly that even after someone
 * else edited the file (field-notes A-26: the original forgets the previous default runtime). Computed from
 * the trees before and after setup; reverted only where the current value is still the one setup wrote.
 */
import { TomlDate } from 'smol-toml';
import { pathText } from '../edit/path';
import { isTable, lookupIn, valueEquals } from '../edit/value';
import { deleteIn, setIn, type Tree } from './tree';

export type Change =
  /** A leaf value (or whole non-table value) that setup set, replaced or removed. */
  | { kind: 'set'; path: string[]; before?: unknown; hadBefore: boolean; after?: unknown; hadAfter: boolean }
  /** Entries setup appended to an array (e.g. containerd `imports`); `created` if the array was new. */
  | { kind: 'append'; path: string[]; entries: unknown[]; created: boolean }
  /** A table setup created; removed on revert once it is empty again. */
  | { kind: 'create'; path: string[] };

/**
 * The changes that turn `before` into `after`. Cost grows with what differs: equal entries (untouched tables
 * shared by both trees) are passed over without building their path.
 */
export function diffTrees(before: Tree, after: Tree, prefix: string[] = []): Change[] {
  const out: Change[] = [];
  const visit = (key: string, hadBefore: boolean, hadAfter: boolean) => {
    const b = hadBefore ? before[key] : undefined;
    const a = hadAfter ? after[key] : undefined;
    if (hadBefore && hadAfter && valueEquals(b, a)) return;
    const path = [...prefix, key];
    if (hadAfter && isTable(a) && (!hadBefore || isTable(b))) {
      if (!hadBefore) out.push({ kind: 'create', path });
      out.push(...diffTrees(hadBefore ? (b as Tree) : {}, a, path));
    } else if (
      hadAfter &&
      Array.isArray(a) &&
      (!hadBefore || Array.isArray(b)) &&
      isPrefix(hadBefore ? (b as unknown[]) : [], a)
    ) {
      const old = hadBefore ? (b as unknown[]) : [];
      out.push({ kind: 'append', path, entries: a.slice(old.length), created: !hadBefore });
    } else {
      out.push({
        kind: 'set',
        path,
        hadBefore,
        hadAfter,
        ...(hadBefore ? { before: b } : {}),
        ...(hadAfter ? { after: a } : {}),
      });
    }
  };
  // keys of `before` first, then the new ones of `after`: the order changes are recorded (and reverted) in
  for (const key of Object.keys(before)) visit(key, true, Object.hasOwn(after, key));
  for (const key of Object.keys(after)) if (!Object.hasOwn(before, key)) visit(key, false, true);
  return out;
}

function isPrefix(short: readonly unknown[], long: readonly unknown[]): boolean {
  return short.length < long.length && short.every((v, i) => valueEquals(v, long[i]));
}

/**
 * Takes back `changes` from `current` (a clone the caller owns), newest first. A value someone changed since
 * setup is left alone and reported as a conflict.
 */
export function revertChanges(
  current: Tree,
  changes: readonly Change[],
  file: string,
): { tree: Tree; conflicts: string[] } {
  const conflicts: string[] = [];
  for (const c of [...changes].reverse()) {
    const now = lookupIn(current, c.path);
    if (c.kind === 'set') {
      const untouched = c.hadAfter ? now.found && valueEquals(now.value, c.after) : !now.found;
      if (!untouched) {
        conflicts.push(pathText(c.path));
        continue;
      }
      if (c.hadBefore) setIn(current, c.path, c.before, file);
      else deleteIn(current, c.path);
    } else if (c.kind === 'append') {
      if (!now.found || !Array.isArray(now.value)) continue;
      const rest = [...now.value];
      for (const e of c.entries) {
        const i = rest.findIndex((v) => valueEquals(v, e));
        if (i >= 0) rest.splice(i, 1);
      }
      if (rest.length === 0 && c.created) deleteIn(current, c.path);
      else setIn(current, c.path, rest, file);
    } else if (now.found && isTable(now.value) && Object.keys(now.value).length === 0) {
      deleteIn(current, c.path);
    }
  }
  return { tree: current, conflicts };
}

/** Ledger values may hold TOML integers beyond 2^53 and dates (kept in their TOML form): tag them for JSON. */
export function encodeValue(v: unknown): unknown {
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (v instanceof Date) return { $date: v.toISOString() };
  if (Array.isArray(v)) return v.map(encodeValue);
  if (isTable(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeValue(x)]));
  return v;
}

export function decodeValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeValue);
  if (isTable(v)) {
    if (typeof v.$bigint === 'string' && Object.keys(v).length === 1) return BigInt(v.$bigint);
    if (typeof v.$date === 'string' && Object.keys(v).length === 1) return new TomlDate(v.$date);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeValue(x)]));
  }
  return v;
}
