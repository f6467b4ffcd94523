/**
 * The diff from "document value" to "target value", expressed as line-level operations on the original text:
 * replace a value's source range, remove whole lines, insert key-value lines or new `[header]` blocks.
 * toml-edits.ts turns the operations into Edit[]; the rules are documented on planToml in toml.ts.
 */
import { BugError, ConfigError } from '../errors';
import type { Edit } from './apply';
import { pathText } from './path';
import type { TomlTable, TomlValue } from './toml';
import { assembleEdits, type Insert, type Removal } from './toml-edits';
import type { Header, PathNode, TomlIndex } from './toml-index';
import { valueEdits } from './toml-inline';
import type { ScanKv } from './toml-scan';
import { renderInline, renderKey } from './toml-value';
import { isTable, valueEquals } from './value';

type Entry = readonly [string, TomlValue];
interface Layout {
  readonly headerIndent: string;
  readonly keyIndent: string;
}

function isEmpty(t: TomlTable): boolean {
  return Object.keys(t).length === 0;
}

export class Planner {
  private readonly removals: Removal[] = [];
  private readonly replaces: Edit[] = [];
  private readonly inserts: Insert[] = [];
  private readonly removedKvs = new Set<ScanKv>();
  /** Headers whose body receives new key-values (so they are never pruned as empty). */
  private readonly filled = new Set<Header>();

  constructor(
    private readonly ix: TomlIndex,
    private readonly file: string,
    private readonly eol: string,
  ) {}

  plan(current: TomlTable, target: TomlTable): Edit[] {
    this.diffTable([], this.ix.root, current, target);
    return assembleEdits(this.ix.lines, this.eol, this.removals, this.replaces, this.inserts);
  }

  /**
   * Walks the value trees and the index together. Equal subtrees are skipped without looking at the index,
   * so the work beyond one comparison of the trees is proportional to what changed.
   */
  private diffTable(path: readonly string[], node: PathNode, cur: TomlTable, tgt: TomlTable): void {
    for (const k of Object.keys(cur)) if (!Object.hasOwn(tgt, k)) this.removeKey(this.child(node, path, k));
    const added: Entry[] = [];
    for (const k of Object.keys(tgt)) {
      const b = tgt[k] as TomlValue;
      if (!Object.hasOwn(cur, k)) {
        added.push([k, b]);
        continue;
      }
      const a = cur[k] as TomlValue;
      if (valueEquals(a, b)) continue;
      const child = this.child(node, path, k);
      if (child.kv) {
        this.replaceValue(child.kv, a, b);
        continue;
      }
      if (child.arrayOfTables) throw this.arrayError([...path, k], child);
      if (!isTable(a)) throw new BugError(`${this.file}: no source text for ${pathText([...path, k])}`);
      // A dotted or implicit table exists only through what it holds: emptying it needs a fresh definition.
      const emptied = isTable(b) && isEmpty(b) && !isEmpty(a) && this.ix.kind(child) !== 'header';
      if (isTable(b) && !emptied) this.diffTable([...path, k], child, a, b);
      else {
        this.removeKey(child);
        added.push([k, b]);
      }
    }
    if (added.length > 0) this.addKeys(path, node, added);
    this.prune(node, tgt);
  }

  /** The index node of a key the document has (every key of the document value has one). */
  private child(node: PathNode, path: readonly string[], k: string): PathNode {
    const c = node.child(k);
    if (!c) throw new BugError(`${this.file}: no source text for ${pathText([...path, k])}`);
    return c;
  }

  private arrayError(p: readonly string[], node: PathNode): ConfigError {
    const h = this.ix.headersUnder(node).find((x) => x.inArray);
    const pos = h ? { line: h.line + 1, column: h.indent.length + 1 } : {};
    return new ConfigError(this.file, `editing arrays of tables is not supported (${pathText(p)})`, pos);
  }

  // ---- removal -------------------------------------------------------------------------------------------

  private removeKey(node: PathNode): void {
    if (node.kv) {
      this.removeKv(node.kv);
      return;
    }
    for (const h of this.ix.headersUnder(node)) this.removeSection(h);
    for (const m of node.dotted?.members ?? []) this.removeKv(m);
  }

  private removeKv(kv: ScanKv): void {
    const lines = this.ix.lines;
    this.removedKvs.add(kv);
    const start = lines.start(this.ix.kvStartLine(kv));
    this.removals.push({ start, end: lines.after(this.ix.kvEndLine(kv)), fileStart: false });
  }

  /** A header, its body, the comments directly above it, and one blank line that separated it from before. */
  private removeSection(h: Header): void {
    const lines = this.ix.lines;
    let first = this.ix.attachedStart(h);
    const last = this.ix.sectionEnd(h);
    let fileStart = false;
    if (first > 0 && lines.isBlank(first - 1)) first--;
    else fileStart = first === 0;
    this.removals.push({ start: lines.start(first), end: lines.after(last), fileStart });
    for (const kv of h.kvs) this.removedKvs.add(kv);
  }

  /**
   * A header written after some of its own sub-tables (which is where addKeys puts the header of a table
   * that was implied by its sub-tables) goes again when all its key-values go and sub-tables remain: they
   * imply the table, and "add a key to an implied table, then remove it" gives back the original bytes.
   * Headers in the usual place (before their sub-tables) stay, even when left empty.
   */
  private prune(node: PathNode, tgt: TomlTable): void {
    const h = node.header;
    if (!h || h.kvs.length === 0 || this.filled.has(h) || isEmpty(tgt)) return;
    if (!h.kvs.every((kv) => this.removedKvs.has(kv))) return;
    if (this.ix.firstHeaderUnder(node) !== h) this.removeSection(h);
  }

  // ---- replacement ---------------------------------------------------------------------------------------

  private replaceValue(kv: ScanKv, a: TomlValue, b: TomlValue): void {
    this.replaces.push(...valueEdits(this.ix.lines.text, this.eol, kv.value, a, b));
  }

  // ---- insertion -----------------------------------------------------------------------------------------

  private addKeys(path: readonly string[], node: PathNode, entries: readonly Entry[]): void {
    const kind = this.ix.kind(node);
    if (kind === 'dotted') {
      this.addDotted(path, node, entries);
      return;
    }
    const scalars = entries.filter(([, v]) => !isTable(v));
    const tables = entries.filter(([, v]) => isTable(v));
    if (scalars.length > 0 && kind !== 'implicit') this.addKvLines(path, node, scalars);
    if (tables.length === 0 && kind !== 'implicit') return;
    const offset = this.subtreeEnd(node);
    // A table so far implied only by its sub-tables gets its own header after them (valid TOML 1.0, and
    // `prune` recognises such a late header when its keys go again).
    if (scalars.length > 0 && kind === 'implicit')
      this.addBlocks(offset, path, Object.fromEntries(scalars), null);
    for (const [k, v] of tables) this.addBlocks(offset, [...path, k], v as TomlTable, null);
  }

  /** Where new tables under `path` go: after the last section of its subtree (for the root: of the file). */
  private subtreeEnd(node: PathNode): number {
    const h = this.ix.lastHeaderUnder(node);
    if (h) return this.ix.lines.after(this.ix.sectionEnd(h));
    return this.appendOffset();
  }

  private appendOffset(): number {
    const last = this.ix.lastNonBlank();
    return last < 0 ? this.ix.lines.bomLength : this.ix.lines.after(last);
  }

  /** New key-values of the root or of a table with a header: right after its last key-value line. */
  private addKvLines(path: readonly string[], node: PathNode, entries: readonly Entry[]): void {
    const { lines } = this.ix;
    let offset: number;
    let indent = '';
    if (path.length === 0) {
      const last = this.ix.rootKvs[this.ix.rootKvs.length - 1];
      const first = this.ix.headers[0];
      if (last) {
        offset = lines.after(this.ix.kvEndLine(last));
        indent = lines.indent(this.ix.kvStartLine(last));
      } else if (first) {
        // Before the blank lines above the first table, which belong to that table's block.
        const above = this.ix.lastNonBlank(this.ix.attachedStart(first));
        offset = above < 0 ? lines.bomLength : lines.after(above);
      } else offset = this.appendOffset();
    } else {
      const h = node.header;
      if (!h) throw new BugError(`${this.file}: no header for ${pathText(path)}`);
      this.filled.add(h);
      const last = h.kvs[h.kvs.length - 1];
      offset = lines.after(h.lastLine);
      indent = last ? lines.indent(this.ix.kvStartLine(last)) : h.indent + this.ix.keyStep;
    }
    for (const [k, v] of entries) {
      this.inserts.push({ offset, kind: 'kv', lines: [`${indent}${renderKey(k)} = ${renderInline(v)}`] });
    }
  }

  /** Keys of a dotted table become more dotted key-values next to its last existing one. */
  private addDotted(path: readonly string[], node: PathNode, entries: readonly Entry[]): void {
    const d = node.dotted;
    const last = d?.members[d.members.length - 1];
    if (!d || !last) throw new BugError(`${this.file}: no dotted keys for ${pathText(path)}`);
    if (d.container) this.filled.add(d.container);
    const { lines } = this.ix;
    const prefix = last.keys.slice(0, d.depth).map((k) => lines.text.slice(k.start, k.end));
    const indent = lines.indent(this.ix.kvStartLine(last));
    const offset = lines.after(this.ix.kvEndLine(last));
    const out: string[] = [];
    const flatten = (segs: readonly string[], v: TomlValue): void => {
      if (isTable(v) && !isEmpty(v)) {
        for (const k of Object.keys(v)) flatten([...segs, renderKey(k)], v[k] as TomlValue);
      } else out.push(`${indent}${segs.join('.')} = ${renderInline(v)}`);
    };
    for (const [k, v] of entries) flatten([...prefix, renderKey(k)], v);
    for (const line of out) this.inserts.push({ offset, kind: 'kv', lines: [line] });
  }

  /** A new table as header blocks: its own scalars under its header, then each sub-table, depth first. */
  private addBlocks(offset: number, path: readonly string[], value: TomlTable, parent: Layout | null): void {
    const layout = this.layout(path, parent);
    const keys = Object.keys(value);
    const scalars = keys.filter((k) => !isTable(value[k]));
    const tables = keys.filter((k) => isTable(value[k]));
    // Intermediate tables with nothing of their own need no header: their sub-table headers imply them.
    if (scalars.length > 0 || tables.length === 0) {
      const kvs = scalars.map(
        (k) => `${layout.keyIndent}${renderKey(k)} = ${renderInline(value[k] as TomlValue)}`,
      );
      const header = `${layout.headerIndent}[${this.headerText(path)}]`;
      this.inserts.push({ offset, kind: 'block', lines: [header, ...kvs] });
    }
    for (const k of tables) this.addBlocks(offset, [...path, k], value[k] as TomlTable, layout);
  }

  /**
   * Indentation for a new header: copied from the nearest existing sibling header and its first key, else
   * the parent's header indentation plus the file's step per level (the parent being a new table rendered
   * just before, or the nearest ancestor with a header).
   */
  private layout(path: readonly string[], parent: Layout | null): Layout {
    const { lines, headerStep: step, keyStep } = this.ix;
    const sib = parent ? undefined : this.ix.find(path, path.length - 1)?.lastChild;
    if (sib) {
      const kv = sib.kvs[0];
      return {
        headerIndent: sib.indent,
        keyIndent: kv ? lines.indent(this.ix.kvStartLine(kv)) : sib.indent + keyStep,
      };
    }
    let headerIndent = step.repeat(Math.max(0, path.length - 1));
    if (parent) headerIndent = parent.headerIndent + step;
    else {
      for (let i = path.length - 1; i > 0; i--) {
        const h = this.ix.find(path, i)?.header;
        if (h) {
          headerIndent = h.indent + step.repeat(path.length - i);
          break;
        }
      }
    }
    return { headerIndent, keyIndent: headerIndent + keyStep };
  }

  /** Header key text: segments of existing tables are written as the file writes them (quote style kept). */
  private headerText(path: readonly string[]): string {
    const r = this.ix.find(path, path.length - 1)?.lastChild ?? this.nearestHeader(path);
    const segments = r?.segments ?? [];
    const rNames = r?.table.names ?? [];
    let common = 0;
    while (common < path.length && common < rNames.length && rNames[common] === path[common]) common++;
    const nodes: (PathNode | undefined)[] = [this.ix.root];
    for (let i = 0; i < path.length; i++) nodes.push(nodes[i]?.child(path[i] as string));
    return path
      .map((seg, i) => {
        const n = nodes[i + 1];
        return (i < common ? segments[i] : undefined) ?? (n && this.ix.segment(n)) ?? renderKey(seg);
      })
      .join('.');
  }

  private nearestHeader(path: readonly string[]): Header | undefined {
    for (let i = path.length - 1; i > 0; i--) {
      const h = this.ix.find(path, i)?.header;
      if (h) return h;
    }
    return undefined;
  }
}
