import assert from 'node:assert/strict';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type GenerateOptions, generateSpec } from '../../src/cdi/generate';
import { HostError, UsageError } from '../../src/errors';
import { buildFixture, type Fixture, gpuList, MAJORS, uuidFor } from './fixture-tree';
import { CONTROL, fileMounts, HOOKS, names, node, nodesOf, RO, run, withFixture } from './spec-helpers';

describe('CDI generation: devices', () => {
  test('no GPU: HostError "no NVIDIA device nodes found", exit code 1, in both modes', async () => {
    await withFixture({ gpus: [] }, (f) => {
      for (const mode of ['gpu', 'management'] as const) {
        assert.throws(
          () => generateSpec({ driverRoot: f.driverRoot, procRoot: f.procRoot, mode }, f.fs),
          (e: unknown) =>
            e instanceof HostError &&
            e.exitCode === 1 &&
            e.message.startsWith('no NVIDIA device nodes found'),
        );
      }
    });
  });

  test('1 GPU: devices, nodes with real major/minor, driver mounts, hooks, cdiVersion 0.5.0', async () => {
    await withFixture({ gpus: gpuList(1) }, (f) => {
      const { spec, warnings } = run(f);
      assert.deepEqual(warnings, []);
      assert.equal(spec.cdiVersion, '0.5.0', 'digit-leading names need 0.5.0');
      assert.equal(spec.kind, 'nvidia.com/gpu');
      assert.deepEqual(names(spec), ['0', uuidFor(0), 'all']);
      for (const n of names(spec))
        assert.deepEqual(nodesOf(spec, n), [node('/dev/nvidia0', MAJORS.nvidia, 0)]);
      const common = spec.containerEdits!;
      assert.deepEqual(Object.keys(common), ['deviceNodes', 'mounts', 'hooks']);
      assert.deepEqual(common.deviceNodes, CONTROL);
      assert.deepEqual(
        common.mounts,
        fileMounts().map((p) => ({ hostPath: p, containerPath: p, options: RO })),
      );
      assert.deepEqual(common.hooks, HOOKS);
    });
  });

  test('8 GPUs: index follows PCI bus order, not the device minor', async () => {
    const gpus = gpuList(8).map((g, i) => ({ ...g, minor: 7 - i }));
    await withFixture({ gpus: [...gpus].reverse() }, (f) => {
      const { spec } = run(f, { deviceNameStrategy: 'index' });
      assert.deepEqual(names(spec), ['0', '1', '2', '3', '4', '5', '6', '7', 'all']);
      for (let i = 0; i < 8; i++)
        assert.deepEqual(nodesOf(spec, String(i)), [node(`/dev/nvidia${7 - i}`, MAJORS.nvidia, 7 - i)]);
      assert.equal(nodesOf(spec, 'all')!.length, 8);
      const uuids = run(f, { deviceNameStrategy: 'uuid' }).spec;
      assert.deepEqual(names(uuids), [...gpus.map((g) => g.uuid), 'all']);
    });
  });

  describe('2 GPUs with MIG enabled', () => {
    let f: Fixture;
    const mig = (i: number) => [
      { gi: 1, giMinor: 20 + i * 100, cis: [{ ci: 0, minor: 21 + i * 100 }] },
      {
        gi: 2,
        giMinor: 30 + i * 100,
        cis: [
          { ci: 0, minor: 31 + i * 100 },
          { ci: 1, minor: 32 + i * 100 },
        ],
      },
      { gi: 13, giMinor: 40 + i * 100, cis: [{ ci: 0, minor: 41 + i * 100 }] },
    ];
    before(async () => {
      f = await buildFixture({ gpus: gpuList(2, mig) });
    });
    after(async () => f.cleanup());

    test('each compute instance is a device <gpu>:<mig> with the GPU node and both capability nodes', () => {
      const { spec } = run(f, { deviceNameStrategy: 'index' });
      assert.deepEqual(names(spec), [
        '0',
        '0:0',
        '0:1',
        '0:2',
        '0:3',
        '1',
        '1:0',
        '1:1',
        '1:2',
        '1:3',
        'all',
      ]);
      assert.deepEqual(nodesOf(spec, '0:2'), [
        node('/dev/nvidia0', MAJORS.nvidia, 0),
        node('/dev/nvidia-caps/nvidia-cap30', MAJORS.caps, 30),
        node('/dev/nvidia-caps/nvidia-cap32', MAJORS.caps, 32),
      ]);
      assert.deepEqual(nodesOf(spec, '1:3'), [
        node('/dev/nvidia1', MAJORS.nvidia, 1),
        node('/dev/nvidia-caps/nvidia-cap140', MAJORS.caps, 140),
        node('/dev/nvidia-caps/nvidia-cap141', MAJORS.caps, 141),
      ]);
      const all = nodesOf(spec, 'all')!.map((n) => n.path);
      assert.equal(new Set(all).size, all.length, 'all lists each node once');
      assert.equal(all.length, 2 + 2 * 7);
      assert.ok(!all.includes('/dev/nvidia-caps/nvidia-cap1'), 'mig config/monitor caps are not GPU access');
    });

    test('MIG UUID names come from migUuids; without them uuid naming skips MIG devices with a warning', () => {
      const migUuids = new Map([['0:1', 'MIG-5c2b1f2e-7a55-5bd4-9d0e-93b8d8f31f4a']]);
      const both = run(f, { migUuids }).spec;
      assert.deepEqual(names(both).slice(0, 6), [
        '0',
        uuidFor(0),
        '0:0',
        '0:1',
        'MIG-5c2b1f2e-7a55-5bd4-9d0e-93b8d8f31f4a',
        '0:2',
      ]);
      assert.deepEqual(nodesOf(both, 'MIG-5c2b1f2e-7a55-5bd4-9d0e-93b8d8f31f4a'), nodesOf(both, '0:1'));
      const { spec, warnings } = run(f, { deviceNameStrategy: 'uuid', migUuids });
      assert.deepEqual(names(spec), [
        uuidFor(0),
        'MIG-5c2b1f2e-7a55-5bd4-9d0e-93b8d8f31f4a',
        uuidFor(1),
        'all',
      ]);
      assert.equal(warnings.filter((w) => /^MIG device \d:\d has no known UUID/.test(w)).length, 7);
    });

    test('a missing capability node skips that instance only; the others keep their names', () => {
      // Last test of this group: it changes the shared tree.
      unlinkSync(join(f.devRoot, 'dev/nvidia-caps/nvidia-cap31'));
      const { spec, warnings } = run(f, { deviceNameStrategy: 'index' });
      assert.deepEqual(names(spec).slice(0, 4), ['0', '0:0', '0:2', '0:3']);
      assert.ok(warnings.some((w) => w.startsWith('MIG device 0:1 (gi 2, ci 0)') && w.includes('skipped')));
    });
  });

  test('a GPU without its device node is skipped with a warning; the next keeps index 1', async () => {
    const gpus = gpuList(2).map((g, i) => (i === 0 ? { ...g, noNode: true } : g));
    await withFixture({ gpus }, (f) => {
      const { spec, warnings } = run(f, { deviceNameStrategy: 'index' });
      assert.deepEqual(names(spec), ['1', 'all']);
      assert.deepEqual(warnings, [
        `GPU 0 (0000:18:00.0): /dev/nvidia0 not found under ${f.devRoot}; skipped`,
      ]);
    });
  });

  test('a node whose major the driver no longer owns is flagged as stale', async () => {
    await withFixture({ gpus: gpuList(1) }, (f) => {
      writeFileSync(join(f.procRoot, 'devices'), 'Character devices:\n195 nvidia-frontend\n600 nvidia-uvm\n');
      const { warnings } = run(f);
      assert.equal(warnings.length, 2);
      assert.match(
        warnings[0]!,
        /dev\/nvidia-uvm has major 511 but nvidia-uvm is registered as 600 in \/proc\/devices \(stale node\?\)/,
      );
    });
  });

  test('gpu mode never injects IMEX channels implicitly', async () => {
    await withFixture({ gpus: gpuList(1), imexChannels: 1 }, (f) => {
      assert.ok(!JSON.stringify(run(f).spec).includes('imex'));
    });
  });

  test('bad options are usage errors (exit 2) before anything is read', async () => {
    await withFixture({ gpus: gpuList(1) }, (f) => {
      const bad: Partial<GenerateOptions>[] = [
        { vendor: '-nvidia.com' },
        { class: 'gpu/x' },
        { driverRoot: 'relative/root' },
        { nvidiaCdiHookPath: 'nvidia-cdi-hook' },
        { deviceNameStrategy: 'type-index' as 'index' },
        { mode: 'nvml' as 'gpu' },
      ];
      for (const extra of bad) {
        assert.throws(
          () => generateSpec({ driverRoot: f.driverRoot, procRoot: f.procRoot, ...extra }, f.fs),
          (e: unknown) => e instanceof UsageError && e.exitCode === 2,
          JSON.stringify(extra),
        );
      }
    });
  });
});
