/**
 * Edits inside one inline table (`{ a = 1, b = 2 }`) that keep the untouched entries' text: added keys are
 * appended as `, k = v` after the last entry, removed keys take the separator before them, changed values
 * are replaced in place (recursing into nested inline tables). Anything this cannot express returns null and
 * the caller re-renders the whole value, which is always correct. Only the inline table's text changes
 * either way; the point of the small form is that "add a key, then remove it" gives back the same bytes.
 */
import type { AST } from 'toml-eslint-parser';
import type { Edit } from './apply';
import type { TomlTable, TomlValue } from './toml';
import {
  isTomlTable,
  renderInline,
  renderKey,
  renderNumber,
  renderStringLike,
  tomlEquals,
} from './toml-value';

/** Text for a changed value that keeps the old value's string style, and float-ness for numbers. */
export function renderReplacement(node: AST.TOMLContentNode, b: TomlValue): string {
  if (node.type === 'TOMLValue' && node.kind === 'string' && typeof b === 'string')
    return renderStringLike(b, node);
  if (node.type === 'TOMLValue' && node.kind === 'float' && typeof b === 'number')
    return renderNumber(b, true);
  return renderInline(b);
}

/** Edits turning the inline table `node` (value `cur`) into `tgt`, or null when only a re-render will do. */
export function inlineEdits(node: AST.TOMLInlineTable, cur: TomlTable, tgt: TomlTable): Edit[] | null {
  const body = node.body;
  if (body.length === 0 || body.some((kv) => kv.key.keys.length !== 1)) return null;
  const names = body.map((kv) => {
    const k = kv.key.keys[0] as AST.TOMLBare | AST.TOMLQuoted;
    return k.type === 'TOMLBare' ? k.name : k.value;
  });
  const removed = names.map((n) => !Object.hasOwn(tgt, n));
  if (removed.every(Boolean)) return null;
  const edits: Edit[] = [];
  // Values that changed.
  body.forEach((kv, i) => {
    const name = names[i] as string;
    if (removed[i]) return;
    const a = cur[name] as TomlValue;
    const b = tgt[name] as TomlValue;
    if (tomlEquals(a, b)) return;
    const v = kv.value;
    const sub =
      v.type === 'TOMLInlineTable' && isTomlTable(a) && isTomlTable(b) ? inlineEdits(v, a, b) : null;
    if (sub) edits.push(...sub);
    else
      edits.push({ offset: v.range[0], length: v.range[1] - v.range[0], content: renderReplacement(v, b) });
  });
  // Removed entries: a leading run takes the text up to the next entry; any other takes its separator.
  let lead = 0;
  while (removed[lead]) lead++;
  if (lead > 0) {
    const first = body[0] as AST.TOMLKeyValue;
    edits.push({
      offset: first.range[0],
      length: (body[lead] as AST.TOMLKeyValue).range[0] - first.range[0],
      content: '',
    });
  }
  for (let i = lead + 1; i < body.length; i++) {
    if (!removed[i]) continue;
    const prevEnd = (body[i - 1] as AST.TOMLKeyValue).range[1];
    edits.push({ offset: prevEnd, length: (body[i] as AST.TOMLKeyValue).range[1] - prevEnd, content: '' });
  }
  // Added keys, after the last entry.
  const added = Object.keys(tgt).filter((k) => !Object.hasOwn(cur, k));
  if (added.length > 0) {
    const end = (body[body.length - 1] as AST.TOMLKeyValue).range[1];
    const text = added.map((k) => `, ${renderKey(k)} = ${renderInline(tgt[k] as TomlValue)}`).join('');
    edits.push({ offset: end, length: 0, content: text });
  }
  return edits;
}
