/**
 * The tree of tables and keys that TomlIndex builds (toml-index.ts): one node per path segment, so that the
 * planner walks it alongside the value tree, and one Header per `[header]` of the document.
 */
import type { Lines } from './toml-lines';
import type { ScanBody, ScanKv, ScanTable, TomlScan } from './toml-scan';

/** A table or key of the document: one segment of a path. */
export class PathNode {
  private kids: Map<string, PathNode> | undefined;
  /** The `[header]` that defines exactly this table (never one of an array of tables). */
  header: Header | undefined;
  /** The key-value whose full path this is (not inside an inline table). */
  kv: ScanKv | undefined;
  /** Set when key-values with dotted keys define this table. */
  dotted: DottedTable | undefined;
  /** Set when `[[path]]` headers define this path. */
  arrayOfTables = false;
  /** The header whose key-values are not yet entered below this node (they are, on first lookup). */
  unloaded: Header | undefined;
  /** Positions in TomlIndex.headers of the first and last header at or below this node (-1: none). */
  first = -1;
  last = -1;
  /** The same, for headers that are not part of an array of tables. */
  lastPlain = -1;
  /** The last plain header whose path is this node's plus one segment. */
  lastChild: Header | undefined;

  constructor(
    readonly parent: PathNode | undefined,
    readonly depth: number,
  ) {}

  child(name: string): PathNode | undefined {
    const h = this.unloaded;
    if (h) {
      this.unloaded = undefined;
      for (const kv of h.kvs) addKv(this, kv, h);
    }
    return this.kids?.get(name);
  }

  ensure(name: string): PathNode {
    this.kids ??= new Map();
    let node = this.kids.get(name);
    if (!node) {
      node = new PathNode(this, this.depth + 1);
      this.kids.set(name, node);
    }
    return node;
  }

  /** True when this node is `ancestor` or lies below it. */
  isUnder(ancestor: PathNode): boolean {
    let n: PathNode | undefined = this;
    while (n && n.depth > ancestor.depth) n = n.parent;
    return n === ancestor;
  }
}

/** One `[header]` or `[[header]]` with its body. Built for every table; details are computed when asked. */
/** What a header needs from the index: the text's lines and the table bodies, scanned on first use. */
export interface HeaderSource {
  readonly lines: Lines;
  readonly scan: TomlScan;
  body(t: ScanTable): ScanBody;
}

export class Header {
  private lineNo = -1;

  constructor(
    readonly table: ScanTable,
    /** The node of its path; for tables under an array of tables, of the part before the first array. */
    readonly node: PathNode,
    /** True for `[[x]]` and for tables under one: never edited, only removed whole. */
    readonly inArray: boolean,
    private readonly ix: HeaderSource,
  ) {}

  private get lines(): Lines {
    return this.ix.lines;
  }

  get line(): number {
    if (this.lineNo < 0) this.lineNo = this.lines.lineAt(this.table.start);
    return this.lineNo;
  }

  get kvs(): readonly ScanKv[] {
    return this.ix.body(this.table).kvs;
  }

  /** Source text of each key segment as written (quotes included). */
  get segments(): string[] {
    return this.ix.scan.keys(this.table).map((k) => this.lines.text.slice(k.start, k.end));
  }

  get indent(): string {
    const { text } = this.lines;
    let p = this.table.start;
    while (p > this.lines.bomLength && (text.charCodeAt(p - 1) === 32 || text.charCodeAt(p - 1) === 9)) p--;
    return text.slice(p, this.table.start);
  }

  /** Last line holding the header or one of its key-values. */
  get lastLine(): number {
    const kvs = this.kvs;
    const last = kvs[kvs.length - 1];
    return this.lines.lineAt(last ? last.value.end : this.table.bodyStart - 1);
  }
}

/** A table defined by dotted keys (`a.b = 1` defines `a`) inside one container. */
export interface DottedTable {
  readonly container: Header | null;
  /** How many leading key segments of each member spell this table's path inside the container. */
  readonly depth: number;
  readonly members: ScanKv[];
}

/** Enters a key-value below the table it belongs to (dotted keys define the tables they pass through). */
export function addKv(base: PathNode, kv: ScanKv, container: Header | null): void {
  let node = base;
  const keys = kv.keys;
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) {
      node.dotted ??= { container, depth: i, members: [] };
      node.dotted.members.push(kv);
    }
    node = node.ensure((keys[i] as { name: string }).name);
  }
  node.kv = kv;
}
