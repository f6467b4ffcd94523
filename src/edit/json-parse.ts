/**
 * Strict JSON reader with the grammar dockerd (Go encoding/json) accepts, plus a duplicate-key check.
 * jsonc-parser is lenient in ways that matter here (it has comment and trailing-comma modes and reports only
 * error codes), so the gate in front of every edit is this small recursive-descent parser: it names the
 * offending character and its line:col, and builds the value tree with the same number semantics as Go
 * (doubles; out-of-range numbers are errors, as they are for Go's float64).
 */
import { ConfigError } from '../errors';
import type { JsonObject, JsonValue } from './json';

/** Go's decoder stops at 10000; we recurse, so stay well inside the JS stack. */
const MAX_NESTING = 1000;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class Reader {
  pos = 0;
  depth = 0;
  constructor(
    readonly text: string,
    readonly file: string,
  ) {}

  /** 1-based line and column (in UTF-16 units) of offset `at`. */
  lineColumn(at: number): { line: number; column: number } {
    let line = 1;
    let lineStart = 0;
    for (let i = this.text.indexOf('\n'); i !== -1 && i < at; i = this.text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return { line, column: at - lineStart + 1 };
  }

  fail(message: string, at = this.pos): never {
    throw new ConfigError(this.file, `invalid JSON: ${message}`, this.lineColumn(at));
  }

  /** What sits at `at`, for messages: 'x', U+000B, or "end of file". */
  what(at = this.pos): string {
    const c = this.text.codePointAt(at);
    if (c === undefined) return 'end of file';
    if (c > 0x20 && c < 0x7f) return `'${String.fromCodePoint(c)}'`;
    return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  }

  /** Fails on the character at the cursor, recognising the two mistakes dockerd users make most. */
  unexpected(expected: string): never {
    const c = this.text[this.pos];
    const next = this.text[this.pos + 1];
    if (c === '/' && (next === '/' || next === '*'))
      this.fail('comments are not allowed (dockerd reads strict JSON)');
    if (c === "'") this.fail(`unexpected "'" (strings must use double quotes)`);
    return this.fail(`unexpected ${this.what()} (expected ${expected})`);
  }

  skipSpace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else return;
    }
  }

  value(): JsonValue {
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
        return this.unexpected('a value');
    }
  }

  enter(): void {
    if (++this.depth > MAX_NESTING) this.fail(`nesting deeper than ${MAX_NESTING} levels`);
    this.pos++;
    this.skipSpace();
  }

  object(): JsonObject {
    this.enter();
    const out: JsonObject = {};
    const seen = new Map<string, number>();
    if (this.text[this.pos] === '}') return this.leave(out);
    for (;;) {
      if (this.text[this.pos] !== '"') this.unexpected('a "quoted" key');
      const keyAt = this.pos;
      const key = this.string();
      const first = seen.get(key);
      if (first !== undefined) {
        const { line, column } = this.lineColumn(first);
        this.fail(`duplicate key ${JSON.stringify(key)} (first defined at ${line}:${column})`, keyAt);
      }
      seen.set(key, keyAt);
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.unexpected("':'");
      this.pos++;
      this.skipSpace();
      // An own data property even for "__proto__", exactly like JSON.parse.
      Object.defineProperty(out, key, {
        value: this.value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      if (this.separator('}')) return this.leave(out);
    }
  }

  array(): JsonValue[] {
    this.enter();
    const out: JsonValue[] = [];
    if (this.text[this.pos] === ']') return this.leave(out);
    for (;;) {
      out.push(this.value());
      if (this.separator(']')) return this.leave(out);
    }
  }

  /** After a member: true at the closing bracket, false after a comma (and the space after it). */
  separator(close: '}' | ']'): boolean {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === close) return true;
    if (c !== ',') this.unexpected(`',' or '${close}'`);
    const commaAt = this.pos;
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === '}' || this.text[this.pos] === ']') {
      this.fail(`trailing comma before ${this.what()} (not allowed in JSON)`, commaAt);
    }
    return false;
  }

  leave<T>(v: T): T {
    this.pos++;
    this.depth--;
    return v;
  }

  string(): string {
    const start = this.pos;
    let out = '';
    let chunk = ++this.pos;
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (Number.isNaN(c) || c === 0x0a || c === 0x0d) this.fail('unterminated string', start);
      if (c === 0x22) break;
      if (c < 0x20) this.fail(`control character ${this.what()} in a string (it must be escaped)`);
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += this.text.slice(chunk, this.pos);
      const e = this.text[this.pos + 1] ?? '';
      if (e === 'u') {
        const hex = this.text.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape (expected 4 hex digits)');
        out += String.fromCharCode(Number.parseInt(hex, 16));
        this.pos += 6;
      } else {
        const ch = ESCAPES[e];
        if (ch === undefined) this.fail(`invalid escape '\\${e}' in a string`);
        out += ch;
        this.pos += 2;
      }
      chunk = this.pos;
    }
    out += this.text.slice(chunk, this.pos);
    this.pos++;
    return out;
  }

  number(): number {
    const start = this.pos;
    NUMBER.lastIndex = start;
    const m = NUMBER.exec(this.text);
    const next = m ? this.text[start + m[0].length] : undefined;
    if (!m || (next !== undefined && /[0-9.eE+-]/.test(next))) {
      this.fail(
        m && /^-?0$/.test(m[0]) && next !== undefined && /[0-9]/.test(next)
          ? 'numbers must not have leading zeros'
          : 'invalid number',
        start,
      );
    }
    const n = Number(m[0]);
    if (!Number.isFinite(n)) this.fail(`number ${m[0]} is out of range`, start);
    this.pos += m[0].length;
    return n;
  }

  literal<T extends JsonValue>(word: string, v: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`unexpected ${this.what()} (expected a value)`);
    this.pos += word.length;
    return v;
  }
}

/** The value of `text`, or undefined when it is empty or only whitespace. Throws ConfigError. */
export function parseStrictJson(text: string, file: string): JsonObject | undefined {
  const r = new Reader(text, file);
  if (text.charCodeAt(0) === 0xfeff) {
    r.fail(
      'the file starts with a UTF-8 byte order mark (BOM), which dockerd refuses; save it without the BOM',
    );
  }
  r.skipSpace();
  if (r.pos === text.length) return undefined;
  const v = r.value();
  r.skipSpace();
  if (r.pos !== text.length) r.unexpected('end of file after the top-level value');
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ConfigError(file, 'expected a JSON object at the top level');
  }
  return v;
}
