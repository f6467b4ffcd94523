import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type Node, parseTree } from 'jsonc-parser';
import {
  applyJson,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  parseJson,
  planJson,
} from '../../src/edit/json';
import { valueEquals } from '../../src/edit/value';

const SEED = 20261129;
const RUNS = 300;

/** How a generated document is laid out: indent unit (null = one line), line break, inline nesting depth,
 * spacing inside inline containers, final newline. */
interface Layout {
  unit: string | null;
  eol: '\n' | '\r\n';
  inlineFrom: number;
  colon: string;
  comma: string;
  pad: string;
  finalEol: boolean;
}

const layoutArb: fc.Arbitrary<Layout> = fc.record({
  unit: fc.constantFrom(null, '  ', '    ', '\t'),
  eol: fc.constantFrom('\n' as const, '\r\n' as const),
  inlineFrom: fc.constantFrom(1, 2, 3, 99),
  colon: fc.constantFrom('', ' '),
  comma: fc.constantFrom('', ' '),
  pad: fc.constantFrom('', ' '),
  finalEol: fc.boolean(),
});

function render(v: JsonValue, l: Layout, depth = 0, base = ''): string {
  const isArr = Array.isArray(v);
  if (!isArr && !isJsonObject(v)) return JSON.stringify(v);
  const entries = isArr ? v.map((x) => [undefined, x] as const) : Object.entries(v);
  const [open, close] = isArr ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return open + close;
  const inline = l.unit === null || depth >= l.inlineFrom;
  const inner = inline ? base : base + l.unit;
  const parts = entries.map(([k, x]) => {
    const key = k === undefined ? '' : `${JSON.stringify(k)}:${inline ? l.colon : ' '}`;
    return key + render(x, l, depth + 1, inner);
  });
  if (inline) return `${open}${l.pad}${parts.join(`,${l.comma}`)}${l.pad}${close}`;
  return `${open}${l.eol}${inner}${parts.join(`,${l.eol}${inner}`)}${l.eol}${base}${close}`;
}

function renderDoc(v: JsonObject, l: Layout): string {
  return render(v, l) + (l.finalEol ? l.eol : '');
}

const key = fc.oneof(
  fc.constantFrom('runtimes', 'nvidia', 'features', 'cdi', 'path', 'args', '__proto__'),
  fc.string({ maxLength: 6 }),
);
const leaf: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 8, unit: 'grapheme' }),
);
const { value: valueArb } = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
}));
const docArb = fc.dictionary(key, valueArb, { maxKeys: 6 });

/** Every object and array in the tree, with a way to reach it in a copy. */
function containers(v: JsonValue, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return [path, ...v.flatMap((x, i) => containers(x, [...path, i]))];
  if (isJsonObject(v))
    return [path, ...Object.keys(v).flatMap((k) => containers(v[k] as JsonValue, [...path, k]))];
  return [];
}

function at(v: JsonValue, path: (string | number)[]): JsonValue {
  return path.reduce<JsonValue>((cur, k) => (cur as Record<string | number, JsonValue>)[k] as JsonValue, v);
}

/** An "add" step of the kind engines make: a new key in some object, or a new element at the end of an array. */
interface AddOp {
  pick: number;
  key: string;
  value: JsonValue;
}
const addOpArb: fc.Arbitrary<AddOp> = fc.record({ pick: fc.nat(), key, value: valueArb });

function applyAdd(v: JsonObject, op: AddOp): JsonObject {
  const copy = structuredClone(v);
  const spots = containers(copy);
  const target = at(copy, spots[op.pick % spots.length]!);
  if (Array.isArray(target)) target.push(op.value);
  else if (isJsonObject(target) && !Object.hasOwn(target, op.key)) {
    Object.defineProperty(target, op.key, {
      value: op.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

test('random adds on random layouts: output parses to the target, adding again is a no-op, reverting restores the bytes', () => {
  fc.assert(
    fc.property(
      docArb,
      layoutArb,
      fc.array(addOpArb, { minLength: 1, maxLength: 4 }),
      (value, layout, ops) => {
        const text = renderDoc(value, layout);
        const original = parseJson(text, 'p.json');
        assert.ok(valueEquals(original.value, value));
        // One step at a time, as repeated installs would do; keep every intermediate text.
        const texts = [text];
        let cur = original;
        for (const op of ops) {
          const target = applyAdd(cur.value, op);
          const out = applyJson(cur, target);
          cur = parseJson(out, 'p.json');
          assert.ok(valueEquals(cur.value, target));
          assert.deepEqual(planJson(cur, target), []);
          texts.push(out);
        }
        // Reverting everything at once, and undoing step by step, both give back exact bytes.
        assert.equal(applyJson(cur, original.value), text);
        for (let i = texts.length - 1; i > 0; i--) {
          const back = applyJson(parseJson(texts[i]!, 'p.json'), parseJson(texts[i - 1]!, 'p.json').value);
          assert.equal(back, texts[i - 1]);
        }
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );
});

/** Script steps that keep a canonical layout canonical: new keys go last, arrays only grow at the end. */
interface ScriptOp {
  kind: 'add' | 'drop' | 'set';
  pick: number;
  index: number;
  key: string;
  value: JsonValue;
  scalar: JsonValue;
}
const plainKey = key.filter((k) => !/^(0|[1-9][0-9]*)$/.test(k)); // integer-like keys are reordered by JS objects
const scriptOpArb: fc.Arbitrary<ScriptOp> = fc.record({
  kind: fc.constantFrom('add' as const, 'drop' as const, 'set' as const),
  pick: fc.nat(),
  index: fc.nat(),
  key: plainKey,
  value: valueArb,
  scalar: leaf,
});

function define(o: JsonObject, k: string, v: JsonValue): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function runScript(v: JsonObject, op: ScriptOp): void {
  const spots = containers(v);
  const spot = at(v, spots[op.pick % spots.length]!);
  if (Array.isArray(spot)) {
    if (op.kind === 'add') spot.push(op.value);
    return;
  }
  if (!isJsonObject(spot)) return;
  const keys = Object.keys(spot);
  const existing = keys[op.index % Math.max(keys.length, 1)];
  if (op.kind === 'add' && !Object.hasOwn(spot, op.key)) define(spot, op.key, op.value);
  if (op.kind === 'drop' && existing !== undefined) delete spot[existing];
  if (
    op.kind === 'set' &&
    existing !== undefined &&
    !isJsonObject(spot[existing]) &&
    !Array.isArray(spot[existing])
  ) {
    spot[existing] = op.scalar;
  }
}

/** The target with keys in the order the editor writes them: surviving keys where they were, new ones last. */
function inEditOrder(target: JsonValue, before: JsonValue): JsonValue {
  if (Array.isArray(target)) {
    return target.map((x, i) =>
      Array.isArray(before) && i < before.length ? inEditOrder(x, before[i]!) : x,
    );
  }
  if (!isJsonObject(target)) return target;
  const old = isJsonObject(before) ? before : {};
  const keys = [
    ...Object.keys(old).filter((k) => Object.hasOwn(target, k)),
    ...Object.keys(target).filter((k) => !Object.hasOwn(old, k)),
  ];
  const out: JsonObject = {};
  for (const k of keys) define(out, k, Object.hasOwn(old, k) ? inEditOrder(target[k]!, old[k]!) : target[k]!);
  return out;
}

test('canonical layouts stay canonical: the edited text is exactly the target laid out the same way', () => {
  const integerKey = (v: JsonValue): boolean =>
    Array.isArray(v)
      ? v.some(integerKey)
      : isJsonObject(v) && Object.keys(v).some((k) => /^(0|[1-9][0-9]*)$/.test(k) || integerKey(v[k]!));
  const plainValue = docArb.filter((v) => !integerKey(v));
  const canonical = layoutArb.filter(
    (l) =>
      (l.unit !== null && l.inlineFrom === 99) || (l.unit === null && l.pad === '' && l.colon === l.comma),
  );
  fc.assert(
    fc.property(
      plainValue,
      canonical,
      fc.array(scriptOpArb, { minLength: 1, maxLength: 6 }),
      (value, layout, script) => {
        // An empty root has no layout to copy: it is filled with two spaces and LF whatever the layout says.
        fc.pre(
          Object.keys(value).length > 0 || (layout.unit === '  ' && (layout.eol === '\n' || layout.finalEol)),
        );
        const lines: Layout = layout.unit === null ? layout : { ...layout, colon: ' ' };
        const doc = parseJson(renderDoc(value, lines), 'p.json');
        const target = structuredClone(value);
        for (const op of script) runScript(target, op);
        const out = applyJson(doc, target);
        assert.equal(out, renderDoc(inEditOrder(target, value) as JsonObject, lines));
      },
    ),
    { seed: SEED + 2, numRuns: RUNS },
  );
});

/** Any change at any depth: inserts, removals and replacements anywhere in arrays and objects. */
function runFree(v: JsonObject, op: ScriptOp): void {
  const spots = containers(v);
  const spot = at(v, spots[op.pick % spots.length]!);
  if (Array.isArray(spot)) {
    if (op.kind === 'add') spot.splice(op.index % (spot.length + 1), 0, op.value);
    else if (spot.length > 0) {
      if (op.kind === 'drop') spot.splice(op.index % spot.length, 1);
      else spot[op.index % spot.length] = op.value;
    }
    return;
  }
  if (!isJsonObject(spot)) return;
  const existing = Object.keys(spot)[op.index % Math.max(Object.keys(spot).length, 1)];
  if (op.kind === 'add') define(spot, op.key, op.value);
  else if (existing !== undefined && op.kind === 'drop') delete spot[existing];
  else if (existing !== undefined) spot[existing] = op.value;
}

function memberText(text: string): Map<string, string> {
  const root = parseTree(text) as Node;
  const out = new Map<string, string>();
  for (const p of root.children ?? []) {
    const [k, v] = p.children ?? [];
    if (k && v) out.set(k.value as string, text.slice(v.offset, v.offset + v.length));
  }
  return out;
}

test('arbitrary targets (removals, replacements, additions): valid output, untouched members byte-identical', () => {
  const mutation = fc.record({
    drop: fc.array(fc.nat(), { maxLength: 3 }),
    set: docArb,
    script: fc.array(scriptOpArb, { maxLength: 6 }),
  });
  fc.assert(
    fc.property(docArb, layoutArb, mutation, (value, layout, { drop, set, script }) => {
      const text = renderDoc(value, layout);
      const doc = parseJson(text, 'p.json');
      const keys = Object.keys(value);
      const target: JsonObject = structuredClone(value);
      for (const d of drop) if (keys.length > 0) delete target[keys[d % keys.length]!];
      for (const [k, v] of Object.entries(set)) {
        define(target, k, v);
      }
      for (const op of script) runFree(target, op);
      const out = applyJson(doc, target);
      const after = parseJson(out, 'p.json');
      assert.ok(valueEquals(after.value, target));
      assert.deepEqual(planJson(after, target), []);
      const before = memberText(text);
      const now = memberText(out);
      for (const k of Object.keys(target)) {
        if (Object.hasOwn(value, k) && valueEquals(value[k] as JsonValue, target[k] as JsonValue)) {
          assert.equal(now.get(k), before.get(k), `member ${JSON.stringify(k)} was rewritten`);
        }
      }
    }),
    { seed: SEED + 1, numRuns: RUNS },
  );
});
