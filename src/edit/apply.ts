/**
 * Edits are data: `{offset, length, content}` against one given text. Every mutation in src/edit and
 * src/engines returns `Edit[]` for the text it was handed; this file holds the one applier.
 * Rules (as in jsonc-parser): offsets refer to the original text, edits must not overlap, and two
 * insertions at the same offset are applied in the order given.
 */
export interface Edit {
  readonly offset: number;
  readonly length: number;
  readonly content: string;
}

export function applyEdits(text: string, edits: readonly Edit[]): string {
  if (edits.length === 0) return text;
  const sorted = edits.map((e, i) => ({ e, i })).sort((a, b) => a.e.offset - b.e.offset || a.i - b.i);
  let out = '';
  let pos = 0;
  for (const { e } of sorted) {
    if (e.offset < pos || e.offset + e.length > text.length || e.length < 0) {
      throw new RangeError(`overlapping or out-of-range edit at offset ${e.offset}`);
    }
    out += text.slice(pos, e.offset) + e.content;
    pos = e.offset + e.length;
  }
  return out + text.slice(pos);
}

/** True when the edits leave the text as it was (so there is nothing to write and nothing to restart). */
export function isNoop(text: string, edits: readonly Edit[]): boolean {
  return edits.every((e) => text.slice(e.offset, e.offset + e.length) === e.content);
}
