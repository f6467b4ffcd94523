/**
 * The sections of a TOML text that a list of edits touches (for toml-verify.ts): a section is a header and its
 * body up to the next header, or the root key-values before the first header.
 */
import type { Edit } from './apply';
import type { ScanTable } from './toml-scan';

/** A run of consecutive edited sections: [start, end) in the original text, [from, to) in the edited one. */
export interface Run {
  readonly first: number;
  readonly last: number;
  readonly start: number;
  readonly end: number;
  readonly from: number;
  readonly to: number;
}

/**
 * Sections are numbered 0 (the root, before the first header) to tables.length; an edit touches every
 * section whose closed range [start, end] meets its own (an insertion at a header's offset touches both
 * sections around it). Touched sections next to each other form one run.
 */
export function dirtyRuns(tables: readonly ScanTable[], length: number, edits: readonly Edit[]): Run[] {
  const start = (i: number) => (i === 0 ? 0 : (tables[i - 1] as ScanTable).start);
  const end = (i: number) => (i < tables.length ? (tables[i] as ScanTable).start : length);
  const sectionAt = (offset: number) => {
    let lo = 0;
    let hi = tables.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (start(mid) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  // shift: what the edits before the run add to offsets; delta: what the run's own edits add
  const found: { first: number; last: number; shift: number; delta: number }[] = [];
  let shift = 0;
  for (const e of [...edits].sort((a, b) => a.offset - b.offset)) {
    let first = sectionAt(e.offset);
    if (first > 0 && start(first) === e.offset) first--;
    const last = sectionAt(e.offset + e.length);
    const delta = e.content.length - e.length;
    const prev = found[found.length - 1];
    if (prev && first <= prev.last + 1) {
      prev.last = Math.max(prev.last, last);
      prev.delta += delta;
    } else found.push({ first, last, shift, delta });
    shift += delta;
  }
  return found.map((r) => ({
    first: r.first,
    last: r.last,
    start: start(r.first),
    end: end(r.last),
    from: start(r.first) + r.shift,
    to: end(r.last) + r.shift + r.delta,
  }));
}

/** Only spaces or tabs between the line's start (or the file's, after a BOM) and `offset`. */
export function atLineStart(text: string, offset: number, bom: number): boolean {
  let p = offset;
  while (p > bom && (text.charCodeAt(p - 1) === 32 || text.charCodeAt(p - 1) === 9)) p--;
  return p === bom || text.charCodeAt(p - 1) === 10;
}
