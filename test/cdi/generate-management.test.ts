import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gpuList, LIB_DIR } from './fixture-tree';
import { fileMounts, names, nodesOf, run, withFixture } from './spec-helpers';

describe('CDI generation: management spec for the toolkit installer', () => {
  test('management mode: one `all` device with every NVIDIA node, NVIDIA_VISIBLE_DEVICES=void, minimum 0.3.0', async () => {
    await withFixture(
      {
        gpus: gpuList(2, (i) =>
          i === 0 ? [{ gi: 1, giMinor: 20, cis: [{ ci: 0, minor: 21 }] }] : undefined,
        ),
        imexChannels: 2,
        persistencedSocket: true,
      },
      (f) => {
        const { spec, warnings } = run(f, {
          mode: 'management',
          vendor: 'management.nvidia.com',
          nvidiaCdiHookPath: '/usr/local/nvidia/toolkit/nvidia-cdi-hook',
          ldconfigPath: '/run/nvidia/driver/sbin/ldconfig',
        });
        assert.deepEqual(warnings, []);
        assert.equal(spec.kind, 'management.nvidia.com/gpu');
        assert.equal(spec.cdiVersion, '0.3.0', 'no digit names and no hostPath: nothing newer is needed');
        assert.deepEqual(names(spec), ['all']);
        assert.deepEqual(
          nodesOf(spec, 'all')!.map((n) => `${n.path} ${n.major}:${n.minor}`),
          [
            '/dev/nvidia0 195:0',
            '/dev/nvidia1 195:1',
            '/dev/nvidia-modeset 195:254',
            '/dev/nvidia-uvm 511:0',
            '/dev/nvidia-uvm-tools 511:1',
            '/dev/nvidiactl 195:255',
            '/dev/nvidia-caps/nvidia-cap1 508:1',
            '/dev/nvidia-caps/nvidia-cap2 508:2',
            '/dev/nvidia-caps/nvidia-cap20 508:20',
            '/dev/nvidia-caps/nvidia-cap21 508:21',
            '/dev/nvidia-caps-imex-channels/channel0 509:0',
            '/dev/nvidia-caps-imex-channels/channel1 509:1',
          ],
        );
        const common = spec.containerEdits!;
        assert.deepEqual(common.env, ['NVIDIA_VISIBLE_DEVICES=void']);
        assert.equal(common.deviceNodes, undefined);
        assert.deepEqual(
          common.mounts!.map((m) => m.containerPath),
          [...fileMounts(), '/run/nvidia-persistenced/socket'],
        );
        assert.deepEqual(
          common.hooks!.map((h) => [h.path, ...(h.args ?? [])]),
          [
            [
              '/usr/local/nvidia/toolkit/nvidia-cdi-hook',
              'nvidia-cdi-hook',
              'create-symlinks',
              '--link',
              `libcuda.so.1::${LIB_DIR}/libcuda.so`,
            ],
            [
              '/usr/local/nvidia/toolkit/nvidia-cdi-hook',
              'nvidia-cdi-hook',
              'update-ldcache',
              '--ldconfig-path',
              '/run/nvidia/driver/sbin/ldconfig',
              '--folder',
              LIB_DIR,
            ],
          ],
        );
      },
    );
  });
});
