import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { deepFreeze } from '../../src/edit/value';
import { containerdEngine } from '../../src/engines/containerd';
import { dockerEngine } from '../../src/engines/docker';
import { parseConfig } from '../../src/engines/document';
import { sha256 } from '../../src/engines/ledger';
import { claimsOf } from '../../src/engines/owners';
import { cloneTree, deleteIn, editableCopy, ensureTable, setIn, type Tree } from '../../src/engines/tree';

const F = '/etc/f';
const frozenTree = (): Tree =>
  deepFreeze({
    a: { b: { c: 1, d: [1, 2] }, e: { f: 'x' } },
    g: { h: true },
  });
const sub = (t: unknown, ...path: string[]): Tree => path.reduce((x, k) => (x as Tree)[k], t) as Tree;

test('editableCopy shares everything below the root; ensureTable copies only the path it walks', () => {
  const src = frozenTree();
  const t = editableCopy(src);
  assert.equal(t.a, src.a);
  ensureTable(t, ['a', 'b'], F).z = 2;
  assert.notEqual(t.a, src.a);
  assert.notEqual(sub(t, 'a', 'b'), sub(src, 'a', 'b'));
  assert.equal(sub(t, 'a', 'e'), sub(src, 'a', 'e'), 'a sibling off the path stays shared');
  assert.equal(t.g, src.g);
  assert.equal(sub(t, 'a', 'b').d, sub(src, 'a', 'b').d, 'values in a copied table stay shared');
  assert.deepEqual(src, frozenTree(), 'the source is untouched');
  assert.deepEqual(sub(t, 'a', 'b'), { c: 1, d: [1, 2], z: 2 });
});

test('a table the tree already copied is written in place by later calls', () => {
  const t = editableCopy(frozenTree());
  const first = ensureTable(t, ['a', 'b'], F);
  const again = ensureTable(t, ['a', 'b'], F);
  assert.equal(again, first);
  setIn(t, ['a', 'b', 'y'], 3, F);
  assert.equal(sub(t, 'a', 'b'), first);
  assert.equal(first.y, 3);
});

test('a table shared from another tree (even a mutable one) is copied before a write through this one', () => {
  const other: Tree = { x: { y: 1 } };
  const t: Tree = {};
  setIn(t, ['shared'], other.x, F);
  setIn(t, ['shared', 'z'], 2, F);
  assert.deepEqual(other, { x: { y: 1 } });
  assert.deepEqual(t, { shared: { y: 1, z: 2 } });
  // and ownership is per tree: what `t` copied is still copied again for a tree it is handed to
  const u: Tree = { borrowed: t.shared };
  ensureTable(u, ['borrowed'], F).w = 3;
  assert.deepEqual(t.shared, { y: 1, z: 2 });
});

test('tables created on the way are owned and written in place', () => {
  const t: Tree = {};
  const c = ensureTable(t, ['p', 'q'], F);
  c.k = 1;
  assert.equal(ensureTable(t, ['p', 'q'], F), c);
  assert.deepEqual(t, { p: { q: { k: 1 } } });
});

test('deleteIn copies the path, prunes emptied parents down to `keep`, and leaves the source alone', () => {
  const src = deepFreeze({ a: { b: { c: 1 } }, k: 1 } as Tree);
  const t = editableCopy(src);
  deleteIn(t, ['a', 'b', 'c'], { prune: true });
  assert.deepEqual(t, { k: 1 });
  assert.deepEqual(src, { a: { b: { c: 1 } }, k: 1 });
  const kept = editableCopy(src);
  deleteIn(kept, ['a', 'b', 'c'], { prune: true, keep: 1 });
  assert.deepEqual(kept, { a: {}, k: 1 });
  const plain = editableCopy(src);
  deleteIn(plain, ['a', 'b', 'c']);
  assert.deepEqual(plain, { a: { b: {} }, k: 1 });
});

test('deleteIn with a missing or non-table parent changes nothing and copies nothing', () => {
  const src = frozenTree();
  const t = editableCopy(src);
  deleteIn(t, ['a', 'nope', 'c'], { prune: true });
  deleteIn(t, ['a', 'b', 'c', 'deeper']);
  assert.equal(t.a, src.a);
});

test('a key missing only in the prototype chain is missing: ensureTable creates it instead of failing', () => {
  const t: Tree = {};
  ensureTable(t, ['constructor'], F).x = 1;
  assert.deepEqual(t, { constructor: { x: 1 } });
});

test('copies keep a parsed table without prototype, so `__proto__` stays an ordinary key', () => {
  const doc = parseConfig('toml', '[a]\n"__proto__" = 1\n[a.b]\nc = 2\n', F);
  const t = editableCopy(doc.tree);
  ensureTable(t, ['a', 'b'], F).d = 3;
  assert.equal(Object.getPrototypeOf(t), null);
  assert.equal(Object.getPrototypeOf(t.a), null);
  assert.equal(Object.hasOwn(t.a as Tree, '__proto__'), true);
  assert.equal(Object.getOwnPropertyDescriptor(t.a, '__proto__')?.value, 1);
});

test('deepFreeze freezes tables and arrays all the way down; parsed documents come frozen', () => {
  const t = frozenTree();
  assert.ok(Object.isFrozen(sub(t, 'a', 'b')));
  assert.ok(Object.isFrozen(sub(t, 'a', 'b').d));
  assert.equal(Reflect.set(sub(t, 'a', 'b'), 'c', 2), false);
  for (const [format, text] of [
    ['toml', '[a.b]\nc = [1]\n'],
    ['json', '{"a": {"b": {"c": [1]}}}'],
  ] as const) {
    const tree = parseConfig(format, text, F).tree;
    assert.ok(Object.isFrozen(sub(tree, 'a', 'b')), format);
    assert.ok(Object.isFrozen(sub(tree, 'a', 'b').c), format);
  }
});

test('cloneTree is a full copy: nothing below the root is shared', () => {
  const src = frozenTree();
  const c = cloneTree(src);
  assert.deepEqual(c, src);
  assert.notEqual(sub(c, 'a', 'b'), sub(src, 'a', 'b'));
  assert.notEqual(sub(c, 'a', 'b').d, sub(src, 'a', 'b').d);
  sub(c, 'a', 'b').c = 5;
  assert.equal(sub(src, 'a', 'b').c, 1);
});

test('containerd addRuntime on a parsed document: the document is untouched, other runtimes stay shared', () => {
  const P = 'io.containerd.grpc.v1.cri';
  const text = `version = 2\n[plugins."${P}".containerd]\ndefault_runtime_name = "runc"\n[plugins."${P}".containerd.runtimes.runc]\nruntime_type = "io.containerd.runc.v2"\n[plugins."${P}".containerd.runtimes.runc.options]\nBinaryName = "/usr/bin/runc"\nSystemdCgroup = true\n[plugins."${P}".containerd.runtimes.other]\nruntime_type = "x"\n`;
  const doc = parseConfig('toml', text, F);
  const before = JSON.stringify(doc.tree);
  const e = containerdEngine(
    2,
    { runtimeType: 'io.containerd.runc.v2', annotationPrefixes: ['cdi.k8s.io/'], useLegacyConfig: false },
    F,
  );
  const t = editableCopy(doc.tree);
  e.addRuntime(t, { name: 'nvidia', binary: '/nv', isDefault: true }, { source: doc.tree });
  e.setDefaultRuntime(t, 'nvidia');
  assert.equal(JSON.stringify(doc.tree), before);
  const runtimes = (tree: Tree) => sub(tree, 'plugins', P, 'containerd', 'runtimes');
  assert.equal(runtimes(t).runc, runtimes(doc.tree).runc);
  assert.equal(runtimes(t).other, runtimes(doc.tree).other);
  assert.deepEqual(runtimes(t).nvidia, {
    runtime_type: 'io.containerd.runc.v2',
    container_annotations: ['cdi.k8s.io/*'],
    options: { BinaryName: '/nv', SystemdCgroup: true },
  });
  assert.equal(sub(runtimes(doc.tree), 'runc', 'options').BinaryName, '/usr/bin/runc');
});

test('docker addRuntime updates an existing entry of a parsed (frozen) document through a copy', () => {
  const doc = parseConfig('json', '{"runtimes": {"nvidia": {"path": "/old", "runtimeArgs": ["-x"]}}}', F);
  const t = editableCopy(doc.tree);
  dockerEngine(F).addRuntime(t, { name: 'nvidia', binary: '/new', isDefault: false }, { source: doc.tree });
  assert.deepEqual(t.runtimes, { nvidia: { path: '/new', runtimeArgs: ['-x'] } });
  assert.equal(sub(doc.tree, 'runtimes', 'nvidia').path, '/old');
});

test('claimsOf merges trees without writing into them', () => {
  const a = deepFreeze({ p: { q: { x: 1 } } } as Tree);
  const b = deepFreeze({ p: { q: { y: 2 }, r: 3 } } as Tree);
  const claims = claimsOf(a, b);
  assert.deepEqual(
    claims.map((c) => [c.kind, c.path.join('.')]),
    [
      ['create', 'p'],
      ['create', 'p.q'],
      ['set', 'p.q.x'],
      ['set', 'p.q.y'],
      ['set', 'p.r'],
    ],
  );
  assert.deepEqual(a, { p: { q: { x: 1 } } });
});

test('sha256 stays right while its memo of recent texts fills and evicts', () => {
  const texts = ['a', 'b', 'c', 'd', 'a', null, 'e', 'b', 'x'.repeat(100_000), 'x'.repeat(100_000)];
  for (const t of texts) {
    assert.equal(
      sha256(t),
      createHash('sha256')
        .update(t ?? '')
        .digest('hex'),
    );
  }
});
