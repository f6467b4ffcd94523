/**
 * Format-preserving TOML editing. Engines work on plain value trees; this module turns "original document +
 * desired value tree" into minimal text edits that keep every other byte as it was.
 *
 * Invariants:
 * - `planToml(doc, doc.value)` is `[]` (nothing to write, nothing to restart).
 * - Adding keys/tables and then planning back to the original value gives the original bytes.
 * - `applyToml` never returns text that does not re-parse (smol-toml, TOML 1.0) to exactly the target.
 *
 * Parsing: smol-toml validates the text and gives the values (integers beyond 2^53 as bigint); our own
 * scanner (toml-scan.ts) gives the source positions and refuses the TOML 1.1 forms smol-toml accepts.
 * smol-toml also checks every result: the edited sections, or the whole text where those cannot prove it
 * (toml-verify.ts).
 */
import { parse as parseValues, TomlDate, TomlError } from 'smol-toml';
import { BugError, ConfigError } from '../errors';
import { applyEdits, type Edit } from './apply';
import { explainTomlError } from './toml-errors';
import { TomlIndex } from './toml-index';
import { Lines } from './toml-lines';
import { Planner } from './toml-plan';
import { scanToml, type TomlScan, TomlSyntaxError } from './toml-scan';
import { editedTextHolds } from './toml-verify';
import { deepFreeze, isTable, valueEquals } from './value';

export { TomlDate };
/** Dates and times are smol-toml's TomlDate: a Date whose toISOString() is its TOML text. */
export type TomlDateLike = TomlDate;
export type TomlTable = { [key: string]: TomlValue };
export type TomlValue = string | number | bigint | boolean | TomlDateLike | TomlValue[] | TomlTable;

export interface TomlDoc {
  /** For error messages. */
  readonly file: string;
  readonly text: string;
  /** Line break of the text (its first one; `\n` when it has none); inserted lines use it. */
  readonly eol: '\n' | '\r\n';
  /** The document's value, deep-frozen: build targets from `cloneToml(doc.value)`. Key order = document order. */
  readonly value: TomlTable;
}

// Positions are kept beside the document rather than in it, so a TomlDoc stays plain data.
const scans = new WeakMap<TomlDoc, TomlScan>();
const indexes = new WeakMap<TomlDoc, TomlIndex>();

/**
 * Parses TOML 1.0. Malformed input, TOML 1.1-only syntax, duplicate keys and redefined tables throw
 * ConfigError `file:line:col: reason` (1-based). A UTF-8 BOM at the start is accepted and kept.
 */
export function parseToml(text: string, file: string): TomlDoc {
  let value: TomlTable;
  try {
    value = parseValues(text, { integersAsBigInt: 'asNeeded' }) as TomlTable;
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const reason = (err.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
    const at = explainTomlError(text, { line: err.line, column: err.column, reason });
    throw new ConfigError(file, at.reason, at);
  }
  const scan = scanText(text, file);
  const nl = text.indexOf('\n');
  const eol = nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
  const doc: TomlDoc = Object.freeze({ file, text, eol, value: deepFreeze(value) });
  scans.set(doc, scan);
  return doc;
}

function scanText(text: string, file: string): TomlScan {
  try {
    return scanToml(text);
  } catch (err) {
    if (!(err instanceof TomlSyntaxError)) throw err;
    const lines = new Lines(text);
    const line = lines.lineAt(err.offset);
    throw new ConfigError(file, err.message, { line: line + 1, column: err.offset - lines.start(line) + 1 });
  }
}

function indexFor(doc: TomlDoc): TomlIndex {
  let ix = indexes.get(doc);
  if (!ix) {
    ix = new TomlIndex(doc.text, scans.get(doc) ?? scanText(doc.text, doc.file));
    indexes.set(doc, ix);
    scans.delete(doc);
  }
  return ix;
}

/**
 * Edits (against doc.text) that turn the document into one whose value deep-equals `target`; `[]` when it
 * already does. Offsets refer to doc.text; apply them in one go with applyEdits.
 * - A changed value is replaced in place, keeping its string style where that style can hold the new value.
 * - A removed key loses its whole line(s); a removed table loses its header, every sub-table header, the
 *   comments directly above each and one blank line before each.
 * - A new key-value goes after the table's last key-value line, indented like it.
 * - A new table goes after the last header of its parent's subtree, after one blank line, indented and
 *   quoted like its siblings; tables without keys of their own get no header. A key for a table that so far
 *   exists only through sub-table headers gets a header after them (and loses it again when removed).
 * - Tables defined by dotted keys grow dotted keys; inline tables are edited inside their braces (or
 *   re-rendered whole); arrays keep their layout when entries are appended or removed (else they are
 *   re-rendered whole); editing inside an array of tables throws ConfigError.
 * - New lines use doc.eol; a file without a final newline keeps having none.
 * Adding keys and then planning back to the original value gives back the original bytes.
 */
export function planToml(doc: TomlDoc, target: TomlTable): Edit[] {
  // Nothing to do needs no index (a second identical setup never builds one).
  if (valueEquals(doc.value, target)) return [];
  return new Planner(indexFor(doc), doc.file, doc.eol).plan(doc.value, target);
}

/**
 * planToml + applyEdits, then the safety check: the result must parse to a value deep-equal to `target`,
 * else BugError (so nothing unexpected is ever written).
 */
export function applyToml(doc: TomlDoc, target: TomlTable): string {
  return applyChecked(doc, planToml(doc, target), target);
}

/**
 * The text of `doc` with `edits` applied, once it is proven to parse to `target` (else BugError): from the
 * edited sections alone where toml-verify.ts can prove it, else by parsing the whole text.
 */
export function applyChecked(doc: TomlDoc, edits: readonly Edit[], target: TomlTable): string {
  if (edits.length === 0) {
    if (!valueEquals(doc.value, target))
      throw new BugError(`${doc.file}: no edits planned for a changed value`);
    return doc.text;
  }
  const text = applyEdits(doc.text, edits);
  if (editedTextHolds(indexFor(doc), doc.value, edits, text, target)) return text;
  let value: TomlTable;
  try {
    value = parseValues(text, { integersAsBigInt: 'asNeeded' }) as TomlTable;
  } catch (err) {
    throw new BugError(`${doc.file}: edited text does not parse: ${firstLine(err)}`);
  }
  if (!valueEquals(value, target))
    throw new BugError(`${doc.file}: edited text does not hold the planned value`);
  return text;
}

/** Text of a brand-new file holding `value`: root keys first, then one header block per table. */
export function stringifyToml(value: TomlTable): string {
  return applyToml(parseToml('', '(new file)'), value);
}

/** A mutable deep copy of a value tree (dates stay TomlDate, unlike structuredClone). */
export function cloneToml<T extends TomlValue>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => cloneToml(v)) as T;
  if (isTable(value)) {
    // Null prototype, like the parser's tables: a `__proto__` key stays an ordinary key.
    const out: TomlTable = Object.create(null);
    for (const k of Object.keys(value)) out[k] = cloneToml(value[k] as TomlValue);
    return out as T;
  }
  return value;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
