/**
 * Edits to an array value that keep its layout: entries appended at the end, or entries removed anywhere,
 * touch only the text of those entries (and the comma that separates them), so comments on the other
 * entries stay and "append, then remove" gives back the original bytes. containerd's `imports` is the case
 * that matters:
 *
 *   imports = [
 *     "/etc/containerd/site.d/*.toml", # site overrides
 *   ]
 *
 * Appending in a multi-line layout adds one line per entry, indented like the last entry and with a trailing
 * comma when the last entry had one (else the comma goes after the last entry and the new last entry has
 * none); in a single-line layout `, "x"` goes after the last entry; `[]` becomes `["x"]`. A removed entry
 * that sits on a line of its own loses the whole line (trailing comment included). Any other change, or a
 * layout these rules cannot express, returns null and the caller re-renders the whole array.
 */
import { parse as parseValues } from 'smol-toml';
import { applyEdits, type Edit } from './apply';
import type { TomlValue } from './toml';
import type { ScanArray } from './toml-scan';
import { renderInline } from './toml-value';
import { valueEquals } from './value';

const LF = 10;
const CR = 13;

/** Edits turning the array `node` (value `cur`) into `tgt`, or null when only a re-render will do. */
export function arrayEdits(
  text: string,
  eol: string,
  node: ScanArray,
  cur: readonly TomlValue[],
  tgt: readonly TomlValue[],
): Edit[] | null {
  if (node.items.length !== cur.length) return null;
  let edits: Edit[] | null = null;
  if (tgt.length > cur.length && cur.every((v, i) => valueEquals(v, tgt[i] as TomlValue)))
    edits = appendEdits(new Layout(text, node), eol, tgt.slice(cur.length));
  else if (tgt.length < cur.length) edits = removeEdits(new Layout(text, node), keptEntries(cur, tgt));
  return edits && check(text, node, edits, tgt) ? edits : null;
}

/** Which entries of `cur` stay so that what stays is `tgt` (leftmost match), or null when none does. */
function keptEntries(cur: readonly TomlValue[], tgt: readonly TomlValue[]): boolean[] | null {
  const kept: boolean[] = [];
  let j = 0;
  for (const v of cur) {
    const keep = j < tgt.length && valueEquals(v, tgt[j] as TomlValue);
    kept.push(keep);
    if (keep) j++;
  }
  return j === tgt.length ? kept : null;
}

/** The rest of an entry's line after it: a comma and a comment at most. */
interface LineEnd {
  /** Offset just past the line break. */
  readonly next: number;
  /** Offset of the comma after the entry on the same line, or -1. */
  readonly comma: number;
}

/** Text-level facts about an array's entries and the gaps between them. */
class Layout {
  constructor(
    readonly text: string,
    readonly node: ScanArray,
  ) {}

  get count(): number {
    return this.node.items.length;
  }

  start(i: number): number {
    return (this.node.items[i] as { start: number }).start;
  }

  end(i: number): number {
    return (this.node.items[i] as { end: number }).end;
  }

  /** Start of the line holding `offset`. */
  lineStart(offset: number): number {
    return this.text.lastIndexOf('\n', offset - 1) + 1;
  }

  indentAt(offset: number): string {
    const from = this.lineStart(offset);
    let p = from;
    while (this.text[p] === ' ' || this.text[p] === '\t') p++;
    return this.text.slice(from, p);
  }

  /** Entry `i` starts its line: only indentation before it (and the line is not the opening bracket's). */
  startsLine(i: number): boolean {
    const lineStart = this.lineStart(this.start(i));
    return lineStart > this.node.start && this.text.slice(lineStart, this.start(i)).trim() === '';
  }

  /**
   * Entry `i` ends its line: after it, at most a comma (required unless it is the last entry) and a comment
   * before the line break.
   */
  endsLine(i: number): LineEnd | null {
    const { text } = this;
    let p = this.end(i);
    while (text[p] === ' ' || text[p] === '\t') p++;
    let comma = -1;
    if (text[p] === ',') {
      comma = p++;
      while (text[p] === ' ' || text[p] === '\t') p++;
    }
    if (comma < 0 && i < this.count - 1) return null;
    if (text[p] === '#') {
      const nl = text.indexOf('\n', p);
      p = nl < 0 ? text.length : nl;
      if (text.charCodeAt(p - 1) === CR) p--;
    }
    if (text.charCodeAt(p) === CR) p++;
    if (text.charCodeAt(p) !== LF) return null;
    return { next: p + 1, comma };
  }

  /** True when entry `i + 1` starts on the line where entry `i` ends. */
  sameLine(i: number): boolean {
    return i + 1 < this.count && !this.gapAfter(i).includes('\n');
  }

  /** The gap after entry `i` (up to the next entry or the closing bracket). */
  gapAfter(i: number): string {
    const to = i + 1 < this.count ? this.start(i + 1) : this.node.end - 1;
    return this.text.slice(this.end(i), to);
  }

  /** Offset of the comma in the gap after entry `i` (the gap holds only blanks, comments and that comma). */
  commaAfter(i: number): number {
    const { text } = this;
    const to = i + 1 < this.count ? this.start(i + 1) : this.node.end - 1;
    for (let p = this.end(i); p < to; p++) {
      const c = text[p];
      if (c === ',') return p;
      if (c === '#') {
        const nl = text.indexOf('\n', p);
        if (nl < 0) return -1;
        p = nl;
      }
    }
    return -1;
  }
}

function appendEdits(l: Layout, eol: string, added: readonly TomlValue[]): Edit[] {
  const rendered = added.map((v) => renderInline(v));
  if (l.count === 0) return [{ offset: l.node.start + 1, length: 0, content: rendered.join(', ') }];
  const last = l.count - 1;
  const own = l.endsLine(last);
  if (!own || !l.startsLine(last))
    return [{ offset: l.end(last), length: 0, content: rendered.map((r) => `, ${r}`).join('') }];
  const indent = l.indentAt(l.start(last));
  const trailing = own.comma >= 0;
  const lines = rendered.map((r, i) => `${indent}${r}${trailing || i < rendered.length - 1 ? ',' : ''}`);
  const edits: Edit[] = [{ offset: own.next, length: 0, content: lines.join(eol) + eol }];
  if (!trailing) edits.push({ offset: l.end(last), length: 0, content: ',' });
  return edits;
}

/**
 * Removes entries chunk by chunk, a chunk being removed entries that follow each other on one line:
 * - a chunk that has its line(s) to itself loses them, with the comma and comment at its end;
 * - a chunk followed on its line by an entry that stays loses the text up to that entry;
 * - a chunk preceded on its line by an entry that stays loses the text from that entry's end;
 * - any other chunk loses its own text and the comma after it.
 * Then, when the last entry had no trailing comma, neither has the new last entry.
 */
function removeEdits(l: Layout, kept: boolean[] | null): Edit[] | null {
  if (!kept) return null;
  const n = l.count;
  const cuts: [number, number][] = [];
  for (let a = 0; a < n; a++) {
    if (kept[a]) continue;
    let b = a;
    while (l.sameLine(b) && !kept[b + 1]) b++;
    const end = !l.sameLine(b) && l.startsLine(a) ? l.endsLine(b) : null;
    if (end) cuts.push([l.lineStart(l.start(a)), end.next]);
    else if (l.sameLine(b)) cuts.push([l.start(a), l.start(b + 1)]);
    else if (a > 0 && l.sameLine(a - 1)) cuts.push([l.end(a - 1), l.end(b)]);
    else {
      cuts.push([l.start(a), l.end(b)]);
      const comma = l.commaAfter(b);
      let to = comma + 1;
      while (l.text[to] === ' ' || l.text[to] === '\t') to++;
      if (comma >= 0) cuts.push([comma, to]);
    }
    a = b;
  }
  const lastKept = kept.lastIndexOf(true);
  if (lastKept >= 0 && lastKept < n - 1 && l.commaAfter(n - 1) < 0) {
    const comma = l.commaAfter(lastKept);
    if (comma >= 0 && !cuts.some(([from, to]) => comma >= from && comma < to)) cuts.push([comma, comma + 1]);
  }
  return cuts.map(([from, to]) => ({ offset: from, length: to - from, content: '' }));
}

/** The array's new text must hold exactly the target (else the caller falls back to a re-render). */
function check(text: string, node: ScanArray, edits: readonly Edit[], tgt: readonly TomlValue[]): boolean {
  const local = edits.map((e) => ({ ...e, offset: e.offset - node.start }));
  try {
    const out = applyEdits(text.slice(node.start, node.end), local);
    const parsed = parseValues(`v = ${out}`, { integersAsBigInt: 'asNeeded' }) as { v: TomlValue };
    return valueEquals(parsed.v, tgt as TomlValue);
  } catch {
    return false;
  }
}
