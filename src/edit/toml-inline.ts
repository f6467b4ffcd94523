/**
 * Edits for a changed value that keep as much of its text as possible. Inline tables (`{ a = 1, b = 2 }`)
 * keep their untouched entries' text: added keys are appended as `, k = v` after the last entry, removed keys
 * take the separator before them, changed values are replaced in place (recursing into nested values).
 * Arrays keep their layout for appends and removals (toml-array.ts). Anything else, or anything those rules
 * cannot express, re-renders the whole value, which is always correct. Only the value's text changes either
 * way; the point of the small forms is that "add, then remove" gives back the same bytes.
 */
import type { Edit } from './apply';
import type { TomlTable, TomlValue } from './toml';
import { arrayEdits } from './toml-array';
import type { ScanInline, ScanKv, ScanValue } from './toml-scan';
import { renderInline, renderKey, renderNumber, renderStringLike } from './toml-value';
import { isTable, valueEquals } from './value';

/** Text for a changed value that keeps the old value's string style, and float-ness for numbers. */
export function renderReplacement(node: ScanValue, b: TomlValue): string {
  if (node.kind === 'string' && typeof b === 'string') return renderStringLike(b, node);
  if (node.kind === 'float' && typeof b === 'number') return renderNumber(b, true);
  return renderInline(b);
}

/** Edits turning the value `node` (whose value is `a`) into `b`. */
export function valueEdits(text: string, eol: string, node: ScanValue, a: TomlValue, b: TomlValue): Edit[] {
  let edits: Edit[] | null = null;
  if (node.kind === 'inline' && isTable(a) && isTable(b)) edits = inlineEdits(text, eol, node, a, b);
  else if (node.kind === 'array' && Array.isArray(a) && Array.isArray(b))
    edits = arrayEdits(text, eol, node, a, b);
  return (
    edits ?? [{ offset: node.start, length: node.end - node.start, content: renderReplacement(node, b) }]
  );
}

const kvStart = (kv: ScanKv): number => (kv.keys[0] as { start: number }).start;

/** Edits turning the inline table `node` (value `cur`) into `tgt`, or null when only a re-render will do. */
function inlineEdits(
  text: string,
  eol: string,
  node: ScanInline,
  cur: TomlTable,
  tgt: TomlTable,
): Edit[] | null {
  const body = node.kvs;
  if (body.length === 0 || body.some((kv) => kv.keys.length !== 1)) return null;
  const names = body.map((kv) => (kv.keys[0] as { name: string }).name);
  const removed = names.map((n) => !Object.hasOwn(tgt, n));
  if (removed.every(Boolean)) return null;
  const edits: Edit[] = [];
  // Values that changed.
  body.forEach((kv, i) => {
    const name = names[i] as string;
    if (removed[i]) return;
    const a = cur[name] as TomlValue;
    const b = tgt[name] as TomlValue;
    if (!valueEquals(a, b)) edits.push(...valueEdits(text, eol, kv.value, a, b));
  });
  // Removed entries: a leading run takes the text up to the next entry; any other takes its separator.
  let lead = 0;
  while (removed[lead]) lead++;
  if (lead > 0) {
    const from = kvStart(body[0] as ScanKv);
    edits.push({ offset: from, length: kvStart(body[lead] as ScanKv) - from, content: '' });
  }
  for (let i = lead + 1; i < body.length; i++) {
    if (!removed[i]) continue;
    const prevEnd = (body[i - 1] as ScanKv).value.end;
    edits.push({ offset: prevEnd, length: (body[i] as ScanKv).value.end - prevEnd, content: '' });
  }
  // Added keys, after the last entry.
  const added = Object.keys(tgt).filter((k) => !Object.hasOwn(cur, k));
  if (added.length > 0) {
    const end = (body[body.length - 1] as ScanKv).value.end;
    const content = added.map((k) => `, ${renderKey(k)} = ${renderInline(tgt[k] as TomlValue)}`).join('');
    edits.push({ offset: end, length: 0, content });
  }
  return edits;
}
