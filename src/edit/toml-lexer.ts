/**
 * The character-level part of the TOML scanner (toml-scan.ts says what it finds and why). It assumes text
 * that smol-toml accepted and reports only the TOML 1.1 forms smol-toml lets through (TomlSyntaxError).
 */
import type { ScanArray, ScanComment, ScanInline, ScanKey, ScanKv, ScanScalar, ScanValue } from './toml-scan';

/** TOML 1.1 syntax at `offset` (smol-toml accepts it; TOML 1.0 readers such as containerd's do not). */
export class TomlSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
    this.name = 'TomlSyntaxError';
  }
}

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const HASH = 35;
const APOS = 39;
const COMMA = 44;
export const DOT = 46;
export const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;

export function isBare(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 // a-z A-Z 0-9 _ -
  );
}

/** Characters that end an unquoted value (number, boolean, date). */
function endsToken(c: number): boolean {
  return (
    c === SPACE ||
    c === TAB ||
    c === COMMA ||
    c === RBRACKET ||
    c === RBRACE ||
    c === HASH ||
    c === LF ||
    c === CR
  );
}

const ESCAPES: Readonly<Record<string, string>> = {
  b: '\b',
  t: '\t',
  n: '\n',
  f: '\f',
  r: '\r',
  '"': '"',
  '\\': '\\',
};

/**
 * Key-values and values at the character level: strings of every kind, numbers and dates, arrays, inline
 * tables, dotted keys, blanks and comments.
 */
export class Lexer {
  /** Comments met so far; null when they are not wanted (the quick pass over table bodies). */
  protected comments: ScanComment[] | null = [];

  constructor(
    protected readonly text: string,
    protected pos: number,
  ) {}

  /** Spaces, tabs, line breaks and comments (recorded). */
  protected skipBlank(): void {
    const { text } = this;
    let p = this.pos;
    for (;;) {
      const c = text.charCodeAt(p);
      if (c === SPACE || c === TAB || c === LF || c === CR) p++;
      else if (c === HASH) {
        let end = text.indexOf('\n', p);
        if (end === -1) end = text.length;
        else if (text.charCodeAt(end - 1) === CR) end--;
        this.comments?.push({ start: p, end });
        p = end;
      } else break;
    }
    this.pos = p;
  }

  protected skipSpace(): void {
    const { text } = this;
    let c = text.charCodeAt(this.pos);
    while (c === SPACE || c === TAB) c = text.charCodeAt(++this.pos);
  }

  protected keyValue(): ScanKv {
    const keys = this.keys();
    this.skipSpace();
    this.pos++; // '='
    this.skipSpace();
    return { keys, value: this.value() };
  }

  /** A dotted key: segments separated by dots, with optional spaces around each dot. */
  keys(): ScanKey[] {
    const { text } = this;
    const keys: ScanKey[] = [];
    for (;;) {
      this.skipSpace();
      keys.push(this.key());
      this.skipSpace();
      if (text.charCodeAt(this.pos) !== DOT) return keys;
      this.pos++;
    }
  }

  /** One key segment: bare, "basic" or 'literal'. */
  protected key(): ScanKey {
    const { text } = this;
    const start = this.pos;
    const c = text.charCodeAt(start);
    let name: string;
    if (c === QUOTE) {
      const end = this.basicEnd(start + 1);
      name = decodeBasic(text.slice(start + 1, end - 1));
      this.pos = end;
    } else if (c === APOS) {
      const end = text.indexOf("'", start + 1) + 1;
      name = text.slice(start + 1, end - 1);
      this.pos = end;
    } else {
      let p = start;
      while (isBare(text.charCodeAt(p))) p++;
      name = text.slice(start, p);
      this.pos = p;
    }
    return { start, end: this.pos, name };
  }

  private value(): ScanValue {
    const { text } = this;
    const start = this.pos;
    const c = text.charCodeAt(start);
    if (c === QUOTE || c === APOS) {
      const multiline = text.charCodeAt(start + 1) === c && text.charCodeAt(start + 2) === c;
      const style = c === QUOTE ? 'basic' : 'literal';
      let end: number;
      if (multiline) end = this.multilineEnd(start + 3, c);
      else if (c === QUOTE) end = this.basicEnd(start + 1);
      else end = text.indexOf("'", start + 1) + 1;
      this.pos = end;
      return { kind: 'string', start, end, style, multiline };
    }
    if (c === LBRACKET) return this.array(start);
    if (c === LBRACE) return this.inline(start);
    return this.token(start);
  }

  /** End (past the closing quote) of a basic string whose text starts at `p`; checks its escapes. */
  private basicEnd(p: number): number {
    const { text } = this;
    for (;;) {
      const c = text.charCodeAt(p);
      if (c === QUOTE) return p + 1;
      if (c === BACKSLASH) {
        this.checkEscape(p, false);
        p += 2;
      } else if (Number.isNaN(c)) return p;
      else p++;
    }
  }

  /** End of a multi-line string whose text starts at `p`: the closing triple quote may follow 1–2 quotes. */
  private multilineEnd(p: number, quote: number): number {
    const { text } = this;
    for (;;) {
      const c = text.charCodeAt(p);
      if (Number.isNaN(c)) return p;
      if (c === BACKSLASH && quote === QUOTE) {
        this.checkEscape(p, true);
        p += 2;
      } else if (c === quote && text.charCodeAt(p + 1) === quote && text.charCodeAt(p + 2) === quote) {
        let end = p + 3;
        if (text.charCodeAt(end) === quote) end++;
        if (text.charCodeAt(end) === quote) end++;
        return end;
      } else p++;
    }
  }

  private checkEscape(p: number, multiline: boolean): void {
    const c = this.text[p + 1] ?? '';
    if (c === 'u' || c === 'U' || c in ESCAPES) return;
    if (multiline && (c === ' ' || c === '\t' || c === '\n' || c === '\r')) return;
    throw new TomlSyntaxError(p, `escape sequence "\\${c}" is TOML 1.1 (TOML 1.0 readers reject it)`);
  }

  private array(start: number): ScanArray {
    const { text } = this;
    const items: ScanValue[] = [];
    this.pos = start + 1;
    for (;;) {
      this.skipBlank();
      const c = text.charCodeAt(this.pos);
      if (c === RBRACKET || this.pos >= text.length) break;
      if (c === COMMA) {
        this.pos++;
        continue;
      }
      items.push(this.value());
    }
    this.pos++;
    return { kind: 'array', start, end: this.pos, items };
  }

  private inline(start: number): ScanInline {
    const { text } = this;
    const kvs: ScanKv[] = [];
    this.pos = start + 1;
    this.skipSpace();
    if (text.charCodeAt(this.pos) !== RBRACE) {
      for (;;) {
        this.inlineBreak();
        kvs.push(this.keyValue());
        this.skipSpace();
        const c = text.charCodeAt(this.pos);
        if (c !== COMMA) break;
        this.pos++;
        this.skipSpace();
        if (text.charCodeAt(this.pos) === RBRACE)
          throw new TomlSyntaxError(this.pos - 1, 'a trailing comma in an inline table is TOML 1.1');
      }
      this.inlineBreak();
    }
    this.pos++;
    return { kind: 'inline', start, end: this.pos, kvs };
  }

  private inlineBreak(): void {
    const c = this.text.charCodeAt(this.pos);
    if (c === LF || c === CR || c === HASH)
      throw new TomlSyntaxError(this.pos, 'a line break or comment inside an inline table is TOML 1.1');
  }

  /** A number, boolean or date/time: up to the next delimiter (a date and a time may be joined by a space). */
  private token(start: number): ScanScalar {
    const { text } = this;
    let p = start;
    while (p < text.length && !endsToken(text.charCodeAt(p))) p++;
    if (
      p - start === 10 &&
      text.charCodeAt(p) === SPACE &&
      /^\d{4}-\d\d-\d\d$/.test(text.slice(start, p)) &&
      isDigit(text.charCodeAt(p + 1)) &&
      isDigit(text.charCodeAt(p + 2)) &&
      text.charCodeAt(p + 3) === 58 // ':'
    ) {
      p++;
      while (p < text.length && !endsToken(text.charCodeAt(p))) p++;
    }
    this.pos = p;
    const token = text.slice(start, p);
    return { kind: classify(token, start), start, end: p };
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function classify(token: string, offset: number): ScanScalar['kind'] {
  if (token === 'true' || token === 'false') return 'boolean';
  const date = /^\d{4}-/.test(token);
  if (date || /^\d\d:/.test(token)) {
    // A date, a time or both: TOML 1.0 requires the seconds of every time.
    const t = date ? /[Tt ]/.exec(token) : null;
    const time = t ? token.slice(t.index + 1) : date ? '' : token;
    if (time !== '' && !/^\d\d:\d\d:\d\d/.test(time))
      throw new TomlSyntaxError(offset, 'a time without seconds is TOML 1.1');
    return 'datetime';
  }
  if (/^0[xob]/.test(token)) return 'integer';
  return /[.eEin]/.test(token) ? 'float' : 'integer';
}

/** The value of a basic string's text (between its quotes), escapes decoded. */
export function decodeBasic(raw: string): string {
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)/g, (_m, e: string) => {
    if (e.length > 1) return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
    return ESCAPES[e] ?? e;
  });
}
