// The orchestrator (`nvidia-toolkit`, a bundle of the real CLI) as a child process against each REAL dockerd of
// the matrix (20.10; 28 on containerd 1.7) in a temp dir: the whole DaemonSet life (lock, install, setup, ready, SIGTERM cleanup), a second instance,
// SIGKILL and restart without an engine reload, --no-daemon, RUNTIME_ARGS as data, and an early signal.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { dockerInfo } from '../../src/host/engine-status';
import { type DockerHandle, daemonJson, dockerMatrix, startDockerd } from '../helpers/daemons';
import {
  buildCliBundle,
  cleanEnv,
  killOrchestrators,
  runOrchestratorOnce,
  startOrchestrator,
} from '../helpers/orchestrator';
import { makeArtifacts } from '../toolkit/fixture';

/** A process answering docker's GET /info on `socket` with runc only, recording SIGHUPs instead of dying. */
async function fakeDockerd(
  socket: string,
): Promise<{ child: ChildProcess; socket: string; hupFile: string }> {
  const hupFile = `${socket}.hup`;
  const script = [
    "const fs = require('node:fs');",
    "process.on('SIGHUP', () => fs.appendFileSync(process.argv[2], 'HUP\\n'));",
    "require('node:http').createServer((q, r) => r.end(JSON.stringify({ Runtimes: { runc: { path: 'runc' } }, DefaultRuntime: 'runc' })))",
    "  .listen(process.argv[1], () => console.log('ready'));",
  ].join('\n');
  const child = spawn(process.execPath, ['-e', script, socket, hupFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`fake dockerd exited with ${code}`)));
  });
  return { child, socket, hupFile };
}
const NVIDIA = ['nvidia', 'nvidia-cdi', 'nvidia-legacy'];

for (const { label, engine, skip } of dockerMatrix('flock'))
  describe(`nvidia-toolkit -r docker against a real ${label}`, { skip }, () => {
    let tmp: string;
    let bundle: string;
    let dkd: DockerHandle;
    let original: string;
    let root: string;
    let pidFile: string;
    let readyFile: string;

    before(async () => {
      tmp = mkdtempSync('/tmp/ctk-orch-d-');
      bundle = buildCliBundle(join(tmp, 'bin'));
      makeArtifacts(join(tmp, 'artifacts'));
      // A user file with its own formatting and keys: cleanup must give back exactly these bytes.
      dkd = await startDockerd({
        engine,
        config: (p) => daemonJson(p, { 'log-level': 'info', features: { buildkit: true } }),
      });
      original = readFileSync(dkd.configPath, 'utf8');
      root = join(tmp, 'usr/local/nvidia');
      pidFile = join(tmp, 'run/nvidia/toolkit/toolkit.pid');
      readyFile = join(tmp, 'run/ready');
    });
    afterEach(killOrchestrators);
    after(async () => {
      await dkd?.stop();
      rmSync(tmp, { recursive: true, force: true });
    });

    const args = (...extra: string[]) => [
      root,
      '--toolkit-source-root',
      join(tmp, 'artifacts'),
      '--pid-file',
      pidFile,
      '--ready-file',
      readyFile,
      '--config',
      dkd.configPath,
      '--socket',
      dkd.socket,
      '--restart-mode',
      'signal',
      '--restart-interval',
      '200',
      '--verify-timeout',
      '10000',
      ...extra,
    ];
    const runtimes = async () => (await dockerInfo(dkd.socket)).runtimes;
    const reloads = () => dkd.log().split('Got signal to reload configuration').length - 1;

    async function assertConfigured(): Promise<void> {
      const rts = await runtimes();
      assert.equal(rts.nvidia?.path, join(root, 'toolkit/nvidia-container-runtime'));
      assert.equal(rts['nvidia-cdi']?.path, join(root, 'toolkit/nvidia-container-runtime.cdi'));
      assert.equal(rts['nvidia-legacy']?.path, join(root, 'toolkit/nvidia-container-runtime.legacy'));
      assert.equal((await dockerInfo(dkd.socket)).defaultRuntime, 'nvidia');
    }
    async function assertCleanedUp(): Promise<void> {
      const rts = await runtimes();
      for (const n of NVIDIA) assert.equal(rts[n], undefined, `${n} still listed by dockerd`);
      assert.equal((await dockerInfo(dkd.socket)).defaultRuntime, 'runc');
      assert.equal(readFileSync(dkd.configPath, 'utf8'), original, 'daemon.json bytes restored');
      assert.ok(!existsSync(pidFile), 'pid file removed');
      assert.ok(!existsSync(readyFile), 'readiness file removed');
    }

    test('start: locks and writes the pid, installs, configures, is ready; a second instance exits 1; SIGTERM cleans up', async () => {
      const p = startOrchestrator(bundle, args(), cleanEnv());
      await p.waitForLog(/waiting for a signal/);
      assert.equal(readFileSync(pidFile, 'utf8'), `${p.pid}\n`);
      assert.ok(existsSync(readyFile));
      assert.ok(existsSync(join(root, 'toolkit/nvidia-container-runtime')));
      assert.ok(existsSync(join(root, 'toolkit/.config/nvidia-container-runtime/config.toml')));
      await assertConfigured();

      const second = await runOrchestratorOnce(bundle, args(), cleanEnv());
      assert.equal(second.code, 1, second.stderr);
      assert.match(second.stderr, /already running/);
      assert.equal(readFileSync(pidFile, 'utf8'), `${p.pid}\n`, 'the holder keeps its pid file');
      assert.ok(existsSync(readyFile));

      p.kill('SIGTERM');
      const exit = await p.waitExit();
      if (process.env.CTK_TEST_SHOW_LOG) process.stderr.write(p.stderr());
      assert.deepEqual(exit, { code: 0, signal: null }, p.stderr());
      assert.match(p.stderr(), /Signal received, shutting down.*signal=SIGTERM/);
      await assertCleanedUp();
    });

    test('SIGKILL, then a restart on the configured node: the stale pid file does not block, dockerd is not reloaded', async () => {
      const first = startOrchestrator(bundle, args(), cleanEnv());
      await first.waitForLog(/waiting for a signal/);
      await assertConfigured();
      const dockerPid = dkd.pid;
      const reloadsBefore = reloads();
      const configured = readFileSync(dkd.configPath, 'utf8');
      first.kill('SIGKILL');
      await first.waitExit();
      assert.ok(existsSync(pidFile), 'a SIGKILLed holder leaves its pid file behind');

      const again = startOrchestrator(bundle, args(), cleanEnv());
      await again.waitForLog(/waiting for a signal/);
      assert.equal(readFileSync(pidFile, 'utf8'), `${again.pid}\n`);
      assert.match(again.stderr(), /docker configuration unchanged; not restarting docker/);
      assert.match(again.stderr(), /docker already runs with the NVIDIA runtimes; nothing to restart/);
      assert.doesNotMatch(again.stderr(), /Sending SIGHUP/);
      assert.equal(reloads(), reloadsBefore, 'dockerd got no SIGHUP');
      assert.equal(dkd.pid, dockerPid);
      assert.equal(readFileSync(dkd.configPath, 'utf8'), configured);

      again.kill('SIGTERM');
      assert.deepEqual(await again.waitExit(), { code: 0, signal: null }, again.stderr());
      await assertCleanedUp();
    });

    test('--no-daemon returns after setup (pid file removed, configuration kept)', async () => {
      const r = await runOrchestratorOnce(bundle, args('--no-daemon'), cleanEnv());
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /exiting \(--no-daemon\)/);
      assert.ok(!existsSync(pidFile));
      await assertConfigured();
      // The DaemonSet form on the same node takes over without a reload and cleans up on SIGTERM.
      const reloadsBefore = reloads();
      const p = startOrchestrator(bundle, args(), cleanEnv());
      await p.waitForLog(/waiting for a signal/);
      assert.equal(reloads(), reloadsBefore);
      p.kill('SIGINT');
      assert.deepEqual(await p.waitExit(), { code: 0, signal: null }, p.stderr());
      await assertCleanedUp();
    });

    test('RUNTIME_ARGS with spaces, quotes, ";" and "$(…)" are flag values, never shell code', async () => {
      const m1 = join(tmp, 'marker-subst');
      const m2 = join(tmp, 'marker-semicolon');
      const hostRoot = `/no such/dir; touch ${m2} $(touch ${m1}) \`touch ${m1}\``;
      const env = cleanEnv({
        RUNTIME_ARGS: `--socket '${dkd.socket}' --host-root "${hostRoot.replace(/[`$"\\]/g, '\\$&')}" --runtime-name=nvidia`,
      });
      // The socket comes only from RUNTIME_ARGS here.
      const argv = args('--debug').filter((a, i, all) => a !== '--socket' && all[i - 1] !== '--socket');
      const p = startOrchestrator(bundle, argv, env);
      await p.waitForLog(/waiting for a signal/);
      await assertConfigured();
      assert.ok(p.stderr().includes(JSON.stringify(hostRoot).slice(1, -1)), 'host root arrived intact');
      p.kill('SIGTERM');
      assert.deepEqual(await p.waitExit(), { code: 0, signal: null }, p.stderr());
      await assertCleanedUp();
      assert.ok(!existsSync(m1) && !existsSync(m2), 'no shell ran');

      const bad = await runOrchestratorOnce(
        bundle,
        args(),
        cleanEnv({ RUNTIME_ARGS: `--bogus x; touch ${m2}` }),
      );
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, /invalid --runtime-args .*unknown option '--bogus'/);
      assert.ok(!existsSync(pidFile) && !existsSync(m2));
      assert.equal(readFileSync(dkd.configPath, 'utf8'), original);
    });

    test('a signal before setup finished exits 0 without cleanup; the next start restarts dockerd because it was never told', async (t) => {
      // A stand-in "dockerd" on another socket: it takes the SIGHUP but never shows the runtimes, so the
      // orchestrator is still verifying (setup not finished) when the signal arrives.
      const fake = await fakeDockerd(join(tmp, 'fake.sock'));
      t.after(() => fake.child.kill('SIGKILL'));
      const argv = args().map((a) => (a === dkd.socket ? fake.socket : a));
      const p = startOrchestrator(bundle, argv, cleanEnv());
      await p.waitForLog(/Sending SIGHUP to docker/);
      p.kill('SIGTERM');
      assert.deepEqual(await p.waitExit(5000), { code: 0, signal: null }, p.stderr());
      assert.match(p.stderr(), /Signal received, exiting early/);
      assert.doesNotMatch(p.stderr(), /shutting down|Shutdown complete/);
      assert.ok(existsSync(fake.hupFile), 'the stand-in got the SIGHUP');
      assert.ok(!existsSync(pidFile) && !existsSync(readyFile));
      assert.notEqual(readFileSync(dkd.configPath, 'utf8'), original, 'no cleanup happened');
      assert.equal((await runtimes()).nvidia, undefined, 'the real dockerd was never reloaded');

      const again = startOrchestrator(bundle, args(), cleanEnv());
      await again.waitForLog(/waiting for a signal/);
      assert.match(again.stderr(), /docker configuration unchanged/);
      assert.match(again.stderr(), /does not run with the configured runtimes.*restarting it/);
      await assertConfigured();
      again.kill('SIGTERM');
      assert.deepEqual(await again.waitExit(), { code: 0, signal: null }, again.stderr());
      await assertCleanedUp();
    });

    test('--no-runtime-config installs the toolkit only', async () => {
      const r = await runOrchestratorOnce(bundle, args('--no-daemon', '--no-runtime-config'), cleanEnv());
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Not configuring the container engine/);
      assert.equal(readFileSync(dkd.configPath, 'utf8'), original);
      const cfg = readFileSync(join(root, 'toolkit/.config/nvidia-container-runtime/config.toml'), 'utf8');
      assert.match(cfg, /runtimes = \["runc", "crun"\]/);
    });
  });
