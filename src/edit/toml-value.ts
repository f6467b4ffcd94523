/**
 * Value-level helpers for the TOML editor: rendering of keys and values as TOML text (equality and the table
 * test are value.ts's). Everything here is pure and independent of the document being edited.
 */
import { BugError } from '../errors';
import type { TomlValue } from './toml';
import { isTable } from './value';

/** The TOML text of a date/time: smol-toml's TomlDate prints its own TOML form (local date, time, ...). */
export function dateText(d: Date): string {
  return d.toISOString();
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** A key segment as new text: bare when it can be, else a basic string. */
export function renderKey(key: string): string {
  return BARE_KEY.test(key) ? key : renderBasic(key);
}

/** A basic string with TOML escapes (control characters, quote and backslash). */
export function renderBasic(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Control characters TOML strings cannot hold unescaped: U+0000–U+001F and U+007F, tab always allowed. */
function hasControl(s: string, allowNewline: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 9 && !(allowNewline && c === 10)) || c === 0x7f) return true;
  }
  return false;
}

export type StringStyle = { readonly style: 'basic' | 'literal'; readonly multiline: boolean };

/**
 * Renders a replacement string in the style the old value used where that style can hold it; a multi-line
 * string stays multi-line only when no escaping is needed (and it does not start with a newline, which TOML
 * would trim); anything else falls back to a basic string.
 */
export function renderStringLike(s: string, old: StringStyle): string {
  if (old.multiline && !s.startsWith('\n') && !hasControl(s, true)) {
    if (old.style === 'literal' && !s.includes("'")) return `'''${s}'''`;
    if (old.style === 'basic' && !/["\\]/.test(s)) return `"""${s}"""`;
  }
  if (!old.multiline && old.style === 'literal' && !s.includes("'") && !hasControl(s, false)) return `'${s}'`;
  return renderBasic(s);
}

const INT64_LIMIT = 2 ** 63;

/** Canonical number text; `asFloat` keeps a float a float (`1` becomes `1.0`) when it replaces one. */
export function renderNumber(n: number | bigint, asFloat = false): string {
  if (typeof n === 'bigint') return asFloat ? `${n}.0` : n.toString();
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Object.is(n, -0)) return asFloat ? '-0.0' : '0';
  if (Number.isInteger(n) && Math.abs(n) < INT64_LIMIT) {
    const digits = BigInt(n).toString();
    return asFloat ? `${digits}.0` : digits;
  }
  // JS prints floats as `0.5`, `1e-7`, `1.5e+300`: all valid TOML floats.
  const text = String(n);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

/** Any value as inline TOML text: arrays `[a, b]`, tables `{ k = v }`, strings basic-quoted. */
export function renderInline(v: TomlValue): string {
  if (typeof v === 'string') return renderBasic(v);
  if (typeof v === 'number' || typeof v === 'bigint') return renderNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return dateText(v);
  if (Array.isArray(v)) return `[${v.map((e) => renderInline(e)).join(', ')}]`;
  if (isTable(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) return '{}';
    return `{ ${keys.map((k) => `${renderKey(k)} = ${renderInline(v[k] as TomlValue)}`).join(', ')} }`;
  }
  throw new BugError(`cannot render ${describe(v)} as TOML`);
}

function describe(v: unknown): string {
  return v === null ? 'null' : typeof v;
}
