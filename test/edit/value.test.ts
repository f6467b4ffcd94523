// One value equality for TOML, JSON and the engines (issue 10 item 6): total, an equivalence relation, and
// numbers compared by mathematical value across number and bigint.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TomlDate } from 'smol-toml';
import { deepFreeze, getIn, isTable, lookupIn, valueEquals } from '../../src/edit/value';

const SEED = 20261207;

const leaf = fc.oneof(
  fc.double(), // includes NaN, -0, ±Infinity
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.integer({ min: -3, max: 3 }), // small values, so that number/bigint pairs often meet
  fc.integer({ min: -3, max: 3 }).map((n) => BigInt(n)),
  fc.constantFrom(0.5, 1.5, 2 ** 53, 2 ** 64, Number.NaN),
  fc.string({ maxLength: 3 }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('1979-05-27', '07:32:00', '1979-05-27T07:32:00Z', 'not a date').map((s) => new TomlDate(s)),
  fc.constant(new Date(Number.NaN)),
);

const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('table')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  table: fc.dictionary(fc.constantFrom('a', 'b', 'c', '__proto__'), tie('value'), { maxKeys: 3 }),
}));

/** The same value written differently: integers as the other numeric type, table keys in reverse order. */
function respell(v: unknown): unknown {
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER))
    return Number(v);
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (Array.isArray(v)) return v.map(respell);
  if (isTable(v)) {
    const out: Record<string, unknown> = Object.create(null);
    for (const k of Object.keys(v).reverse()) out[k] = respell(v[k]);
    return out;
  }
  return v;
}

test('valueEquals is reflexive, symmetric and never throws', () => {
  fc.assert(
    fc.property(value, value, (a, b) => {
      assert.ok(valueEquals(a, a));
      assert.ok(valueEquals(a, structuredCloneSafe(a)));
      assert.equal(valueEquals(a, b), valueEquals(b, a));
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

test('valueEquals ignores the spelling of a value (number vs bigint, key order) and is transitive over it', () => {
  fc.assert(
    fc.property(value, value, (a, b) => {
      const r = respell(a);
      assert.ok(valueEquals(a, r));
      assert.ok(valueEquals(r, a));
      assert.equal(valueEquals(r, b), valueEquals(a, b));
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

test('numbers compare by mathematical value: no RangeError for fractions, NaN equals NaN', () => {
  assert.equal(valueEquals(1n, 1.5), false);
  assert.equal(valueEquals(1.5, 1n), false);
  assert.equal(valueEquals(1n, Number.NaN), false);
  assert.equal(valueEquals(1n, Number.POSITIVE_INFINITY), false);
  assert.equal(valueEquals(Number.NaN, Number.NaN), true);
  assert.equal(valueEquals({ a: [Number.NaN] }, { a: [Number.NaN] }), true);
  assert.equal(valueEquals(1n, 1), true);
  assert.equal(valueEquals(2 ** 53, 2n ** 53n), true);
  assert.equal(valueEquals(2 ** 53, 2n ** 53n + 1n), false);
  assert.equal(valueEquals(0, -0), true);
  assert.equal(valueEquals(null, {}), false);
  assert.equal(valueEquals(undefined, null), false);
  assert.equal(valueEquals(new Date(Number.NaN), new Date(Number.NaN)), true);
  assert.equal(valueEquals(new TomlDate('1979-05-27'), new TomlDate('1979-05-27T00:00:00Z')), false);
});

test('lookupIn tells a missing key from one that holds undefined; getIn stops at a non-table', () => {
  const tree = { a: { b: undefined, c: [1] } };
  assert.deepEqual(lookupIn(tree, ['a', 'b']), { found: true, value: undefined });
  assert.deepEqual(lookupIn(tree, ['a', 'x']), { found: false });
  assert.equal(getIn(tree, ['a', 'c', '0']), undefined);
  assert.deepEqual(getIn(tree, ['a', 'c']), [1]);
});

test('deepFreeze freezes tables and arrays below, but not dates', () => {
  const d = new TomlDate('1979-05-27');
  const v = deepFreeze({ a: { b: [1, { c: 2 }] }, d });
  assert.ok(Object.isFrozen(v.a.b[1]));
  assert.ok(!Object.isFrozen(d));
});

/** A deep copy keeping TomlDate instances (structuredClone would turn them into plain Dates). */
function structuredCloneSafe(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(structuredCloneSafe);
  if (isTable(v)) {
    const out: Record<string, unknown> = Object.create(null);
    for (const k of Object.keys(v)) out[k] = structuredCloneSafe(v[k]);
    return out;
  }
  return v;
}
