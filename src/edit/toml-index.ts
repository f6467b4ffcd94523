/**
 * Where things are in a parsed TOML document: built once per document from the toml-eslint-parser AST, then
 * queried by the planner. Paths are string arrays; everything under an array of tables (`[[x]]`) is only
 * tracked as far as needed to leave it alone or remove it whole.
 */
import type { AST } from 'toml-eslint-parser';
import { Lines } from './toml-lines';

/**
 * One `[header]` or `[[header]]` with its body. Built for every table of a document, so the parts the planner
 * needs for a few tables only (segment text, indentation, last line) are computed when asked.
 */
export class Header {
  constructor(
    readonly node: AST.TOMLTable,
    /** The string path; for tables under an array of tables, only the part before the first index. */
    readonly path: readonly string[],
    readonly key: PathKey,
    /** True for `[[x]]` and for tables under one: never edited, only removed whole. */
    readonly inArray: boolean,
    private readonly lines: Lines,
  ) {}

  get line(): number {
    return this.node.loc.start.line - 1;
  }

  get kvs(): readonly AST.TOMLKeyValue[] {
    return this.node.body;
  }

  /** Source text of each key segment as written (quotes included). */
  get segments(): string[] {
    return this.node.key.keys.map((k) => this.lines.text.slice(k.range[0], k.range[1]));
  }

  get indent(): string {
    return this.lines.text.slice(this.lines.start(this.line), this.node.range[0]);
  }

  /** Last line holding the header or one of its key-values. */
  get lastLine(): number {
    const last = this.node.body[this.node.body.length - 1];
    return Math.max(this.node.key.loc.end.line - 1, last ? last.loc.end.line - 1 : this.line);
  }
}

/** A table defined by dotted keys (`a.b = 1` defines `a`) inside one container. */
export interface DottedTable {
  readonly container: Header | null;
  /** How many leading key segments of each member spell this table's path inside the container. */
  readonly depth: number;
  readonly members: AST.TOMLKeyValue[];
}

export type TableKind = 'root' | 'header' | 'dotted' | 'implicit';

/**
 * Map key of a path: its segments as JSON strings joined by commas (unambiguous, since each is quoted), built
 * one segment at a time so that walking a large document does not re-serialise whole paths.
 */
export type PathKey = string;

export function childKey(parent: PathKey, segment: string): PathKey {
  const q = JSON.stringify(segment);
  return parent === '' ? q : `${parent},${q}`;
}

export function keyOf(path: readonly string[]): PathKey {
  let key = '';
  for (const s of path) key = childKey(key, s);
  return key;
}

function isUnder(h: Header, key: PathKey): boolean {
  return key === '' || h.key === key || (h.key.startsWith(key) && h.key.charCodeAt(key.length) === 44);
}

export class TomlIndex {
  readonly lines: Lines;
  readonly headers: Header[] = [];
  readonly rootKvs: AST.TOMLKeyValue[] = [];
  /** Indentation per nesting level of headers: '' when the file does not indent nested tables. */
  readonly headerStep: string;
  /** Indentation of a table's keys relative to its header, as the file does it (else headerStep). */
  readonly keyStep: string;
  private readonly byPath = new Map<string, Header>();
  private readonly lastUnder = new Map<string, Header | undefined>();
  private readonly lastChild = new Map<string, Header>();
  private readonly kvs = new Map<string, AST.TOMLKeyValue>();
  private readonly dotted = new Map<string, DottedTable>();
  private readonly arrays = new Set<string>();
  private readonly commentLines = new Set<number>();

  constructor(text: string, ast: AST.TOMLProgram) {
    this.lines = new Lines(text);
    for (const c of ast.comments) {
      const line = c.loc.start.line - 1;
      if (/^[ \t]*$/.test(text.slice(this.lines.start(line), c.range[0]))) this.commentLines.add(line);
    }
    const top = ast.body[0];
    for (const item of top.body) {
      if (item.type === 'TOMLKeyValue') {
        this.rootKvs.push(item);
        this.addKv('', item, null);
      } else this.addHeader(item);
    }
    this.headerStep = this.detectHeaderStep();
    this.keyStep = this.detectKeyStep() ?? this.headerStep;
  }

  private addHeader(node: AST.TOMLTable): void {
    const firstIndex = node.resolvedKey.findIndex((k) => typeof k === 'number');
    const inArray = node.kind === 'array' || firstIndex !== -1;
    const path = (firstIndex === -1 ? node.resolvedKey : node.resolvedKey.slice(0, firstIndex)) as string[];
    let parent: PathKey = '';
    let key: PathKey = '';
    for (const seg of path) {
      parent = key;
      key = childKey(key, seg);
    }
    const h = new Header(node, path, key, inArray, this.lines);
    this.headers.push(h);
    if (node.kind === 'array' && firstIndex === node.resolvedKey.length - 1) this.arrays.add(key);
    if (inArray) return;
    this.byPath.set(key, h);
    this.lastChild.set(parent, h);
    for (const kv of node.body) this.addKv(key, kv, h);
  }

  private addKv(base: PathKey, kv: AST.TOMLKeyValue, container: Header | null): void {
    let key = base;
    kv.key.keys.forEach((k, i) => {
      if (i > 0) {
        let d = this.dotted.get(key);
        if (!d) {
          d = { container, depth: i, members: [] };
          this.dotted.set(key, d);
        }
        d.members.push(kv);
      }
      key = childKey(key, k.type === 'TOMLBare' ? k.name : k.value);
    });
    this.kvs.set(key, kv);
  }

  /** The extra indentation of a table's keys relative to its header, from the first table that has some. */
  private detectKeyStep(): string | undefined {
    for (const h of this.headers) {
      const first = h.kvs[0];
      if (!first) continue;
      const kvIndent = this.lines.indent(first.loc.start.line - 1);
      if (kvIndent.startsWith(h.indent)) return kvIndent.slice(h.indent.length);
    }
    return undefined;
  }

  /**
   * One level of header nesting: taken from an indented header and its parent's header where the file has
   * that pair, else 2 spaces when any header is indented, else nothing.
   */
  private detectHeaderStep(): string {
    let indented = false;
    for (const h of this.headers) {
      if (h.indent === '') continue;
      indented = true;
      const parent = this.byPath.get(keyOf(h.path.slice(0, -1)));
      if (parent && h.indent.length > parent.indent.length && h.indent.startsWith(parent.indent)) {
        return h.indent.slice(parent.indent.length);
      }
    }
    return indented ? '  ' : '';
  }

  // Lookups take PathKeys (see keyOf/childKey).

  /** The key-value whose full path this is (not inside an array of tables or an inline table). */
  kv(key: PathKey): AST.TOMLKeyValue | undefined {
    return this.kvs.get(key);
  }

  header(key: PathKey): Header | undefined {
    return this.byPath.get(key);
  }

  dottedTable(key: PathKey): DottedTable | undefined {
    return this.dotted.get(key);
  }

  isArrayOfTables(key: PathKey): boolean {
    return this.arrays.has(key);
  }

  kind(key: PathKey): TableKind {
    if (key === '') return 'root';
    if (this.byPath.has(key)) return 'header';
    if (this.dotted.has(key)) return 'dotted';
    return 'implicit';
  }

  /** Last header (document order) at or below the path; for the root, the last header of the file. */
  lastHeaderUnder(key: PathKey): Header | undefined {
    // Asked a few times per plan, so a scan (cached) beats maintaining every prefix of every header.
    if (this.lastUnder.has(key)) return this.lastUnder.get(key);
    let found: Header | undefined;
    for (let i = this.headers.length - 1; i >= 0 && !found; i--) {
      const h = this.headers[i] as Header;
      if (isUnder(h, key)) found = h;
    }
    this.lastUnder.set(key, found);
    return found;
  }

  firstHeaderUnder(key: PathKey): Header | undefined {
    return this.headers.find((h) => isUnder(h, key));
  }

  /** The last existing header whose path is `parent` plus one segment. */
  lastChildHeader(parent: PathKey): Header | undefined {
    return this.lastChild.get(parent);
  }

  /** How the last segment of `path` is written in existing headers (the last one seen). */
  segment(path: readonly string[]): string | undefined {
    const key = keyOf(path);
    for (let i = this.headers.length - 1; i >= 0; i--) {
      const h = this.headers[i] as Header;
      if (!h.inArray && isUnder(h, key)) return h.segments[path.length - 1];
    }
    return undefined;
  }

  /** Every header at or below the path, arrays of tables included. */
  headersUnder(key: PathKey): Header[] {
    return this.headers.filter((h) => isUnder(h, key));
  }

  isComment(line: number): boolean {
    return this.commentLines.has(line);
  }

  /** First line of the comment block directly above the header (no blank line between), else its own line. */
  attachedStart(h: Header): number {
    let line = h.line;
    while (line > 0 && this.commentLines.has(line - 1)) line--;
    return line;
  }

  /**
   * Last line of the header's section: its last key-value, plus the comment lines right after it (commented
   * defaults) unless those comments sit directly on top of the next header, which they then describe.
   */
  sectionEnd(h: Header): number {
    let line = h.lastLine;
    while (this.commentLines.has(line + 1)) line++;
    if (line === h.lastLine) return line;
    const next = line + 1;
    return next >= this.lines.count || this.lines.isBlank(next) ? line : h.lastLine;
  }

  /** Line of the last key-value of the root table, or -1. */
  get lastRootKvLine(): number {
    const last = this.rootKvs[this.rootKvs.length - 1];
    return last ? last.loc.end.line - 1 : -1;
  }

  /** The last line that is not blank, or -1. */
  lastNonBlank(before = this.lines.count): number {
    let line = before - 1;
    while (line >= 0 && this.lines.isBlank(line)) line--;
    return line;
  }
}
