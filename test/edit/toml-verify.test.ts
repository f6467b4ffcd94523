/**
 * The safety check of applyToml from the edited sections alone (src/edit/toml-verify.ts, issue 11 item 3):
 * whatever it proves, the full parse of the edited text must agree with, and every corrupting splice must
 * still end in BugError, through the fast path's refusal and the full parse behind it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse } from 'smol-toml';
import { applyEdits, type Edit } from '../../src/edit/apply';
import {
  applyChecked,
  cloneToml,
  parseToml,
  planToml,
  type TomlDoc,
  type TomlTable,
  type TomlValue,
} from '../../src/edit/toml';
import { TomlIndex } from '../../src/edit/toml-index';
import { scanToml } from '../../src/edit/toml-scan';
import { editedTextHolds } from '../../src/edit/toml-verify';
import { isTable, valueEquals } from '../../src/edit/value';
import { BugError, ConfigError } from '../../src/errors';
import { FIXTURES, ODD, tableAt, V2 } from './toml-fixtures';

/** What the fast path says about `edits` (on a fresh index, as applyToml's would be after planning). */
function proven(doc: TomlDoc, edits: readonly Edit[], target: TomlTable): boolean {
  const ix = new TomlIndex(doc.text, scanToml(doc.text));
  return editedTextHolds(
    ix,
    doc.value as Record<string, unknown>,
    edits,
    applyEdits(doc.text, edits),
    target,
  );
}

/** What the full parse says: the edited text parses to exactly the target. */
function fullHolds(text: string, target: TomlTable): boolean {
  try {
    return valueEquals(parse(text, { integersAsBigInt: 'asNeeded' }), target);
  } catch {
    return false;
  }
}

/** Every path of a table or value reachable without going through an array. */
function paths(t: TomlTable, path: string[] = [], out: string[][] = []): string[][] {
  for (const k of Object.keys(t)) {
    out.push([...path, k]);
    if (isTable(t[k])) paths(t[k] as TomlTable, [...path, k], out);
  }
  return out;
}

function parentOf(root: TomlTable, path: readonly string[]): TomlTable | undefined {
  let cur: TomlValue | undefined = root;
  for (const k of path.slice(0, -1)) cur = isTable(cur) && Object.hasOwn(cur, k) ? cur[k] : undefined;
  return isTable(cur) ? cur : undefined;
}

type Op =
  | { kind: 'set'; at: number; value: TomlValue }
  | { kind: 'add'; at: number; name: string; value: TomlValue }
  | { kind: 'drop'; at: number };

const name = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,6}$/);
const value: fc.Arbitrary<TomlValue> = fc.oneof(
  fc.stringMatching(/^[a-z0-9 /'"#\\[\]=.-]{0,8}$/),
  fc.integer(),
  fc.boolean(),
  fc.dictionary(name, fc.integer(), { maxKeys: 2 }),
  fc.record({ runtime_type: fc.constant('io.containerd.runc.v2'), options: fc.record({ b: fc.boolean() }) }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value }),
  fc.record({ kind: fc.constant('add' as const), at: fc.nat(), name, value }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
);

/** A target the planner can reach from `doc`: values set, keys and tables added or dropped anywhere. */
function targetOf(doc: TomlDoc, ops: readonly Op[]): TomlTable {
  const target = cloneToml(doc.value);
  for (const o of ops) {
    const all = paths(target);
    if (o.kind === 'add') {
      const tables = [[], ...all.filter((p) => isTable(tableAtOrUndefined(target, p)))];
      const t = tableAtOrUndefined(target, tables[o.at % tables.length] as string[]);
      if (t && !Object.hasOwn(t, o.name)) t[o.name] = cloneToml(o.value);
      continue;
    }
    const path = all[o.at % Math.max(1, all.length)];
    const parent = path && parentOf(target, path);
    if (!path || !parent) continue;
    const key = path[path.length - 1] as string;
    if (o.kind === 'drop') delete parent[key];
    else parent[key] = cloneToml(o.value);
  }
  return target;
}

function tableAtOrUndefined(root: TomlTable, path: readonly string[]): TomlTable | undefined {
  let cur: TomlValue | undefined = root;
  for (const k of path) cur = isTable(cur) && Object.hasOwn(cur, k) ? cur[k] : undefined;
  return isTable(cur) ? cur : undefined;
}

/** The planner's edits, or undefined where it refuses the target (arrays of tables, TOML-less values). */
function planned(doc: TomlDoc, target: TomlTable): Edit[] | undefined {
  try {
    return planToml(doc, target);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof BugError) return undefined;
    throw err;
  }
}

// ODD without its arrays of tables: sub-tables before their parent, dotted keys, an inline table
const DOCS: Record<string, string> = { ...FIXTURES, DOTTED: ODD.slice(0, ODD.indexOf('[[')) };

describe('verifying only the edited sections', () => {
  const names = Object.keys(DOCS);

  it("accepts the planner's edits exactly when the full parse does, on every fixture without [[tables]]", (t) => {
    let fast = 0;
    let all = 0;
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.array(op, { minLength: 1, maxLength: 5 }), (fixture, ops) => {
        const doc = parseToml(DOCS[fixture] as string, 'p.toml');
        const target = targetOf(doc, ops);
        const edits = planned(doc, target);
        if (!edits || edits.length === 0) return;
        const full = fullHolds(applyEdits(doc.text, edits), target);
        const ok = proven(doc, edits, target);
        all++;
        if (ok) fast++;
        if (ok) assert.ok(full, 'proven, but the full parse disagrees');
        if (!doc.text.includes('[[')) assert.equal(ok, full, 'the full parse holds, but nothing was proven');
      }),
      { seed: 11, numRuns: 400 },
    );
    t.diagnostic(`proven from the edited sections: ${fast} of ${all} edit lists`);
  });

  it('never proves a corrupting splice: whatever it accepts, the full parse of the text holds the target', (t) => {
    // Pieces that change what the text around them means: strings and comments opened, line breaks
    // removed or added, headers (also copies of existing ones), dotted keys, brackets.
    const pieces = fc.constantFrom(
      '"""',
      "'''",
      '"',
      '#',
      '# x',
      '\n',
      '\r\n',
      '[',
      ']',
      '[grpc]\n',
      '[plugins."io.containerd.grpc.v1.cri".cni]\n',
      '[new]\n',
      'a = 1\n',
      'cni.x = 1\n',
      'version = 3\n',
      '{',
      ' ',
      '=',
    );
    const splice = fc.record({
      at: fc.nat(),
      cut: fc.nat({ max: 12 }),
      content: fc.array(pieces, { maxLength: 3 }),
    });
    let refusedByFull = 0;
    let runs = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.array(op, { maxLength: 3 }),
        fc.array(splice, { minLength: 1, maxLength: 2 }),
        (fixture, ops, splices) => {
          const doc = parseToml(DOCS[fixture] as string, 'p.toml');
          const target = targetOf(doc, ops);
          const edits = planned(doc, target);
          if (!edits) return;
          const all = [...edits];
          for (const sp of splices) {
            const offset = sp.at % (doc.text.length + 1);
            const e = {
              offset,
              length: Math.min(sp.cut, doc.text.length - offset),
              content: sp.content.join(''),
            };
            // a splice goes where no planned edit is (applyEdits refuses overlaps)
            if (all.some((x) => e.offset <= x.offset + x.length && x.offset <= e.offset + e.length)) continue;
            all.push(e);
          }
          if (all.length === 0) return;
          const text = applyEdits(doc.text, all);
          const full = fullHolds(text, target);
          runs++;
          if (!full) refusedByFull++;
          if (proven(doc, all, target))
            assert.ok(full, `proven, but the full parse disagrees: ${JSON.stringify(text)}`);
          if (!full) assert.throws(() => applyChecked(doc, all, target), BugError);
        },
      ),
      { seed: 23, numRuns: 1500 },
    );
    t.diagnostic(`${refusedByFull} of ${runs} spliced texts do not hold the target`);
    assert.ok(refusedByFull > runs / 3, 'most splices corrupt the text');
  });
});

/** An edit replacing the first `find` (after `from`) in `text` by `content`. */
function replace(text: string, find: string, content: string, from = ''): Edit {
  const offset = text.indexOf(find, text.indexOf(from));
  assert.ok(offset >= 0, `no ${find} in the text`);
  return { offset, length: find.length, content };
}

/** The fast path refuses, and the full parse behind it throws BugError. */
function refused(doc: TomlDoc, edits: Edit[], target: TomlTable): void {
  assert.equal(proven(doc, edits, target), false, 'the fast path must not prove it');
  assert.throws(() => applyChecked(doc, edits, target), BugError);
}

describe('splices the fast path must refuse', () => {
  const doc = parseToml(V2, 'v2.toml');
  const target = cloneToml(doc.value);
  tableAt(target, 'plugins', 'io.containerd.grpc.v1.cri', 'containerd').default_runtime_name = 'nvidia';
  const planned = planToml(doc, target);

  it('the planned edit alone is proven', () => {
    assert.equal(planned.length, 1);
    assert.equal(proven(doc, planned, target), true);
    assert.equal(applyChecked(doc, planned, target), V2.replace('"runc" # change', '"nvidia" # change'));
  });

  it('a splice that corrupts only an untouched neighbour, far from the planned edit', () => {
    refused(doc, [...planned, replace(V2, '0.02', '0.03')], target);
    refused(doc, [...planned, replace(V2, 'config_path = ""', 'config_path = "x"')], target);
  });

  it('a splice that duplicates a header defined elsewhere', () => {
    const dup = '[plugins."io.containerd.grpc.v1.cri".cni]\n      ';
    refused(doc, [...planned, replace(V2, 'snapshotter', `${dup}snapshotter`)], target);
    refused(doc, [...planned, replace(V2, 'address', '[timeouts]\n  address')], target);
  });

  it('a splice that opens a multi-line string swallowing the sections after it', () => {
    // the whole text still parses (the string ends at the `'''` in a later comment), into another value
    const text = "[a]\n  x = 1\n\n[b]\n  y = 2 # '''\n";
    const d = parseToml(text, 'ml.toml');
    const edit = replace(text, '1', "'''");
    assert.doesNotThrow(() => parse(applyEdits(text, [edit])));
    refused(d, [edit], cloneToml(d.value));
    refused(doc, [replace(V2, '"runc"', '"""nvidia"')], target);
  });

  it('a comment or a missing line break that turns the next header into text', () => {
    const text = '[a]\n  x = 1\n  [b]\n  y = 2\n';
    const d = parseToml(text, 'c.toml');
    const t = cloneToml(d.value);
    (t.a as TomlTable).x = 2;
    // the edit ends before the next header's indentation: its section alone is untouched
    refused(d, [replace(text, '1\n', '2 # two')], t);
    refused(d, [replace(text, '1\n', '2')], t);
  });

  it('a removed header, and a header removed with its table moved into the one above', () => {
    refused(doc, [...planned, replace(V2, '[grpc]\n', '')], target);
    refused(doc, [...planned, replace(V2, '[plugins."io.containerd.grpc.v1.cri".registry]\n', '')], target);
  });

  it('a dotted key that reaches a table an untouched header defines, and a root key turned into a header', () => {
    const t = cloneToml(target);
    (tableAt(t, 'plugins', 'io.containerd.grpc.v1.cri', 'cni') as TomlTable).x = 1;
    refused(
      doc,
      [...planned, replace(V2, 'max_concurrent_downloads', 'cni.x = 1\n    max_concurrent_downloads')],
      t,
    );
    const text = 'a = 1\n\n[b]\n  x = 1\n';
    const d = parseToml(text, 'r.toml');
    refused(d, [{ offset: text.length, length: 0, content: '\n[a]\n  y = 2\n' }], { a: 1, b: { x: 1 } });
  });
});

describe('what the fast path proves', () => {
  for (const name of ['CRLF', 'BOM', 'NO_FINAL_NEWLINE', 'ROOT_ONLY', 'EMPTY']) {
    it(`a new runtime and a changed value in ${name}`, () => {
      const doc = parseToml(FIXTURES[name] as string, 'f.toml');
      const target = cloneToml(doc.value);
      target.root = '/srv/containerd';
      target.extra = { runtimes: { nvidia: { runtime_type: 'io.containerd.runc.v2' } } };
      const edits = planToml(doc, target);
      assert.equal(proven(doc, edits, target), true);
      assert.ok(fullHolds(applyEdits(doc.text, edits), target));
    });
  }

  it('adding a runtime to a large config: two runs, the default runtime section and the last runtime section', () => {
    let text =
      'version = 2\n\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "runc"\n';
    for (let i = 0; i < 2000; i++)
      text += `\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.rt${i}]\n  runtime_type = "io.containerd.runc.v2"\n`;
    const doc = parseToml(text, 'big.toml');
    const target = cloneToml(doc.value);
    const c = tableAt(target, 'plugins', 'io.containerd.grpc.v1.cri', 'containerd');
    c.default_runtime_name = 'nvidia';
    (c.runtimes as TomlTable).nvidia = {
      runtime_type: 'io.containerd.runc.v2',
      options: { BinaryName: '/x' },
    };
    const edits = planToml(doc, target);
    assert.equal(proven(doc, edits, target), true);
  });
});
