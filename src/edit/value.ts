/**
 * Plain value trees (parsed TOML or JSON, and the trees the engines build): the one definition of what a
 * table is, when two values are equal, how a tree is frozen and how a path is looked up. The TOML and JSON
 * editors, the engines, the planner and the ledger all compare with `valueEquals`, so "unchanged" means the
 * same thing to each of them.
 */
import type { KeyPath } from './path';

/** A table in a value tree: a plain or null-prototype object; never an array, a date or null. */
export function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/**
 * Deep equality by value, total (never throws) and an equivalence relation:
 * - numbers and bigints compare by mathematical value (`1n` equals `1`, never `1.5`), and NaN equals NaN;
 * - dates compare by their text (a TOML local date is not the instant it would be in UTC), invalid dates
 *   equal each other;
 * - arrays compare element by element, tables by key set (key order is not part of the value);
 * - anything else (strings, booleans, null, undefined) by identity.
 */
export function valueEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isNumeric(a) || isNumeric(b)) return isNumeric(a) && isNumeric(b) && numbersEqual(a, b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && dateKey(a) === dateKey(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valueEquals(a[i], b[i])) return false;
    return true;
  }
  return tablesEqual(a as Record<string, unknown>, b as Record<string, unknown>);
}

function isNumeric(v: unknown): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

function numbersEqual(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
  const n = (typeof a === 'number' ? a : b) as number;
  const big = (typeof a === 'bigint' ? a : b) as bigint;
  // BigInt() of a fraction, NaN or an infinity throws; none of them is an integer's value anyway.
  return Number.isInteger(n) && BigInt(n) === big;
}

/** TOML dates print their own TOML form (local date, local time ...); an invalid date has no text. */
function dateKey(d: Date): string {
  return Number.isNaN(d.getTime()) ? 'invalid' : d.toISOString();
}

/** Trees built from one document share their untouched tables, so most entries compare by identity. */
function tablesEqual(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    // the same key at the same place (the usual case: a re-parse keeps document order) needs no lookup
    if ((kb[i] !== k && !Object.hasOwn(b, k)) || !valueEquals(a[k], b[k])) return false;
  }
  return true;
}

/** Freezes tables and arrays all the way down (a parsed document's value must not change under its text). */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !(v instanceof Date) && !Object.isFrozen(v)) {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

/** The value at `path`, and whether there is one (a key holding `undefined` is found). */
export function lookupIn(tree: unknown, path: KeyPath): { found: boolean; value?: unknown } {
  let cur: unknown = tree;
  for (const k of path) {
    if (!isTable(cur) || !Object.hasOwn(cur, k)) return { found: false };
    cur = cur[k];
  }
  return { found: true, value: cur };
}

/** The value at `path`; undefined when any step is missing or not a table. */
export function getIn(tree: unknown, path: KeyPath): unknown {
  return lookupIn(tree, path).value;
}
