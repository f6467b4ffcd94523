// restart.ts against real dockerd and containerd started by the test harness (the modes alone: restart.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitForEngine } from '../../src/host/engine-status';
import { restartEngine } from '../../src/host/restart';
import { findSocketOwner } from '../../src/host/socket-owner';
import { memoryLogger } from '../../src/log';
import {
  type ContainerdHandle,
  containerdConfig,
  containerdMatrix,
  criRuntimeTable,
  type DockerHandle,
  daemonJson,
  dockerMatrix,
  fakeSystemctl,
  makeHostRoot,
  startContainerd,
  startDockerd,
} from '../helpers/daemons';

// In CI a missing daemon fails here, before anything is created.
const dockers = dockerMatrix();
const containerds = containerdMatrix('chroot');

let tmp: string;
before(() => {
  tmp = mkdtempSync('/tmp/ctk-rd-');
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const warnings = (lines: string[]) => lines.filter((l) => l.includes('level=warning'));

for (const { label, engine, skip } of dockers)
  describe(label, { skip }, () => {
    let dkd: DockerHandle;
    before(async () => {
      dkd = await startDockerd({ engine });
    });
    after(async () => {
      await dkd?.stop();
    });

    test('socket owner = dockerd (= its pid file) and = the containerd it uses', async () => {
      assert.equal(await findSocketOwner(dkd.socket), dkd.pid);
      assert.equal(Number(readFileSync(dkd.pidFile, 'utf8')), dkd.pid);
      assert.equal(await findSocketOwner(dkd.containerd.socket), dkd.containerd.pid);
    });

    test('signal: dockerd reloads an edited daemon.json; the runtime is visible within 5 s, and gone again', async () => {
      const pid = dkd.pid;
      const nvidia = join(tmp, 'nvidia-container-runtime');
      writeFileSync(
        dkd.configPath,
        daemonJson(dkd.paths, { runtimes: { nvidia: { path: nvidia, runtimeArgs: [] } } }),
      );
      const logger = memoryLogger();
      const r = await restartEngine({
        engine: 'docker',
        mode: 'signal',
        socket: dkd.socket,
        hostRoot: '',
        logger,
      });
      assert.deepEqual(r, { mode: 'signal', pid });
      const seen = await waitForEngine({
        engine: 'docker',
        socket: dkd.socket,
        expect: { present: { nvidia } },
        timeoutMs: 5000,
        logger,
      });
      assert.ok(seen.elapsedMs < 5000);
      assert.equal(dkd.pid, pid, 'a reload, not a restart');
      assert.match(dkd.log(), /Reloaded configuration/);

      writeFileSync(dkd.configPath, daemonJson(dkd.paths, { runtimes: {} }));
      await restartEngine({ engine: 'docker', mode: 'signal', socket: dkd.socket, hostRoot: '', logger });
      await waitForEngine({
        engine: 'docker',
        socket: dkd.socket,
        expect: { absent: ['nvidia'], present: { runc: 'runc' } },
        timeoutMs: 5000,
        logger,
      });
    });
  });

for (const { label, engine, skip } of containerds)
  describe(label, { skip }, () => {
    test('signal: containerd exits on SIGHUP; under a supervisor it comes back with the new runtime', async () => {
      const ctd: ContainerdHandle = await startContainerd({ engine, supervise: { restartDelayMs: 100 } });
      try {
        const before = ctd.pid;
        writeFileSync(
          ctd.configPath,
          containerdConfig(ctd.paths, criRuntimeTable(engine, 'nvidia', '/usr/bin/nvidia-container-runtime')),
        );
        const logger = memoryLogger();
        const r = await restartEngine({
          engine: 'containerd',
          mode: 'signal',
          socket: ctd.socket,
          hostRoot: '',
          logger,
        });
        assert.equal(r.pid, before);
        assert.ok(warnings(logger.lines).some((l) => l.includes('containerd exits on SIGHUP')));
        await waitForEngine({
          engine: 'containerd',
          socket: ctd.socket,
          expect: { present: { nvidia: '/usr/bin/nvidia-container-runtime', runc: '' } },
          previousPid: before,
          timeoutMs: 10_000,
          logger,
        });
        assert.deepEqual(
          ctd.exits[0],
          { code: null, signal: 'SIGHUP' },
          'died of the signal (shell status 129)',
        );
        assert.notEqual(ctd.pid, before);
      } finally {
        await ctd.stop();
      }
    });

    test('systemd: a fake systemctl in a chroot host root restarts the test containerd', async () => {
      const host = makeHostRoot(
        join(tmp, `host-${engine.version}`),
        fakeSystemctl({ killPidFile: '/run/engine.pid' }),
      );
      const ctd = await startContainerd({
        engine,
        supervise: { restartDelayMs: 50 },
        pidFile: join(host.root, 'run/engine.pid'),
      });
      try {
        const before = ctd.pid;
        writeFileSync(
          ctd.configPath,
          containerdConfig(
            ctd.paths,
            criRuntimeTable(engine, 'nvidia-cdi', '/usr/bin/nvidia-container-runtime.cdi'),
          ),
        );
        const logger = memoryLogger();
        const r = await restartEngine({
          engine: 'containerd',
          mode: 'systemd',
          socket: ctd.socket,
          hostRoot: host.root,
          logger,
        });
        assert.deepEqual(r, { mode: 'systemd', unit: 'containerd' });
        assert.deepEqual(host.calls(), ['systemctl restart containerd']);
        await waitForEngine({
          engine: 'containerd',
          socket: ctd.socket,
          expect: { present: { 'nvidia-cdi': '/usr/bin/nvidia-container-runtime.cdi', runc: '' } },
          previousPid: before,
          timeoutMs: 10_000,
          logger,
        });
        assert.deepEqual(ctd.exits[0], { code: 0, signal: null }, 'stopped by SIGTERM');
      } finally {
        await ctd.stop();
      }
    });
  });
