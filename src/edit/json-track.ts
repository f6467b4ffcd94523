/**
 * Folds a sequence of edits, each against the text the previous one produced, into non-overlapping edits
 * against the original text (what `Edit[]` consumers and `--dry-run` expect). The current text is kept as a
 * list of pieces: spans of the original, or inserted strings.
 */
import type { Edit } from './apply';

type Piece = { readonly from: number; readonly to: number } | string;

const size = (p: Piece) => (typeof p === 'string' ? p.length : p.to - p.from);
const cut = (p: Piece, i: number, j: number): Piece =>
  typeof p === 'string' ? p.slice(i, j) : { from: p.from + i, to: p.from + j };

export class EditTracker {
  private pieces: Piece[];

  constructor(private readonly original: string) {
    this.pieces = original.length > 0 ? [{ from: 0, to: original.length }] : [];
  }

  /** Records one edit whose offsets refer to the current text. */
  apply(edit: Edit): void {
    const a = edit.offset;
    const b = edit.offset + edit.length;
    const out: Piece[] = [];
    let placed = false;
    const place = () => {
      if (!placed && edit.content !== '') out.push(edit.content);
      placed = true;
    };
    let at = 0;
    for (const p of this.pieces) {
      const s = at;
      const t = at + size(p);
      at = t;
      if (s < a) out.push(cut(p, 0, Math.min(t, a) - s));
      if (t >= a) place();
      if (t > b) out.push(cut(p, Math.max(s, b) - s, t - s));
    }
    if (b > at) throw new RangeError(`edit at ${a}+${edit.length} is past the end of the text (${at})`);
    place();
    this.pieces = out.filter((p) => size(p) > 0);
  }

  /** The recorded changes as sorted, non-overlapping edits of the original, trimmed to what really differs. */
  edits(): Edit[] {
    const out: Edit[] = [];
    let pos = 0;
    let pending = '';
    const flush = (to: number) => {
      if (to > pos || pending !== '')
        out.push(trim(this.original, { offset: pos, length: to - pos, content: pending }));
      pending = '';
    };
    for (const p of this.pieces) {
      if (typeof p === 'string') {
        pending += p;
        continue;
      }
      flush(p.from);
      pos = p.to;
    }
    flush(this.original.length);
    return out.filter((e) => e.length > 0 || e.content !== '');
  }
}

/** Drops the parts of an edit that rewrite text with itself. */
function trim(text: string, e: Edit): Edit {
  const old = text.slice(e.offset, e.offset + e.length);
  let head = 0;
  const max = Math.min(old.length, e.content.length);
  while (head < max && old[head] === e.content[head]) head++;
  let tail = 0;
  while (tail < max - head && old[old.length - 1 - tail] === e.content[e.content.length - 1 - tail]) tail++;
  return {
    offset: e.offset + head,
    length: old.length - head - tail,
    content: e.content.slice(head, e.content.length - tail),
  };
}
