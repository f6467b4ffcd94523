/**
 * CDI end to end on dockerd 28 (CDI on by default there): `ctk-installer cdi generate` on a fake GPU host (device
 * nodes made with mknod in a temp dev root, fake driver files), dockerd with `--cdi-spec-dir` at the output, and
 * `docker run --device nvidia.com/gpu=…` in a busybox image: what the container sees is what the spec says.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { buildFixture, type Fixture, gpuList, LIB_DIR, VERSION } from '../cdi/fixture-tree';
import { runCliAsync } from '../helpers/cli';
import {
  buildBusyboxImage,
  busyboxStatic,
  DOCKER_28,
  type DockerHandle,
  daemonJson,
  dockerMatrix,
  inCI,
  startDockerd,
} from '../helpers/daemons';

interface SpecDevice {
  name: string;
  containerEdits: { deviceNodes?: { path: string; major: number; minor: number }[] };
}

const docker28 = dockerMatrix('tar', 'mknod').find((m) => m.engine === DOCKER_28);
const busybox = busyboxStatic();
if (busybox === undefined && inCI())
  throw new Error('busybox-static is missing: run scripts/fetch-engines.sh');
const skip = docker28?.skip ?? (busybox === undefined ? 'busybox-static not fetched' : undefined);

describe('CDI end to end on dockerd 28', { skip }, () => {
  let work: string;
  let fixture: Fixture;
  let d: DockerHandle;
  let image: string;
  let specDir: string;
  let devices: SpecDevice[];
  let hookCalls: string;

  before(async () => {
    work = mkdtempSync('/tmp/ctk-cdi-e2e-');
    fixture = await buildFixture({ gpus: gpuList(2) });
    // The spec's createContainer hooks run on the host: a stand-in that records its arguments.
    const hook = join(work, 'nvidia-cdi-hook');
    hookCalls = join(work, 'hook.calls');
    writeFileSync(hook, `#!/bin/sh\necho "$*" >>'${hookCalls}'\ncat >/dev/null\n`);
    chmodSync(hook, 0o755);
    specDir = join(work, 'cdi');
    mkdirSync(specDir);
    const gen = await runCliAsync([
      'cdi',
      'generate',
      '--driver-root',
      fixture.driverRoot,
      '--proc-root',
      fixture.procRoot,
      '--nvidia-cdi-hook-path',
      hook,
      '--output',
      join(specDir, 'nvidia.yaml'),
    ]);
    assert.equal(gen.status, 0, gen.stderr);
    devices = parse(readFileSync(join(specDir, 'nvidia.yaml'), 'utf8')).devices;
    d = await startDockerd({
      engine: DOCKER_28,
      config: (p) => daemonJson(p),
      args: ['--cdi-spec-dir', specDir],
    });
    image = await buildBusyboxImage(d, busybox as string);
  });
  after(async () => {
    await d?.stop();
    await fixture?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** `docker run --device nvidia.com/gpu=NAME` printing every /dev/nvidia* node as "path major:minor". */
  const runWith = (name: string) =>
    d.docker([
      ...['run', '--rm', '--network', 'none', '--device', `nvidia.com/gpu=${name}`, image],
      ...['/bin/busybox', 'sh', '-c'],
      [
        'for n in /dev/nvidia*; do /bin/busybox stat -c "%n %t:%T %F" "$n"; done',
        `/bin/busybox cat ${LIB_DIR}/libcuda.so.${VERSION}`,
      ].join('; '),
    ]);

  /** What the spec promises for device NAME plus the spec-wide nodes, in the stat format above (hex numbers). */
  const expectedNodes = (name: string, specText: string): string[] => {
    const spec = parse(specText);
    const nodes = [
      ...(devices.find((x) => x.name === name)?.containerEdits.deviceNodes ?? []),
      ...(spec.containerEdits.deviceNodes ?? []),
    ];
    return nodes
      .map(
        (n: { path: string; major: number; minor: number }) =>
          `${n.path} ${n.major.toString(16)}:${n.minor.toString(16)} character special file`,
      )
      .sort();
  };

  for (const name of ['all', '0']) {
    test(`--device nvidia.com/gpu=${name}: the container has the spec's device nodes and mounts`, async () => {
      const r = await runWith(name);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      const nodes = lines.filter((l) => l.startsWith('/dev/')).sort();
      assert.deepEqual(nodes, expectedNodes(name, readFileSync(join(specDir, 'nvidia.yaml'), 'utf8')));
      if (name === '0') assert.ok(!nodes.some((l) => l.startsWith('/dev/nvidia1 ')), 'only GPU 0');
      assert.equal(lines.at(-1), `fake libcuda.so.${VERSION}`, 'the driver library is mounted');
      assert.match(readFileSync(hookCalls, 'utf8'), /create-symlinks --link libcuda\.so\.1::/);
    });
  }

  test('an unknown device name is refused with a CDI error', async () => {
    const r = await runWith('99');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unresolvable CDI devices nvidia\.com\/gpu=99/);
  });
});
