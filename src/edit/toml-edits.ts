/**
 * Turns the planner's line operations into Edit[] against the original text. All inserted text follows one
 * shape so that removing it later (with the same rules) gives back the original bytes:
 * - a key-value line is `line + eol`, inserted at a line start;
 * - a header block is `eol + lines + eol` (a blank line, then the block), inserted at a line start;
 *   at the very start of the file it is `lines + eol`, followed by one blank line when text follows;
 * - at the end of a file without a final newline everything is prefixed instead (`eol + line`,
 *   `eol + eol + lines`), so the file still ends without one.
 * Removals mirror this: a removed header block takes one blank line above it (or, at the start of the file,
 * one below it); a removal that reaches the end of a file without a final newline takes the line break
 * before it instead of after.
 */
import { BugError } from '../errors';
import type { Edit } from './apply';
import type { Lines } from './toml-lines';

export interface Removal {
  readonly start: number;
  readonly end: number;
  /** A header block that starts on the first line of the file (no blank line above it to take). */
  readonly fileStart: boolean;
}

export interface Insert {
  readonly offset: number;
  readonly kind: 'kv' | 'block';
  readonly lines: readonly string[];
}

interface Region {
  start: number;
  end: number;
  fileStart: boolean;
}

export function assembleEdits(
  lines: Lines,
  eol: string,
  removals: readonly Removal[],
  replaces: readonly Edit[],
  inserts: readonly Insert[],
): Edit[] {
  const regions = mergeRegions(removals.map((r) => ({ ...r })));
  const first = regions[0];
  if (first?.fileStart && first.end < lines.text.length) {
    const next = lines.lineAt(first.end);
    if (lines.start(next) === first.end && lines.isBlank(next)) first.end = lines.after(next);
  }
  const last = regions[regions.length - 1];
  if (last && last.end === lines.text.length && lines.unterminated && last.start > lines.bomLength) {
    const t = lines.text;
    last.start -= t.charCodeAt(last.start - 2) === 13 && last.start - 2 >= lines.bomLength ? 2 : 1;
  }
  const merged = mergeRegions(regions);
  const edits: Edit[] = [...replaces];
  for (const r of merged) edits.push({ offset: r.start, length: r.end - r.start, content: '' });
  for (const [offset, group] of groupInserts(merged, inserts)) {
    edits.push({ offset, length: 0, content: renderGroup(lines, eol, offset, group) });
  }
  // Insertions first at equal offsets: text inserted where a removal starts lands before the removed text.
  edits.sort((a, b) => a.offset - b.offset || a.length - b.length);
  let pos = 0;
  for (const e of edits) {
    if (e.offset < pos) throw new BugError(`overlapping TOML edits at offset ${e.offset}`);
    pos = e.offset + e.length;
  }
  return edits.filter((e) => e.length > 0 || e.content !== '');
}

function mergeRegions(input: Region[]): Region[] {
  input.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Region[] = [];
  for (const r of input) {
    const prev = out[out.length - 1];
    if (prev && r.start <= prev.end) prev.end = Math.max(prev.end, r.end);
    else out.push(r);
  }
  return out;
}

/**
 * Groups inserts by offset (key-values before blocks: a key-value belongs to the table that ends there).
 * An insert that falls inside a removed region moves to the region's start.
 */
function groupInserts(regions: readonly Region[], inserts: readonly Insert[]): Map<number, Insert[]> {
  const sorted = inserts
    .map((ins, seq) => {
      const inside = regions.find((r) => ins.offset > r.start && ins.offset < r.end);
      return { ins, seq, offset: inside ? inside.start : ins.offset };
    })
    .sort(
      (a, b) =>
        a.offset - b.offset ||
        (a.ins.kind === b.ins.kind ? 0 : a.ins.kind === 'kv' ? -1 : 1) ||
        a.seq - b.seq,
    );
  const groups = new Map<number, Insert[]>();
  for (const { ins, offset } of sorted) {
    const g = groups.get(offset);
    if (g) g.push(ins);
    else groups.set(offset, [ins]);
  }
  return groups;
}

function renderGroup(lines: Lines, eol: string, offset: number, group: readonly Insert[]): string {
  const atStart = offset === lines.bomLength;
  const unterminated = !atStart && !lines.isLineStart(offset);
  let out = '';
  let leadless = false;
  group.forEach((ins, i) => {
    const body = ins.lines.join(eol);
    if (unterminated) out += ins.kind === 'kv' ? eol + body : eol + eol + body;
    else if (ins.kind === 'kv') out += body + eol;
    else if (atStart && i === 0) {
      out += body + eol;
      leadless = true;
    } else out += eol + body + eol;
  });
  if (leadless && offset < lines.text.length) out += eol;
  return out;
}
