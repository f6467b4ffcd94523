import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { findBinary, inCI } from '../helpers/binaries';
import { gpuList, LIB_DIR, MAJORS, uuidFor, VERSION } from './fixture-tree';
import { CONTROL, fileMounts, HOOKS, names, node, nodesOf, RO, run, withFixture } from './spec-helpers';

describe('CDI generation: driver files and roots', () => {
  test('driver root under /run/nvidia/driver: every host path is rewritten, container paths are not', async () => {
    await withFixture(
      { gpus: gpuList(1), driverRootPath: '/run/nvidia/driver', ldCache: 'new', absoluteLinks: true },
      (f) => {
        const { spec, warnings } = run(f, { hostDriverRoot: '/run/nvidia/driver' });
        assert.deepEqual(warnings, []);
        assert.equal(spec.cdiVersion, '0.5.0');
        assert.deepEqual(nodesOf(spec, '0'), [
          node('/dev/nvidia0', MAJORS.nvidia, 0, '/run/nvidia/driver/dev/nvidia0'),
        ]);
        assert.deepEqual(
          spec.containerEdits!.deviceNodes!.map((n) => n.hostPath),
          CONTROL.map((n) => `/run/nvidia/driver${n.path}`),
        );
        assert.deepEqual(
          spec.containerEdits!.mounts,
          fileMounts().map((p) => ({ hostPath: `/run/nvidia/driver${p}`, containerPath: p, options: RO })),
        );
        assert.deepEqual(spec.containerEdits!.hooks, HOOKS);
        const text = JSON.stringify(spec);
        assert.ok(!text.includes(f.base), 'no path of the discovery side leaks into the spec');
      },
    );
  });

  test('container-side driver root with its own dev root: each root is rewritten to its host path', async () => {
    await withFixture({ gpus: gpuList(1) }, (f) => {
      const { spec } = run(f, { devRoot: f.devRoot, hostDriverRoot: '/run/nvidia/driver', hostDevRoot: '/' });
      assert.deepEqual(nodesOf(spec, '0'), [node('/dev/nvidia0', MAJORS.nvidia, 0)]);
      assert.equal(
        spec.containerEdits!.mounts![0]!.hostPath,
        `/run/nvidia/driver${LIB_DIR}/libcuda.so.${VERSION}`,
      );
      // Default: the dev root follows the driver root.
      const follow = run(f, { hostDriverRoot: '/run/nvidia/driver' }).spec;
      assert.equal(nodesOf(follow, '0')![0]!.hostPath, '/run/nvidia/driver/dev/nvidia0');
    });
  });

  test('a missing library is skipped with a warning; the spec stays valid', async () => {
    await withFixture({ gpus: gpuList(1), omitLibs: ['libnvidia-ml'] }, (f) => {
      const { spec, warnings } = run(f);
      assert.deepEqual(warnings, [
        `driver library libnvidia-ml.so.${VERSION} not found under ${f.driverRoot}${LIB_DIR}; skipped`,
      ]);
      assert.deepEqual(
        spec.containerEdits!.mounts!.map((m) => m.containerPath),
        fileMounts(['libnvidia-ml']),
      );
      assert.deepEqual(spec.containerEdits!.hooks, HOOKS);
    });
  });

  test('without libcuda: no libraries and no library hooks, a warning, devices still generated', async () => {
    await withFixture({ gpus: gpuList(1), omitLibs: ['libcuda'] }, (f) => {
      rmSync(join(f.driverRoot, LIB_DIR, 'libcuda.so.535.104.05'));
      const { spec, warnings } = run(f);
      assert.ok(warnings.some((w) => w.startsWith(`libcuda.so.${VERSION} not found under`)));
      assert.deepEqual(names(spec), ['0', uuidFor(0), 'all']);
      assert.equal(spec.containerEdits!.hooks, undefined);
      assert.ok(spec.containerEdits!.mounts!.every((m) => !m.containerPath.endsWith('.so.550.54.15')));
    });
  });

  for (const ldCache of ['new', 'old', 'compat'] as const) {
    test(`ld.so.cache (${ldCache} layout) finds the same libraries as the directory scan`, async () => {
      await withFixture({ gpus: gpuList(1), ldCache, absoluteLinks: true }, (f) => {
        const { spec, warnings } = run(f);
        assert.deepEqual(warnings, []);
        assert.deepEqual(
          spec.containerEdits!.mounts!.map((m) => m.containerPath),
          fileMounts(),
        );
      });
    });
  }

  test('a corrupt ld.so.cache is reported and discovery falls back to scanning', async () => {
    await withFixture({ gpus: gpuList(1) }, (f) => {
      mkdirSync(join(f.driverRoot, 'etc'));
      writeFileSync(join(f.driverRoot, 'etc/ld.so.cache'), 'glibc-ld.so.cache1.1 and then garbage');
      const { spec, warnings } = run(f);
      assert.equal(warnings.length, 1);
      assert.match(
        warnings[0]!,
        /ld\.so\.cache: (truncated header|.*entries do not fit).*scanning library directories instead/,
      );
      assert.deepEqual(
        spec.containerEdits!.mounts!.map((m) => m.containerPath),
        fileMounts(),
      );
    });
  });

  test('without the kernel module version, the newest libcuda decides (not a leftover 535)', async () => {
    await withFixture({ gpus: gpuList(1), procVersion: false }, (f) => {
      const { spec } = run(f);
      assert.ok(
        spec.containerEdits!.mounts!.some((m) => m.containerPath === `${LIB_DIR}/libcuda.so.${VERSION}`),
      );
      assert.ok(!spec.containerEdits!.mounts!.some((m) => m.containerPath.includes('535')));
    });
  });
});

describe('driver root whose ld.so.cache was written by the real ldconfig', () => {
  const ldconfig =
    findBinary('ldconfig') ?? ['/sbin/ldconfig', '/usr/sbin/ldconfig'].find((p) => existsSync(p));
  // A real ELF library whose SONAME has the length of `libcuda.so.1`, so it can be renamed in place.
  const zstd = [
    '/usr/lib/x86_64-linux-gnu/libzstd.so.1',
    '/usr/lib/aarch64-linux-gnu/libzstd.so.1',
    '/usr/lib64/libzstd.so.1',
  ]
    .filter((p) => existsSync(p))
    .map((p) => realpathSync(p))[0];
  const skip = ldconfig && zstd ? undefined : inCI() ? undefined : 'needs ldconfig and libzstd';

  test('libraries outside the scanned directories are found through the cache', { skip }, async () => {
    await withFixture({ gpus: gpuList(1), omitLibs: ['libcuda'] }, (f) => {
      rmSync(join(f.driverRoot, LIB_DIR, 'libcuda.so.535.104.05'));
      const dir = join(f.driverRoot, 'opt/nvidia/lib');
      mkdirSync(dir, { recursive: true });
      const elf = readFileSync(zstd!);
      const at = elf.indexOf('libzstd.so.1\0');
      assert.ok(at > 0);
      elf.write('libcuda.so.1', at, 'latin1');
      writeFileSync(join(dir, `libcuda.so.${VERSION}`), elf);
      writeFileSync(join(dir, `libnvidia-ml.so.${VERSION}`), 'not elf, found beside libcuda');
      mkdirSync(join(f.driverRoot, 'etc'));
      writeFileSync(join(f.driverRoot, 'etc/ld.so.conf'), '/opt/nvidia/lib\n');
      const r = spawnSync(ldconfig!, ['-r', f.driverRoot], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const { spec, warnings } = run(f);
      assert.deepEqual(warnings, [
        `driver library libnvidia-ptxjitcompiler.so.${VERSION} not found under ${f.driverRoot}/opt/nvidia/lib; skipped`,
      ]);
      const libs = spec.containerEdits!.mounts!.map((m) => m.containerPath).filter((p) => p.includes('.so.'));
      assert.deepEqual(libs, [
        `/opt/nvidia/lib/libcuda.so.${VERSION}`,
        `/opt/nvidia/lib/libnvidia-ml.so.${VERSION}`,
      ]);
      assert.deepEqual(
        spec.containerEdits!.hooks!.map((h) => h.args),
        [
          ['nvidia-cdi-hook', 'create-symlinks', '--link', 'libcuda.so.1::/opt/nvidia/lib/libcuda.so'],
          ['nvidia-cdi-hook', 'update-ldcache', '--folder', '/opt/nvidia/lib'],
        ],
      );
    });
  });
});
