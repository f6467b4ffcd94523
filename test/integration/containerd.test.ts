/**
 * containerd setup/cleanup against each real containerd of the matrix (1.6, 1.7, 2.x with a version 3 file) on a
 * temp socket, restarted the way a node restarts it:
 * SIGHUP makes containerd exit and a supervisor (standing in for systemd's Restart=always) starts it again; or a
 * fake `systemctl` inside a chroot host root restarts the unit. The CRI status is the proof.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { criStatusRaw } from '../../src/host/cri-client';
import { criStatus } from '../../src/host/engine-status';
import { runCliAsync } from '../helpers/cli';
import {
  type ContainerdHandle,
  containerdMatrix,
  fakeSystemctl,
  makeHostRoot,
  startContainerd,
} from '../helpers/daemons';
import { fakeRuntimeDir } from './runtime-files';

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'ctk-it-ctd-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

async function expectHandlers(c: ContainerdHandle, dir: string): Promise<void> {
  const st = await criStatus(c.socket);
  const rts = st.runtimes ?? {};
  for (const [name, suffix] of [
    ['nvidia', ''],
    ['nvidia-cdi', '.cdi'],
    ['nvidia-legacy', '.legacy'],
  ] as const) {
    assert.equal(
      rts[name]?.options.BinaryName,
      `${dir}/nvidia-container-runtime${suffix}`,
      `${name} BinaryName`,
    );
    assert.equal(rts[name]?.runtimeType, 'io.containerd.runc.v2');
  }
  assert.ok(rts.runc, 'runc is still there');
  assert.equal(st.defaultRuntimeName, 'nvidia');
}

/** The CRI plugin's effective enable_cdi, as containerd reports it in its verbose CRI status. */
async function enableCdi(c: ContainerdHandle): Promise<unknown> {
  const raw = await criStatusRaw(c.socket, 5000);
  return (JSON.parse(raw.info.config ?? '{}') as { enableCDI?: unknown }).enableCDI;
}

async function expectNoNvidia(c: ContainerdHandle): Promise<void> {
  const st = await criStatus(c.socket);
  assert.deepEqual(
    Object.keys(st.runtimes ?? {}).filter((n) => n.startsWith('nvidia')),
    [],
  );
  assert.equal(st.defaultRuntimeName, 'runc');
  assert.ok(st.runtimes?.runc);
}

for (const { label, engine, skip } of containerdMatrix('chroot'))
  describe(label, { skip }, () => {
    for (const mode of ['in place', 'drop-in'] as const) {
      test(`signal restart, ${mode}: CRI lists the handlers and CDI on; cleanup gives back the bytes`, async () => {
        const c = await startContainerd({ engine, supervise: true });
        try {
          const rt = fakeRuntimeDir(join(work, `${engine.version}-sig-${mode}`));
          const original = readFileSync(c.configPath, 'utf8');
          const dropIn =
            mode === 'drop-in' ? ['--drop-in-config', join(c.dir, 'conf.d', '99-nvidia.toml')] : [];
          const args = [
            '--restart-mode',
            'signal',
            '--socket',
            c.socket,
            '--config',
            c.configPath,
            ...dropIn,
            '--enable-cdi-in-runtime',
            rt.dir,
          ];
          const cdiBefore = await enableCdi(c);
          const pid = c.pid;
          const setup = await runCliAsync(['containerd', 'setup', ...args]);
          assert.equal(setup.status, 0, setup.stderr);
          assert.notEqual(c.pid, pid, 'containerd was restarted');
          const exit = c.exits.at(-1);
          assert.ok(
            exit?.code === 129 || exit?.signal === 'SIGHUP',
            `containerd ended by SIGHUP: ${JSON.stringify(exit)}`,
          );
          await expectHandlers(c, rt.dir);
          // containerd 1.6 has no CDI support: it ignores enable_cdi and its CRI status has no enableCDI at all.
          assert.equal(await enableCdi(c), engine.version === '1.6' ? undefined : true, 'CRI enableCDI');
          const pid2 = c.pid;
          const again = await runCliAsync(['containerd', 'setup', ...args]);
          assert.equal(again.status, 0, again.stderr);
          assert.match(again.stderr, /unchanged; not restarting containerd/);
          assert.equal(c.pid, pid2, 'no restart when nothing changed');
          const cleanup = await runCliAsync(['containerd', 'cleanup', ...args]);
          assert.equal(cleanup.status, 0, cleanup.stderr);
          await expectNoNvidia(c);
          assert.equal(await enableCdi(c), cdiBefore, 'CDI as before');
          assert.equal(readFileSync(c.configPath, 'utf8'), original);
        } finally {
          await c.stop();
        }
      });
    }

    test('systemd restart through chroot HOST_ROOT systemctl (fake) with a custom unit', async () => {
      const hostRoot = join(work, `${engine.version}-host`);
      mkdirSync(join(hostRoot, 'run'), { recursive: true });
      const host = makeHostRoot(hostRoot, fakeSystemctl({ killPidFile: '/run/containerd.pid' }));
      const c = await startContainerd({
        engine,
        supervise: true,
        pidFile: join(hostRoot, 'run', 'containerd.pid'),
      });
      try {
        const rt = fakeRuntimeDir(join(work, `${engine.version}-sysd`));
        const args = [
          '--restart-mode',
          'systemd',
          '--restart-unit',
          'k3s-agent',
          '--socket',
          c.socket,
          '--config',
          c.configPath,
          rt.dir,
        ];
        const setup = await runCliAsync(['containerd', 'setup', ...args], {
          env: { HOST_ROOT_MOUNT: hostRoot },
        });
        assert.equal(setup.status, 0, setup.stderr);
        assert.deepEqual(host.calls(), ['systemctl restart k3s-agent']);
        await expectHandlers(c, rt.dir);
        const cleanup = await runCliAsync(['containerd', 'cleanup', ...args, '--host-root', hostRoot]);
        assert.equal(cleanup.status, 0, cleanup.stderr);
        await expectNoNvidia(c);
      } finally {
        await c.stop();
      }
    });

    test('systemctl that prints "Running in chroot, ignoring request" is a failure', async () => {
      const hostRoot = join(work, `${engine.version}-host-noop`);
      makeHostRoot(hostRoot, fakeSystemctl({ stdout: 'Running in chroot, ignoring request.' }));
      const c = await startContainerd({ engine });
      try {
        const rt = fakeRuntimeDir(join(work, `${engine.version}-noop`));
        const r = await runCliAsync([
          'containerd',
          'setup',
          '--restart-mode',
          'systemd',
          '--host-root',
          hostRoot,
          '--socket',
          c.socket,
          '--config',
          c.configPath,
          rt.dir,
        ]);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /Running in chroot, ignoring request/);
      } finally {
        await c.stop();
      }
    });
  });
