// The image as a DaemonSet runs it, without a registry: a rootfs with node, the CLI bundle linked as
// `nvidia-toolkit`, and toolkit artifacts is imported into a REAL test dockerd; `nvidia-toolkit --no-daemon
// -r docker` then runs in a privileged host-PID container with the "host" directories mounted as the
// manifests mount them, configures the very dockerd that runs it (signal mode), and a daemon-mode container
// stopped with `docker stop` undoes it, giving back the original daemon.json bytes.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dockerInfo } from '../../src/host/engine-status';
import { type DockerHandle, daemonJson, dockerMatrix, startDockerd } from '../helpers/daemons';
import { buildCliBundle } from '../helpers/orchestrator';
import { makeArtifacts } from '../toolkit/fixture';
import { buildRootfs, importRootfs } from './image-rootfs';

const TAG = 'ctk-installer:test';
const TOOLKIT = '/usr/local/nvidia/toolkit';

for (const { label, engine, skip } of dockerMatrix('tar', 'ldd', 'flock'))
  describe(`nvidia-toolkit in a real container on ${label} (docker import, no registry)`, { skip }, () => {
    let tmp: string;
    let dkd: DockerHandle;
    let original: string;
    let host: string;

    before(async () => {
      tmp = mkdtempSync('/tmp/ctk-img-');
      dkd = await startDockerd({ engine, config: (p) => daemonJson(p, { 'log-level': 'info' }) });
      original = readFileSync(dkd.configPath, 'utf8');
      const bundle = buildCliBundle(join(tmp, 'bin'), 'ctk-installer.cjs');
      const rootfs = buildRootfs(join(tmp, 'rootfs'), bundle, makeArtifacts(join(tmp, 'artifacts')));
      await importRootfs(engine.cli, dkd.socket, join(dkd.dir, 'cli'), rootfs, TAG);
      host = join(tmp, 'host');
      for (const d of ['usr/local/nvidia', 'run/nvidia']) mkdirSync(join(host, d), { recursive: true });
    });
    after(async () => {
      await dkd?.stop();
      rmSync(tmp, { recursive: true, force: true });
    });

    /**
     * `docker run` options of the DaemonSet: host PID, host dirs at the manifest's paths, and every capability
     * (the manifest's `privileged`); root on this machine lacks CAP_SYS_RESOURCE, which --privileged would ask
     * for, so docker 20.10 is told to drop it (not needed: the PID lookup through /proc/<pid>/root needs
     * CAP_SYS_PTRACE). docker 28's ALL is only what the environment has, and it refuses to drop a missing one.
     */
    const runOpts = (name: string) => [
      ...['--name', name, '--cap-add', 'ALL', '--security-opt', 'seccomp=unconfined'],
      ...(engine.version === '20.10' ? ['--cap-drop', 'SYS_RESOURCE'] : []),
      ...['--pid', 'host', '--network', 'none', '--ulimit', 'nofile=1024:1024'],
      ...[
        '-v',
        `${join(host, 'usr/local/nvidia')}:/usr/local/nvidia`,
        '-v',
        `${join(host, 'run/nvidia')}:/run/nvidia`,
      ],
      ...['-v', `${dkd.dir}:/runtime/config-dir`],
      ...[
        '-e',
        'DOCKER_CONFIG=/runtime/config-dir/daemon.json',
        '-e',
        'DOCKER_SOCKET=/runtime/config-dir/docker.sock',
      ],
      ...['-e', 'RUNTIME_RESTART_INTERVAL_MS=200', '-e', 'TOOLKIT_READY_FILE=/run/ctk-installer/ready'],
    ];

    test('--no-daemon -r docker writes daemon.json and the toolkit tree on the host, and dockerd lists the runtimes', async () => {
      const r = await dkd.docker(
        ['run', '--rm', ...runOpts('once'), TAG, 'nvidia-toolkit', '--no-daemon', '-r', 'docker'],
        { timeoutMs: 60_000 },
      );
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /Setup complete; exiting \(--no-daemon\)/);

      const cfg = JSON.parse(readFileSync(dkd.configPath, 'utf8')) as Record<string, unknown>;
      assert.equal(cfg['default-runtime'], 'nvidia');
      assert.deepEqual(cfg.runtimes, {
        nvidia: { path: `${TOOLKIT}/nvidia-container-runtime`, args: [] },
        'nvidia-cdi': { path: `${TOOLKIT}/nvidia-container-runtime.cdi`, args: [] },
        'nvidia-legacy': { path: `${TOOLKIT}/nvidia-container-runtime.legacy`, args: [] },
      });
      assert.equal(cfg['log-level'], 'info', 'the user keys stay');
      const info = await dockerInfo(dkd.socket);
      assert.equal(info.runtimes.nvidia?.path, `${TOOLKIT}/nvidia-container-runtime`);
      assert.equal(info.defaultRuntime, 'nvidia');

      const tree = join(host, 'usr/local/nvidia/toolkit');
      assert.ok(lstatSync(tree).isSymbolicLink(), 'the toolkit path is the atomic-swap link');
      for (const f of [
        'nvidia-container-runtime',
        'nvidia-container-runtime.cdi',
        'nvidia-ctk',
        'nvidia-container-cli',
      ]) {
        assert.ok(existsSync(join(tree, f)), `${f} installed`);
      }
      const toolkitConfig = readFileSync(join(tree, '.config/nvidia-container-runtime/config.toml'), 'utf8');
      assert.match(toolkitConfig, new RegExp(`path = "${TOOLKIT}/nvidia-container-cli"`));
      assert.ok(!existsSync(join(host, 'run/nvidia/toolkit/toolkit.pid')), 'pid file removed');
    });

    test('as a DaemonSet pod: a restart on the configured node reloads nothing; docker stop (SIGTERM) cleans up', async () => {
      const reloads = () => dkd.log().split('Got signal to reload configuration').length - 1;
      const before = reloads();
      // nvidia is dockerd's default runtime now, and its binary exists only inside the fake "host" dir.
      const start = await dkd.docker([
        'run',
        '-d',
        '--runtime',
        'runc',
        ...runOpts('pod'),
        TAG,
        'nvidia-toolkit',
        '-r',
        'docker',
      ]);
      assert.equal(start.code, 0, start.stderr);
      let logs = '';
      for (let i = 0; i < 200 && !logs.includes('waiting for a signal'); i++) {
        logs = (await dkd.docker(['logs', 'pod'])).stderr;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(logs, /docker already runs with the NVIDIA runtimes; nothing to restart/);
      assert.equal(reloads(), before, 'no reload for an unchanged node');
      assert.ok(existsSync(join(host, 'run/nvidia/toolkit/toolkit.pid')));

      const stop = await dkd.docker(['stop', '-t', '60', 'pod'], { timeoutMs: 90_000 });
      assert.equal(stop.code, 0, stop.stderr);
      const state = await dkd.docker(['inspect', '-f', '{{.State.ExitCode}}', 'pod']);
      logs = (await dkd.docker(['logs', 'pod'])).stderr;
      await dkd.docker(['rm', 'pod']);
      assert.equal(state.stdout.trim(), '0', logs);
      assert.match(logs, /Signal received, shutting down.*signal=SIGTERM/);
      assert.equal(readFileSync(dkd.configPath, 'utf8'), original, 'daemon.json bytes restored');
      assert.equal((await dockerInfo(dkd.socket)).runtimes.nvidia, undefined);
      assert.ok(!existsSync(join(host, 'run/nvidia/toolkit/toolkit.pid')));
    });
  });
