/**
 * Format-preserving editor for strict JSON files (docker's /etc/docker/daemon.json, cri-o OCI hook files).
 *
 * Engines work on plain value trees; this module turns "original text + desired value tree" into minimal
 * text edits. Invariants:
 * - Text outside the changed members is byte-identical: key order, indentation, inline objects, number
 *   spellings (`1.0`, `1e3`, integers beyond 2^53) and the final newline (or its absence) are kept.
 * - New keys are appended at the end of their object; existing values are changed in place.
 * - Adding members and then removing them restores the original bytes (including CRLF files, files without
 *   a final newline, minified files and `{}`). The one exception: an empty object written with whitespace
 *   inside (`{ }`, `{\n}`) comes back as `{}` once it has been filled and emptied again.
 * - A file that is empty or whitespace-only reads as `{}`; writing to it replaces it with a fresh document
 *   (`stringifyJson`). Emptying that document again gives `{}\n`, never '': whether the file should be
 *   deleted is the caller's decision (the ledger knows whether it existed before).
 *
 * Numbers are read as JS doubles (as dockerd's Go decoder does). That is lossless enough here because the
 * planner compares values read by the same parser on both sides: an untouched big integer equals itself,
 * so its text is never rewritten, and `applyJson`'s re-parse check compares doubles with doubles.
 */
import { BugError, oneLine } from '../errors';
import { applyEdits, type Edit } from './apply';
import { parseStrictJson } from './json-parse';
import { planEdits } from './json-plan';
import { DEFAULT_INDENT, detectFormat, isJsonObject, renderJson } from './json-render';
import { valueEquals } from './value';

export { DEFAULT_INDENT, isJsonObject };

/** Deepest nesting a target may have (a cycle in a target would otherwise recurse forever). */
const MAX_DEPTH = 1000;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

export interface JsonDoc {
  readonly file: string;
  /** The text as read: '' for a missing or empty file (value is then `{}`). */
  readonly text: string;
  /** The root value; the root must be an object. */
  readonly value: JsonObject;
  /**
   * Detected layout. `indent` is the leading whitespace of the first indented line; null means the document
   * has no indented line (minified or single-line), so edits keep it that way. An empty root object with no
   * indentation to detect reports two spaces: that is what gets used when it is filled.
   */
  readonly format: { indent: string | null; eol: '\n' | '\r\n' };
}

/**
 * Parses STRICT JSON, as dockerd does: no comments, no trailing commas, no BOM, no duplicate keys.
 * Errors are ConfigErrors "file:line:col: invalid JSON: …". Empty or whitespace-only text reads as `{}`.
 */
export function parseJson(text: string, file: string): JsonDoc {
  const parsed = parseStrictJson(text, file);
  const value = parsed === undefined ? {} : parsed;
  return { file, text, value, format: detectFormat(text, value) };
}

/**
 * Minimal edits against `doc.text` that make its value deep-equal `target`; [] when it already is.
 * Edits are computed one change at a time, re-parsing in between, then folded into edits of the original.
 */
export function planJson(doc: JsonDoc, target: JsonObject): Edit[] {
  assertJsonTree(target, doc.file);
  if (valueEquals(doc.value, target)) return [];
  if (/^[ \t\r\n]*$/.test(doc.text)) {
    // Nothing to preserve: a missing, empty or blank file becomes a fresh document.
    const fresh = renderJson(target, { unit: doc.format.indent ?? DEFAULT_INDENT, eol: doc.format.eol });
    return [{ offset: 0, length: doc.text.length, content: fresh + doc.format.eol }];
  }
  return planEdits(doc, target);
}

/** Applies `planJson`, then re-parses the result and checks it equals `target`; a mismatch is a BugError and
 * nothing must be written. Returns the new text (the original text when nothing changes). */
export function applyJson(doc: JsonDoc, target: JsonObject): string {
  const edits = planJson(doc, target);
  if (edits.length === 0) return doc.text;
  const out = applyEdits(doc.text, edits);
  let check: JsonDoc;
  try {
    check = parseJson(out, doc.file);
  } catch (err) {
    throw new BugError(`editing ${doc.file} produced invalid JSON: ${oneLine(err)}`);
  }
  if (!valueEquals(check.value, target)) {
    throw new BugError(`editing ${doc.file} did not produce the requested content`);
  }
  return out;
}

/** Text for a new file: `indent` per level (two spaces by default; '' gives one line), LF, final newline. */
export function stringifyJson(value: JsonObject, indent: string = DEFAULT_INDENT): string {
  assertJsonTree(value, '<new document>');
  const style = indent === '' ? { unit: null, eol: '\n', colon: '' } : { unit: indent, eol: '\n' };
  return `${renderJson(value, style)}\n`;
}

/** Engines build targets in code; anything JSON cannot hold (undefined, NaN, a class instance, a cycle) is a
 * bug on our side and must stop the write before any text is produced. */
function assertJsonTree(v: unknown, file: string, path = '', depth = 0): void {
  const fail = (what: string) => {
    throw new BugError(`value for ${file} holds ${what} at ${path === '' ? 'the top level' : path}`);
  };
  if (depth === 0 && !isJsonObject(v)) fail('a non-object');
  if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels (a cycle?)`);
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(`the non-JSON number ${v}`);
    return;
  }
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) assertJsonTree(x, file, `${path}[${i}]`, depth + 1);
    return;
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) fail('a non-plain object');
    for (const k of Object.keys(v)) {
      assertJsonTree(
        (v as Record<string, unknown>)[k],
        file,
        `${path}${path === '' ? '' : '.'}${k}`,
        depth + 1,
      );
    }
    return;
  }
  fail(`a ${typeof v}`);
}
