/**
 * docker setup/cleanup against each real dockerd of the matrix (20.10; 28 on containerd 1.7) on a temp socket:
 * SIGHUP reload, `docker info`, a container really run through the configured runtime, and the previous default runtime back after cleanup.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dockerInfo } from '../../src/host/engine-status';
import { mtimeNs, runCliAsync } from '../helpers/cli';
import {
  buildHelloImage,
  type DockerHandle,
  daemonJson,
  dockerMatrix,
  startDockerd,
} from '../helpers/daemons';
import { fakeRuntimeDir } from './runtime-files';

for (const { label, engine, skip } of dockerMatrix('gcc', 'tar'))
  describe(label, { skip }, () => {
    let d: DockerHandle;
    let work: string;
    let original: string;
    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'ctk-it-docker-'));
      d = await startDockerd({
        engine,
        config: (p) =>
          daemonJson(p, { runtimes: { myrunc: { path: '/usr/bin/runc' } }, 'default-runtime': 'myrunc' }),
      });
      original = readFileSync(d.configPath, 'utf8');
    });
    after(async () => {
      await d?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    const reloads = () => (d.log().match(/Got signal to reload configuration/g) ?? []).length;

    test('setup: dockerd lists the runtimes, runs a container through nvidia; setup again changes nothing; cleanup restores', async () => {
      const rt = fakeRuntimeDir(work);
      const args = ['--restart-mode', 'signal', '--socket', d.socket, '--config', d.configPath, rt.dir];
      const t0 = Date.now();
      const setup = await runCliAsync(['docker', 'setup', ...args]);
      assert.equal(setup.status, 0, setup.stderr);
      assert.ok(Date.now() - t0 < 5000, 'visible within 5 s');
      const info = await dockerInfo(d.socket);
      for (const [name, bin] of [
        ['nvidia', ''],
        ['nvidia-cdi', '.cdi'],
        ['nvidia-legacy', '.legacy'],
      ] as const) {
        assert.equal(info.runtimes[name]?.path, `${rt.dir}/nvidia-container-runtime${bin}`);
      }
      assert.equal(info.defaultRuntime, 'nvidia');
      assert.match(setup.stderr, /docker shows the change/);

      const image = await buildHelloImage(d);
      const run = await d.docker([
        'run',
        '--rm',
        '--network',
        'none',
        '--runtime',
        'nvidia',
        image,
        '/bin/hello',
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), 'hello');
      assert.match(readFileSync(rt.callsFile, 'utf8'), /^nvidia-container-runtime .*create/m);

      const pid = d.pid;
      const m = mtimeNs(d.configPath);
      const before = reloads();
      const again = await runCliAsync(['docker', 'setup', ...args]);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stderr, /unchanged; not restarting docker/);
      assert.equal(mtimeNs(d.configPath), m, 'daemon.json not rewritten');
      assert.equal(reloads(), before, 'no SIGHUP sent');
      assert.equal(d.pid, pid);

      const cleanup = await runCliAsync(['docker', 'cleanup', ...args]);
      assert.equal(cleanup.status, 0, cleanup.stderr);
      const gone = await dockerInfo(d.socket);
      assert.deepEqual(
        Object.keys(gone.runtimes).filter((n) => n.startsWith('nvidia')),
        [],
      );
      assert.equal(gone.defaultRuntime, 'myrunc', 'the previous default runtime is the default again');
      assert.equal(readFileSync(d.configPath, 'utf8'), original, 'original bytes back');
      assert.equal(existsSync(join(d.dir, '.ctk-installer')), false);
    });

    test('cleanup of a file that never named runtimes still removes them from the running daemon', async () => {
      const dd = await startDockerd({ engine });
      try {
        const rt = fakeRuntimeDir(mkdtempSync(join(tmpdir(), 'ctk-it-docker2-')));
        const before = readFileSync(dd.configPath, 'utf8');
        const args = ['--restart-mode', 'signal', '--socket', dd.socket, '--config', dd.configPath, rt.dir];
        assert.equal((await runCliAsync(['docker', 'setup', ...args])).status, 0);
        assert.equal((await dockerInfo(dd.socket)).defaultRuntime, 'nvidia');
        const c = await runCliAsync(['docker', 'cleanup', ...args]);
        assert.equal(c.status, 0, c.stderr);
        const info = await dockerInfo(dd.socket);
        assert.deepEqual(
          Object.keys(info.runtimes).filter((n) => n.startsWith('nvidia')),
          [],
        );
        assert.equal(info.defaultRuntime, 'runc');
        assert.equal(readFileSync(dd.configPath, 'utf8'), before);
      } finally {
        await dd.stop();
      }
    });
  });
