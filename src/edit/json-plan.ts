/**
 * The planner behind planJson. It works one change at a time: parse the current text (jsonc-parser's
 * parseTree gives node offsets), find the first difference from the target, turn it into one edit, apply it,
 * repeat. The edits are then folded into edits against the original text.
 *
 * Why edits are computed here rather than by jsonc-parser's `modify()`: `modify` removes the first member
 * of an object together with the line break after `{` (`{"b": 2\n}`), leaves `{\n}` when the last member
 * goes, and its `format()` pass is a no-op at the edges of an empty container, so `{}` never expands.
 * Each operation below is paired with an exact inverse instead:
 * - append after the last member: `,` + (line break + sibling indent | inline separator) + member;
 *   removing member i > 0 deletes from the end of member i-1 to its own end, which undoes exactly that.
 * - removing member 0 of several deletes from its start to the start of member 1.
 * - filling an empty container replaces its inside; removing its only member empties the inside again.
 */
import { type Node, type ParseError, parseTree } from 'jsonc-parser';
import { BugError } from '../errors';
import { applyEdits, type Edit } from './apply';
import type { JsonDoc, JsonObject, JsonValue } from './json';
import { detectColon, isJsonObject, type RenderStyle, renderJson } from './json-render';
import { EditTracker } from './json-track';

interface Ctx {
  readonly text: string;
  /** Indent unit; null for files edited inline (minified). */
  readonly unit: string | null;
  readonly eol: string;
  readonly colon: string;
}

export function planEdits(doc: JsonDoc, target: JsonObject): Edit[] {
  let text = doc.text;
  const first = parse(text, doc.file);
  const colon = detectColon(text, first.children?.[0]?.colonOffset);
  const tracker = new EditTracker(text);
  // Every step removes one difference, so the count is bounded by the sizes of both trees.
  const limit = 2 * (text.length + JSON.stringify(target).length) + 16;
  for (let step = 0; ; step++) {
    if (step > limit) throw new BugError(`planning edits for ${doc.file} did not converge`);
    const ctx: Ctx = { text, unit: doc.format.indent, eol: doc.format.eol, colon };
    const edit = diffObject(ctx, step === 0 ? first : parse(text, doc.file), undefined, target);
    if (edit === undefined) return tracker.edits();
    text = applyEdits(text, [edit]);
    tracker.apply(edit);
  }
}

function parse(text: string, file: string): Node {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (root === undefined || errors.length > 0 || root.type !== 'object') {
    throw new BugError(`intermediate text for ${file} is not a JSON object`);
  }
  return root;
}

const end = (n: Node) => n.offset + n.length;
const kids = (n: Node): Node[] => n.children ?? [];
const keyOf = (prop: Node): string => kids(prop)[0]?.value as string;

function valueNode(prop: Node): Node {
  const v = kids(prop)[1];
  if (v === undefined) throw new BugError('property without a value');
  return v;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Leading whitespace of the line holding `offset`. */
function lineIndent(text: string, offset: number): string {
  const from = lineStart(text, offset);
  return /^[ \t]*/.exec(text.slice(from, offset))?.[0] ?? '';
}

/** True when only spaces or tabs precede `offset` on its line. */
function startsLine(text: string, offset: number): boolean {
  return /^[ \t]*$/.test(text.slice(lineStart(text, offset), offset));
}

function isMultiLine(text: string, n: Node): boolean {
  return /[\r\n]/.test(text.slice(n.offset, end(n)));
}

function nodeEquals(n: Node, v: JsonValue): boolean {
  switch (n.type) {
    case 'object': {
      if (!isJsonObject(v) || kids(n).length !== Object.keys(v).length) return false;
      return kids(n).every(
        (p) => Object.hasOwn(v, keyOf(p)) && nodeEquals(valueNode(p), v[keyOf(p)] as JsonValue),
      );
    }
    case 'array':
      return (
        Array.isArray(v) &&
        kids(n).length === v.length &&
        kids(n).every((c, i) => nodeEquals(c, v[i] as JsonValue))
      );
    case 'null':
      return v === null;
    default:
      return n.value === v;
  }
}

function diffObject(ctx: Ctx, obj: Node, parent: Node | undefined, target: JsonObject): Edit | undefined {
  const props = kids(obj);
  const removed = props.findIndex((p) => !Object.hasOwn(target, keyOf(p)));
  if (removed !== -1) return removeItem(obj, removed);
  for (const p of props) {
    const edit = diffValue(ctx, valueNode(p), obj, target[keyOf(p)] as JsonValue);
    if (edit !== undefined) return edit;
  }
  const present = new Set(props.map(keyOf));
  const added = Object.keys(target).find((k) => !present.has(k));
  if (added === undefined) return undefined;
  return insertItem(ctx, obj, parent, props.length, (s, base) => {
    return `${JSON.stringify(added)}:${s.colon}${renderJson(target[added] as JsonValue, s, base)}`;
  });
}

/** Common prefix and suffix stay; the middle is changed element by element, then grown or shrunk. */
function diffArray(ctx: Ctx, arr: Node, parent: Node | undefined, target: JsonValue[]): Edit | undefined {
  const items = kids(arr);
  let pre = 0;
  while (pre < items.length && pre < target.length && nodeEquals(items[pre]!, target[pre]!)) pre++;
  let suf = 0;
  const room = Math.min(items.length, target.length) - pre;
  while (suf < room && nodeEquals(items[items.length - 1 - suf]!, target[target.length - 1 - suf]!)) suf++;
  const have = items.length - pre - suf;
  const want = target.length - pre - suf;
  for (let i = pre; i < pre + Math.min(have, want); i++) {
    const edit = diffValue(ctx, items[i]!, arr, target[i]!);
    if (edit !== undefined) return edit;
  }
  if (have > want) return removeItem(arr, pre + want);
  if (want > have) {
    const v = target[pre + have]!;
    return insertItem(ctx, arr, parent, pre + have, (s, base) => renderJson(v, s, base));
  }
  return undefined;
}

function diffValue(ctx: Ctx, n: Node, container: Node, v: JsonValue): Edit | undefined {
  if (n.type === 'object' && isJsonObject(v)) return diffObject(ctx, n, container, v);
  if (n.type === 'array' && Array.isArray(v)) return diffArray(ctx, n, container, v);
  if (nodeEquals(n, v)) return undefined;
  const lines = ctx.unit !== null && isMultiLine(ctx.text, container);
  const style = lines ? lineStyle(ctx) : inlineStyle(ctx, container);
  return {
    offset: n.offset,
    length: n.length,
    content: renderJson(v, style, lineIndent(ctx.text, n.offset)),
  };
}

function lineStyle(ctx: Ctx): RenderStyle {
  return { unit: ctx.unit, eol: ctx.eol, colon: ctx.colon };
}

/** One-line rendering that copies the container's own `, ` spacing when it has two members to copy from. */
function inlineStyle(ctx: Ctx, container: Node): RenderStyle {
  const [a, b] = kids(container);
  const gap = a && b ? ctx.text.slice(end(a), b.offset).replace(',', '') : undefined;
  const comma = gap !== undefined && /^[ \t]*$/.test(gap) ? gap : ctx.colon;
  return { unit: null, eol: ctx.eol, colon: ctx.colon, comma };
}

function removeItem(container: Node, i: number): Edit {
  const items = kids(container);
  const item = items[i]!;
  if (items.length === 1) return { offset: container.offset + 1, length: container.length - 2, content: '' };
  if (i > 0) {
    const prev = end(items[i - 1]!);
    return { offset: prev, length: end(item) - prev, content: '' };
  }
  return { offset: item.offset, length: items[1]!.offset - item.offset, content: '' };
}

/** Inserts the member rendered by `render` so that it becomes item `index` of `container`. */
function insertItem(
  ctx: Ctx,
  container: Node,
  parent: Node | undefined,
  index: number,
  render: (style: RenderStyle, base: string) => string,
): Edit {
  const { text, unit, eol } = ctx;
  const items = kids(container);
  const inside = { offset: container.offset + 1, length: container.length - 2 };
  if (items.length === 0) {
    // An empty container opens up onto its own lines when its surroundings are laid out in lines.
    if (unit !== null && (parent === undefined || isMultiLine(text, parent))) {
      const outer = lineIndent(text, container.offset);
      const inner = outer + unit;
      return { ...inside, content: `${eol}${inner}${render(lineStyle(ctx), inner)}${eol}${outer}` };
    }
    return { ...inside, content: render(inlineStyle(ctx, container), '') };
  }
  if (unit !== null && isMultiLine(text, container)) {
    const indent = siblingIndent(text, items) ?? lineIndent(text, container.offset) + unit;
    const member = render(lineStyle(ctx), indent);
    const next = items[index];
    if (next === undefined)
      return { offset: end(items[items.length - 1]!), length: 0, content: `,${eol}${indent}${member}` };
    const gap = startsLine(text, next.offset) ? `${eol}${indent}` : ' ';
    return { offset: next.offset, length: 0, content: `${member},${gap}` };
  }
  const style = inlineStyle(ctx, container);
  const member = render(style, '');
  const next = items[index];
  if (next === undefined)
    return { offset: end(items[items.length - 1]!), length: 0, content: `,${style.comma}${member}` };
  return { offset: next.offset, length: 0, content: `${member},${style.comma}` };
}

/** Indentation of the last member that starts its own line (new members line up with their siblings). */
function siblingIndent(text: string, items: readonly Node[]): string | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const at = items[i]!.offset;
    if (startsLine(text, at)) return lineIndent(text, at);
  }
  return undefined;
}
