/**
 * Our own scanner of TOML text (it replaced toml-eslint-parser, which took ~150 ms per MB): it finds where
 * things are: table headers, key-values (with each key segment and value range), array elements,
 * inline-table entries and comments. The editor needs positions
 * only; values come from smol-toml, which also validates the text first. The scanner therefore assumes valid
 * TOML, with one exception: smol-toml accepts a few TOML 1.1 forms that containerd's TOML 1.0 reader rejects
 * (newlines, comments or a trailing comma inside an inline table, the `\e` and `\x` escapes, times without
 * seconds); the scanner reports those as TomlSyntaxError so that such a file is refused, not written.
 *
 * Offsets are UTF-16 indexes into the text; every `end` is exclusive. The passes are in toml-scanner.ts, the
 * character-level work in toml-lexer.ts; test/edit/toml-scan.test.ts checks the result against
 * toml-eslint-parser's on fixtures, generated and mutated documents.
 */
import { Scanner } from './toml-scanner';

export { decodeBasic, TomlSyntaxError } from './toml-lexer';

export interface ScanKey {
  readonly start: number;
  readonly end: number;
  /** The segment's name: bare text, or the quoted string's value. */
  readonly name: string;
}

export type ScanValue = ScanString | ScanScalar | ScanArray | ScanInline;

export interface ScanString {
  readonly kind: 'string';
  readonly start: number;
  readonly end: number;
  readonly style: 'basic' | 'literal';
  readonly multiline: boolean;
}

export interface ScanScalar {
  readonly kind: 'integer' | 'float' | 'boolean' | 'datetime';
  readonly start: number;
  readonly end: number;
}

export interface ScanArray {
  readonly kind: 'array';
  readonly start: number;
  readonly end: number;
  readonly items: readonly ScanValue[];
}

export interface ScanInline {
  readonly kind: 'inline';
  readonly start: number;
  readonly end: number;
  readonly kvs: readonly ScanKv[];
}

/** `a.b = v`: starts at its first key segment, ends with its value. */
export interface ScanKv {
  readonly keys: readonly ScanKey[];
  readonly value: ScanValue;
}

/**
 * `[a.b]` or `[[a.b]]`. Its body (the key-values up to the next header) is scanned when first asked for
 * (TomlScan.body), and the positions of its key segments likewise (TomlScan.keys).
 */
export interface ScanTable {
  readonly array: boolean;
  /** Offset of the opening bracket. */
  readonly start: number;
  /** The key segments' names. */
  readonly names: readonly string[];
  /** Just past the closing bracket(s). */
  readonly bodyStart: number;
  /** Offset of the next header's opening bracket, or the end of the text. */
  readonly bodyEnd: number;
}

/** `# ...` up to, not including, the line break. */
export interface ScanComment {
  readonly start: number;
  readonly end: number;
}

export interface ScanBody {
  readonly kvs: readonly ScanKv[];
  readonly comments: readonly ScanComment[];
}

/**
 * The scan of a document: root key-values and comments before the first header in detail, then each header;
 * a header's body and key positions are scanned on first use, so that a large file costs one quick pass plus
 * the detail of the few tables an edit touches.
 */
export class TomlScan {
  private readonly bodies = new Map<ScanTable, ScanBody>();
  private readonly keyCache = new Map<ScanTable, ScanKey[]>();

  constructor(
    readonly text: string,
    readonly root: ScanBody,
    readonly tables: readonly ScanTable[],
  ) {}

  body(t: ScanTable): ScanBody {
    let b = this.bodies.get(t);
    if (!b) {
      b = new Scanner(this.text, t.bodyStart).body(t.bodyEnd);
      this.bodies.set(t, b);
    }
    return b;
  }

  keys(t: ScanTable): ScanKey[] {
    let k = this.keyCache.get(t);
    if (!k) {
      k = new Scanner(this.text, t.start + (t.array ? 2 : 1)).keys();
      this.keyCache.set(t, k);
    }
    return k;
  }
}

/** Scans a TOML text that smol-toml accepted. Throws TomlSyntaxError for TOML 1.1-only forms. */
export function scanToml(text: string): TomlScan {
  const s = new Scanner(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  return new TomlScan(text, s.body(text.length, true), s.tables());
}
