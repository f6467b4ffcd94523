import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TomlDate } from 'smol-toml';
import { valueEquals } from '../../src/edit/value';
import { decodeValue, diffTrees, encodeValue, revertChanges } from '../../src/engines/changes';
import { cloneTree, type Tree } from '../../src/engines/tree';

test('diff then revert on the untouched result gives the original tree', () => {
  const before: Tree = {
    version: 2,
    imports: ['/a/*.toml'],
    plugins: { cri: { containerd: { default_runtime_name: 'runc', runtimes: { runc: { x: 1 } } } } },
  };
  const after = cloneTree(before);
  (after.imports as string[]).push('/etc/containerd/conf.d/99-nvidia.toml');
  const c = ((after.plugins as Tree).cri as Tree).containerd as Tree;
  c.default_runtime_name = 'nvidia';
  (c.runtimes as Tree).nvidia = { options: { BinaryName: '/x' } };
  after.features = { cdi: true };
  const changes = diffTrees(before, after);
  const { tree, conflicts } = revertChanges(cloneTree(after), changes, 'f');
  assert.deepEqual(conflicts, []);
  assert.ok(valueEquals(tree, before));
});

test('a value someone changed after setup is left alone and reported', () => {
  const before: Tree = { d: 'runc' };
  const after: Tree = { d: 'nvidia', r: { nvidia: { p: '/x' } } };
  const changes = diffTrees(before, after);
  const current: Tree = { d: 'crun', r: { nvidia: { p: '/x' }, mine: { p: '/y' } } };
  const { tree, conflicts } = revertChanges(current, changes, 'f');
  assert.deepEqual(conflicts, ['d']);
  assert.deepEqual(tree, { d: 'crun', r: { mine: { p: '/y' } } });
});

test('an import someone else appended after ours survives cleanup', () => {
  const changes = diffTrees({ imports: ['/a'] }, { imports: ['/a', '/ours'] });
  const { tree } = revertChanges({ imports: ['/a', '/ours', '/theirs'] }, changes, 'f');
  assert.deepEqual(tree, { imports: ['/a', '/theirs'] });
});

test('ledger encoding keeps big integers and dates exact', () => {
  const v = {
    n: 12345678901234567890n,
    d: new TomlDate('2026-01-02T03:04:05.000Z'),
    l: new TomlDate('07:32:00'),
    a: [1n, 'x'],
  };
  const back = decodeValue(JSON.parse(JSON.stringify(encodeValue(v))));
  assert.ok(valueEquals(back, v));
});

test('property: revert(after, diff(before, after)) equals before for random trees', () => {
  const leaf = fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean());
  const tree = fc.letrec((tie) => ({
    t: fc.dictionary(
      fc.constantFrom('a', 'b', 'c', 'd'),
      fc.oneof({ depthSize: 'small' }, leaf, fc.array(leaf, { maxLength: 3 }), tie('t')),
    ),
  })).t as fc.Arbitrary<Tree>;
  fc.assert(
    fc.property(tree, tree, (before, after) => {
      const { tree: back, conflicts } = revertChanges(cloneTree(after), diffTrees(before, after), 'f');
      return conflicts.length === 0 && valueEquals(back, before);
    }),
    { seed: 7, numRuns: 500 },
  );
});
