/**
 * Where things are in a parsed TOML document, built once per document from the scan (toml-scan.ts) and then
 * queried by the planner. Tables and keys form a tree of nodes, one per path segment, so that the planner
 * walks it alongside the value tree and every lookup costs O(depth), never O(number of tables). Everything
 * under an array of tables (`[[x]]`) is only tracked as far as needed to leave it alone or remove it whole.
 */
import { Lines } from './toml-lines';
import { addKv, Header, type HeaderSource, PathNode } from './toml-paths';
import type { ScanBody, ScanKv, ScanTable, TomlScan } from './toml-scan';

export { Header, PathNode } from './toml-paths';

export type TableKind = 'root' | 'header' | 'dotted' | 'implicit';

export class TomlIndex implements HeaderSource {
  readonly lines: Lines;
  readonly root = new PathNode(undefined, 0);
  readonly headers: Header[] = [];
  readonly rootKvs: readonly ScanKv[];
  private steps: { header: string; key: string } | undefined;
  private readonly commentLines = new Set<number>();
  private readonly loaded = new Set<ScanTable>();
  /** The names and nodes of the previous header's path (see addHeader). */
  private readonly prevPath: { names: readonly string[]; nodes: PathNode[] } = { names: [], nodes: [] };

  constructor(
    text: string,
    readonly scan: TomlScan,
  ) {
    this.lines = new Lines(text);
    this.noteComments(scan.root);
    this.rootKvs = scan.root.kvs;
    for (const kv of scan.root.kvs) addKv(this.root, kv, null);
    for (const t of scan.tables) this.addHeader(t);
  }

  /** Indentation per nesting level of headers: '' when the file does not indent nested tables. */
  get headerStep(): string {
    return this.detectSteps().header;
  }

  /** Indentation of a table's keys relative to its header, as the file does it (else headerStep). */
  get keyStep(): string {
    return this.detectSteps().key;
  }

  /** Only plans that add lines need the file's indentation, so it is looked for on first use. */
  private detectSteps(): { header: string; key: string } {
    if (!this.steps) {
      const header = this.detectHeaderStep();
      this.steps = { header, key: this.detectKeyStep() ?? header };
    }
    return this.steps;
  }

  /** A table's body, scanned on first use (its comment lines are noted then). */
  body(t: ScanTable): ScanBody {
    if (this.loaded.has(t)) return this.scan.body(t);
    this.loaded.add(t);
    const b = this.scan.body(t);
    this.noteComments(b);
    return b;
  }

  private noteComments(b: ScanBody): void {
    const { text } = this.lines;
    for (const c of b.comments) {
      let p = c.start;
      while (p > 0 && (text.charCodeAt(p - 1) === 32 || text.charCodeAt(p - 1) === 9)) p--;
      if (p <= this.lines.bomLength || text.charCodeAt(p - 1) === 10)
        this.commentLines.add(this.lines.lineAt(c.start));
    }
  }

  private addHeader(table: ScanTable): void {
    const names = table.names;
    const prev = this.prevPath;
    let node = this.root;
    let inArray = table.array;
    let same = true;
    let prevLength = names.length;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      // The scan shares name strings with the previous header's where they are the same segments.
      same &&= i < prev.names.length && prev.names[i] === name;
      node = same ? (prev.nodes[i] as PathNode) : node.ensure(name);
      prev.nodes[i] = node;
      // Below an array of tables, a header belongs to its last element: track only the array's path.
      if (node.arrayOfTables && i < names.length - 1) {
        inArray = true;
        prevLength = i + 1;
        break;
      }
    }
    prev.names = prevLength < names.length ? names.slice(0, prevLength) : names;
    if (table.array && !node.arrayOfTables && node.depth === names.length) node.arrayOfTables = true;
    const h = new Header(table, node, inArray, this);
    const pos = this.headers.length;
    this.headers.push(h);
    for (let n: PathNode | undefined = node; n; n = n.parent) {
      if (n.first < 0) n.first = pos;
      n.last = pos;
      if (!inArray) n.lastPlain = pos;
    }
    if (inArray) return;
    node.header = h;
    node.unloaded = h;
    if (node.parent) node.parent.lastChild = h;
  }

  /** The extra indentation of a table's keys relative to its header, from the first table that has some. */
  private detectKeyStep(): string | undefined {
    for (const h of this.headers) {
      const first = h.kvs[0];
      if (!first) continue;
      const kvIndent = this.lines.indent(this.lines.lineAt((first.keys[0] as { start: number }).start));
      const indent = h.indent;
      if (kvIndent.startsWith(indent)) return kvIndent.slice(indent.length);
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
      const indent = h.indent;
      if (indent === '') continue;
      indented = true;
      const parent = h.node.parent?.header;
      if (parent) {
        const pi = parent.indent;
        if (indent.length > pi.length && indent.startsWith(pi)) return indent.slice(pi.length);
      }
    }
    return indented ? '  ' : '';
  }

  /** The node of a path, or undefined when nothing in the document spells it. */
  find(path: readonly string[], length = path.length): PathNode | undefined {
    let node: PathNode | undefined = this.root;
    for (let i = 0; i < length && node; i++) node = node.child(path[i] as string);
    return node;
  }

  kind(node: PathNode): TableKind {
    if (node === this.root) return 'root';
    if (node.header) return 'header';
    if (node.dotted) return 'dotted';
    return 'implicit';
  }

  /** Last header (document order) at or below the node; for the root, the last header of the file. */
  lastHeaderUnder(node: PathNode): Header | undefined {
    return node.last < 0 ? undefined : this.headers[node.last];
  }

  firstHeaderUnder(node: PathNode): Header | undefined {
    return node.first < 0 ? undefined : this.headers[node.first];
  }

  /** How the segment at `depth` (1-based) of the node's path is written in the last header below it. */
  segment(node: PathNode): string | undefined {
    if (node.lastPlain < 0) return undefined;
    return (this.headers[node.lastPlain] as Header).segments[node.depth - 1];
  }

  /** Every header at or below the node, arrays of tables included, in document order. */
  headersUnder(node: PathNode): Header[] {
    if (node.first < 0) return [];
    const out: Header[] = [];
    for (let i = node.first; i <= node.last; i++) {
      const h = this.headers[i] as Header;
      if (h.node.isUnder(node)) out.push(h);
    }
    return out;
  }

  /** True when the line holds only a comment (and indentation). */
  isComment(line: number): boolean {
    if (line < 0 || line >= this.lines.count) return false;
    // The body holding the line must have been scanned for its comments to be known.
    const offset = this.lines.start(line);
    const tables = this.scan.tables;
    let lo = 0;
    let hi = tables.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((tables[mid] as ScanTable).bodyStart <= offset) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi >= 0) this.body(tables[hi] as ScanTable);
    return this.commentLines.has(line);
  }

  /** First line of the comment block directly above the header (no blank line between), else its own line. */
  attachedStart(h: Header): number {
    let line = h.line;
    while (line > 0 && this.isComment(line - 1)) line--;
    return line;
  }

  /**
   * Last line of the header's section: its last key-value, plus the comment lines right after it (commented
   * defaults) unless those comments sit directly on top of the next header, which they then describe.
   */
  sectionEnd(h: Header): number {
    const lastLine = h.lastLine;
    let line = lastLine;
    while (this.isComment(line + 1)) line++;
    if (line === lastLine) return line;
    const next = line + 1;
    return next >= this.lines.count || this.lines.isBlank(next) ? line : lastLine;
  }

  /** Line of the first or last character of a key-value. */
  kvStartLine(kv: ScanKv): number {
    return this.lines.lineAt((kv.keys[0] as { start: number }).start);
  }

  kvEndLine(kv: ScanKv): number {
    return this.lines.lineAt(kv.value.end);
  }

  /** Line of the last key-value of the root table, or -1. */
  get lastRootKvLine(): number {
    const last = this.rootKvs[this.rootKvs.length - 1];
    return last ? this.kvEndLine(last) : -1;
  }

  /** The last line that is not blank, or -1. */
  lastNonBlank(before = this.lines.count): number {
    let line = before - 1;
    while (line >= 0 && this.lines.isBlank(line)) line--;
    return line;
  }
}
