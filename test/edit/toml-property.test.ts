import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  applyToml,
  cloneToml,
  parseToml,
  planToml,
  type TomlDoc,
  type TomlTable,
  type TomlValue,
} from '../../src/edit/toml';
import { type ScanArray, type ScanValue, scanToml } from '../../src/edit/toml-scan';
import { isTable } from '../../src/edit/value';
import { ARRAYS, FIXTURES, ODD, V2 } from './toml-fixtures';
import { currentScan, legacyScan } from './toml-legacy-scan';

type Op =
  | { kind: 'addTable'; at: number; name: string; shape: 'runtime' | 'flat' | 'empty' }
  | { kind: 'setScalar'; at: number; name: string; value: TomlValue }
  | { kind: 'setExisting'; at: number; value: string }
  | { kind: 'deleteAdded'; at: number }
  | { kind: 'addRoot'; name: string; value: TomlValue }
  | { kind: 'appendItem'; at: number; value: TomlValue }
  | { kind: 'removeAppended'; at: number; which: number };

// Characters that stress quoting and escaping of new keys and strings.
const chars = fc.constantFrom(...'az09_-. "\'\\#=[]{},\n\t\u0001\u007fé€😀'.split(/(?:)/u));
const text = fc.string({ unit: chars, maxLength: 10 });
const scalar: fc.Arbitrary<TomlValue> = fc.oneof(
  text,
  fc.integer(),
  fc.boolean(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.array(fc.oneof(fc.integer({ min: -9, max: 9 }), text), { maxLength: 3 }),
  fc.dictionary(fc.string({ unit: chars, minLength: 1, maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('addTable' as const),
    at: fc.nat(),
    name: text,
    shape: fc.constantFrom('runtime' as const, 'flat' as const, 'empty' as const),
  }),
  fc.record({ kind: fc.constant('setScalar' as const), at: fc.nat(), name: text, value: scalar }),
  fc.record({
    kind: fc.constant('setExisting' as const),
    at: fc.nat(),
    value: fc.stringMatching(/^[a-z0-9/._-]{0,12}$/),
  }),
  fc.record({ kind: fc.constant('deleteAdded' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('addRoot' as const), name: text, value: scalar }),
  fc.record({ kind: fc.constant('appendItem' as const), at: fc.nat(), value: scalar }),
  fc.record({ kind: fc.constant('removeAppended' as const), at: fc.nat(), which: fc.nat() }),
);

/** Paths of every table reachable without going through an array. */
function tablePaths(t: TomlTable, path: string[] = [], out: string[][] = []): string[][] {
  out.push(path);
  for (const k of Object.keys(t)) if (isTable(t[k])) tablePaths(t[k] as TomlTable, [...path, k], out);
  return out;
}

function tableAt(root: TomlTable, path: readonly string[]): TomlTable | undefined {
  let cur: TomlValue | undefined = root;
  for (const k of path) cur = isTable(cur) && Object.hasOwn(cur, k) ? cur[k] : undefined;
  return isTable(cur) ? cur : undefined;
}

/** Existing keys holding arrays of values (arrays of tables may be `[[x]]` sections, which are not edited). */
function plainArrays(t: TomlTable): [string[], string][] {
  const out: [string[], string][] = [];
  for (const p of tablePaths(t)) {
    const tt = tableAt(t, p) as TomlTable;
    for (const k of Object.keys(tt)) {
      const v = tt[k];
      if (Array.isArray(v) && !(v.length > 0 && v.every(isTable))) out.push([p, k]);
    }
  }
  return out;
}

/** Existing keys holding strings that need no escaping in either quote style (so a revert is byte-exact). */
function plainStrings(t: TomlTable): [string[], string][] {
  const out: [string[], string][] = [];
  for (const p of tablePaths(t)) {
    const tt = tableAt(t, p) as TomlTable;
    for (const k of Object.keys(tt)) {
      const v = tt[k];
      if (typeof v === 'string' && /^[A-Za-z0-9/._:*-]*$/.test(v)) out.push([p, k]);
    }
  }
  return out;
}

function runtime(name: string, shape: 'runtime' | 'flat' | 'empty'): TomlTable {
  if (shape === 'empty') return {};
  const base: TomlTable = { runtime_type: 'io.containerd.runc.v2', runtime_path: `/usr/bin/${name}` };
  if (shape === 'runtime') base.options = { BinaryName: `/usr/bin/${name}`, SystemdCgroup: true };
  return base;
}

/** Lines of `a` that are not part of a longest common subsequence with `b` (the lines that changed). */
function lostLines(a: readonly string[], b: readonly string[]): string[] {
  const m = a.length;
  const n = b.length;
  const len: number[][] = Array.from({ length: m + 1 }, () => new Array<number>(n + 1).fill(0));
  for (let i = m - 1; i >= 0; i--) {
    for (let j = n - 1; j >= 0; j--) {
      const row = len[i] as number[];
      const below = len[i + 1] as number[];
      row[j] =
        a[i] === b[j] ? (below[j + 1] as number) + 1 : Math.max(below[j] as number, row[j + 1] as number);
    }
  }
  const lost: string[] = [];
  let i = 0;
  let j = 0;
  while (i < m) {
    if (j < n && a[i] === b[j]) {
      i++;
      j++;
    } else if (j < n && (len[i]?.[j + 1] as number) >= (len[i + 1]?.[j] as number)) j++;
    else lost.push(a[i++] as string);
  }
  return lost;
}

function run(fixture: string, ops: readonly Op[]): void {
  const original: TomlDoc = parseToml(fixture, 'prop.toml');
  const target = cloneToml(original.value);
  const added: [string[], string][] = [];
  const existing = plainStrings(original.value);
  const arrays = plainArrays(original.value);
  const changed = new Set<string>();
  let arrayEdits = 0;
  let current = fixture;
  let serial = 0;
  for (const o of ops) {
    serial++;
    if (o.kind === 'appendItem' || o.kind === 'removeAppended') {
      // Entries appended to an existing array, and some of them removed again: the original entries stay.
      const pick = arrays[o.at % Math.max(1, arrays.length)];
      const t = pick && tableAt(target, pick[0]);
      const list = t?.[pick?.[1] ?? ''];
      const base = pick && tableAt(original.value, pick[0])?.[pick[1]];
      if (!pick || !Array.isArray(list) || !Array.isArray(base)) continue;
      if (o.kind === 'appendItem') list.push(o.value);
      else if (list.length > base.length)
        list.splice(base.length + (o.which % (list.length - base.length)), 1);
      else continue;
      arrayEdits++;
    } else if (o.kind === 'deleteAdded') {
      const live = added.filter(
        ([p, k]) => tableAt(target, p) && Object.hasOwn(tableAt(target, p) as TomlTable, k),
      );
      const pick = live[o.at % Math.max(1, live.length)];
      if (!pick) continue;
      delete (tableAt(target, pick[0]) as TomlTable)[pick[1]];
    } else if (o.kind === 'setExisting') {
      const pick = existing[o.at % Math.max(1, existing.length)];
      const t = pick && tableAt(target, pick[0]);
      if (!pick || !t || !Object.hasOwn(t, pick[1])) continue;
      t[pick[1]] = o.value;
      changed.add(JSON.stringify(pick));
    } else {
      const paths = o.kind === 'addRoot' ? [[]] : tablePaths(target);
      const path = paths[('at' in o ? o.at : 0) % paths.length] as string[];
      const t = tableAt(target, path) as TomlTable;
      const name = `${o.name}~${serial}`;
      if (Object.hasOwn(t, name)) continue;
      t[name] = o.kind === 'addTable' ? runtime(name, o.shape) : o.value;
      added.push([path, name]);
    }
    current = applyToml(parseToml(current, 'prop.toml'), target);
  }
  const final = parseToml(current, 'prop.toml');
  assert.deepEqual(currentScan(current), legacyScan(current), 'the scanner agrees with toml-eslint-parser');
  assert.deepEqual(planToml(final, target), [], 'applying the same target again changes nothing');
  // Only the lines of values that were set may change, and lines holding an inline table that grew.
  // An array edit may change the line of its last entry (a comma, or a single-line array's text).
  const lost = lostLines(fixture.split('\n'), current.split('\n')).filter((l) => !l.includes('{'));
  assert.ok(lost.length <= changed.size + arrayEdits, `untouched lines changed: ${JSON.stringify(lost)}`);
  assert.equal(
    applyToml(final, original.value),
    fixture,
    'planning back to the original value restores its bytes',
  );
}

describe('toml editor properties', () => {
  const names = Object.keys(FIXTURES);
  it('random additions, settings and deletions keep untouched lines and revert byte for byte', () => {
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.array(op, { minLength: 1, maxLength: 6 }), (name, ops) => {
        run(FIXTURES[name] as string, ops);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

/** The array value at table `path`, key `key` (found through the scanner, dotted keys included). */
function arrayNode(text: string, path: readonly string[], key: string): ScanArray {
  const scan = scanToml(text);
  const bodies = [{ names: [] as readonly string[], kvs: scan.root.kvs }];
  for (const t of scan.tables) bodies.push({ names: t.names, kvs: scan.body(t).kvs });
  const want = JSON.stringify([...path, key]);
  for (const b of bodies) {
    for (const kv of b.kvs) {
      const full = [...b.names, ...kv.keys.map((k) => k.name)];
      if (JSON.stringify(full) === want && kv.value.kind === 'array') return kv.value;
    }
  }
  throw new Error(`no array at ${want}`);
}

const lineOf = (text: string, offset: number) => text.slice(0, offset).split('\n').length - 1;

describe('removing original array entries', () => {
  const cases = [ARRAYS, V2, ODD].flatMap((text) =>
    plainArrays(parseToml(text, 'a.toml').value).map(([path, key]) => ({ text, path, key })),
  );
  it('keeps every line outside the array and the comments of the entries that stay', () => {
    fc.assert(
      fc.property(fc.constantFrom(...cases), fc.array(fc.boolean(), { maxLength: 8 }), (c, mask) => {
        const doc = parseToml(c.text, 'a.toml');
        const target = cloneToml(doc.value);
        const t = tableAt(target, c.path) as TomlTable;
        t[c.key] = (t[c.key] as TomlValue[]).filter((_v, i) => mask[i] !== false);
        const out = applyToml(doc, target);
        const node = arrayNode(c.text, c.path, c.key);
        const before = c.text.slice(0, node.start);
        const after = c.text.slice(node.end);
        assert.ok(out.startsWith(before) && out.endsWith(after), 'only the array text changed');
        // Lines of removed entries may lose their comments; every other comment of the array stays.
        const removedLines = new Set(
          node.items.flatMap((item: ScanValue, i) => (mask[i] === false ? [lineOf(c.text, item.start)] : [])),
        );
        const arrayText = out.slice(before.length, out.length - after.length);
        c.text
          .slice(node.start, node.end)
          .split('\n')
          .forEach((l, i) => {
            const hash = l.indexOf('#');
            if (hash >= 0 && !removedLines.has(lineOf(c.text, node.start) + i))
              assert.ok(arrayText.includes(l.slice(hash)), `comment kept: ${l.slice(hash)}`);
          });
      }),
      { seed: 5, numRuns: 300 },
    );
  });
});
