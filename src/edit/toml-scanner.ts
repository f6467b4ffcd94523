/**
 * The two passes of the TOML scanner (toml-scan.ts): a quick one over the whole text that records headers
 * and skips their bodies, and a detailed one over a single body (or the root key-values) when it is needed.
 */
import { DOT, isBare, LBRACKET, Lexer } from './toml-lexer';
import type { ScanBody, ScanKv, ScanTable } from './toml-scan';

/**
 * A key-value whose value is a single-line string without escapes or a plain number, boolean or date,
 * followed by at most a comment before the line break: the bulk of real configs. Skipping one of those
 * needs no closer look (TOML 1.1-only forms never match: times, inline tables and escapes are left out).
 */
const SIMPLE_KV =
  /[A-Za-z0-9_-]+(?:[ \t]*\.[ \t]*[A-Za-z0-9_-]+)*[ \t]*=[ \t]*(?:"[^"\\\n]*"|'[^'\n]*'|[A-Za-z0-9_.+-]+)[ \t]*(?:#[^\n]*)?(?=[\r\n]|$)/y;

export class Scanner extends Lexer {
  /** Key-values and comments up to `end`, or up to the first header when `toHeader`. */
  body(end: number, toHeader = false): ScanBody {
    const { text } = this;
    const kvs: ScanKv[] = [];
    for (;;) {
      this.skipBlank();
      if (this.pos >= end || (toHeader && text.charCodeAt(this.pos) === LBRACKET)) break;
      kvs.push(this.keyValue());
    }
    return { kvs, comments: this.comments ?? [] };
  }

  /** The headers from here on, skipping their bodies quickly. */
  tables(): ScanTable[] {
    const { text } = this;
    const tables: ScanTable[] = [];
    this.comments = null;
    let prev: { -readonly [K in keyof ScanTable]: ScanTable[K] } | undefined;
    const raws: string[] = [];
    let names: string[] = [];
    while (this.pos < text.length) {
      const start = this.pos;
      const array = text.charCodeAt(start + 1) === LBRACKET;
      this.pos += array ? 2 : 1;
      names = this.keyNames(names, raws);
      this.skipSpace();
      this.pos += array ? 2 : 1;
      if (prev) prev.bodyEnd = start;
      prev = { array, start, names, bodyStart: this.pos, bodyEnd: text.length };
      tables.push(prev);
      this.skipBody();
    }
    return tables;
  }

  private skipBody(): void {
    const { text } = this;
    for (;;) {
      this.skipBlank();
      if (this.pos >= text.length || text.charCodeAt(this.pos) === LBRACKET) return;
      SIMPLE_KV.lastIndex = this.pos;
      if (SIMPLE_KV.test(text)) this.pos = SIMPLE_KV.lastIndex;
      else this.keyValue();
    }
  }

  /**
   * The names of a header's key segments. Consecutive headers of a large file mostly repeat the previous
   * header's leading segments: those are recognised by their text and share its name strings, which keeps
   * the quick pass from allocating them again (and lets the index match them by identity).
   */
  private keyNames(prevNames: readonly string[], raws: string[]): string[] {
    const { text } = this;
    const names: string[] = [];
    for (let i = 0; ; i++) {
      this.skipSpace();
      const start = this.pos;
      const raw = raws[i];
      if (
        i < prevNames.length &&
        raw !== undefined &&
        text.startsWith(raw, start) &&
        !isBare(text.charCodeAt(start + raw.length))
      ) {
        names.push(prevNames[i] as string);
        this.pos = start + raw.length;
      } else {
        const key = this.key();
        names.push(key.name);
        raws[i] = text.slice(start, key.end);
      }
      this.skipSpace();
      if (text.charCodeAt(this.pos) !== DOT) return names;
      this.pos++;
    }
  }
}
