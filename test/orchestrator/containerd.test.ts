// The orchestrator as a child process against each REAL containerd of the matrix (1.6, 1.7, 2.x with its version 3
// config) in signal mode. containerd has no reload:
// SIGHUP makes it exit, so the harness plays the service manager (Restart=always) and starts it again; the
// orchestrator then waits for the NEW process to show the runtimes over CRI.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { criStatus } from '../../src/host/engine-status';
import { type ContainerdHandle, containerdMatrix, startContainerd } from '../helpers/daemons';
import {
  buildCliBundle,
  cleanEnv,
  killOrchestrators,
  runOrchestratorOnce,
  startOrchestrator,
} from '../helpers/orchestrator';
import { makeArtifacts } from '../toolkit/fixture';

const NVIDIA = ['nvidia', 'nvidia-cdi', 'nvidia-legacy'];

for (const { label, engine, skip } of containerdMatrix('flock'))
  describe(`nvidia-toolkit -r containerd against a real, supervised ${label}`, { skip }, () => {
    let tmp: string;
    let bundle: string;
    let ctd: ContainerdHandle;
    let original: string;
    let root: string;
    let pidFile: string;
    let dropIn: string;

    before(async () => {
      tmp = mkdtempSync('/tmp/ctk-orch-c-');
      bundle = buildCliBundle(join(tmp, 'bin'));
      makeArtifacts(join(tmp, 'artifacts'));
      ctd = await startContainerd({ engine, supervise: { restartDelayMs: 50 } });
      original = readFileSync(ctd.configPath, 'utf8');
      root = join(tmp, 'usr/local/nvidia');
      pidFile = join(tmp, 'run/nvidia/toolkit/toolkit.pid');
      dropIn = join(ctd.dir, 'conf.d/99-nvidia.toml');
    });
    afterEach(killOrchestrators);
    after(async () => {
      await ctd?.stop();
      rmSync(tmp, { recursive: true, force: true });
    });

    const args = (...extra: string[]) => [
      '-r',
      'containerd',
      root,
      '--toolkit-source-root',
      join(tmp, 'artifacts'),
      '--pid-file',
      pidFile,
      '--config',
      ctd.configPath,
      '--drop-in-config',
      dropIn,
      '--socket',
      ctd.socket,
      '--restart-mode',
      'signal',
      '--restart-interval',
      '200',
      '--verify-timeout',
      '15000',
      ...extra,
    ];

    test('setup restarts containerd once and CRI lists the runtimes; SIGTERM restores the file and CRI drops them', async () => {
      const marker = join(tmp, 'marker');
      const pidBefore = ctd.pid;
      const env = cleanEnv({
        RUNTIME_ARGS: `--nvidia-container-runtime-modes.cdi.annotation-prefixes 'cdi.k8s.io/,odd name;$(touch ${marker})/'`,
      });
      const p = startOrchestrator(bundle, args(), env);
      await p.waitForLog(/waiting for a signal/, 30_000);
      assert.notEqual(ctd.pid, pidBefore, 'containerd was restarted');
      assert.equal(ctd.exits.at(-1)?.signal, 'SIGHUP', 'containerd died of the SIGHUP (no reload)');
      const st = await criStatus(ctd.socket);
      for (const n of NVIDIA) assert.equal(st.runtimes?.[n]?.runtimeType, 'io.containerd.runc.v2', n);
      assert.equal(st.runtimes?.nvidia?.options.BinaryName, join(root, 'toolkit/nvidia-container-runtime'));
      assert.ok(st.runtimes?.runc, 'runc is kept');
      assert.equal(st.defaultRuntimeName, 'nvidia');
      assert.match(readFileSync(ctd.configPath, 'utf8'), new RegExp(`imports = \\[["']${dropIn}["']\\]`));
      // RUNTIME_ARGS arrived as data: the odd prefix is a TOML string in the drop-in, and nothing ran it.
      assert.ok(readFileSync(dropIn, 'utf8').includes(`"odd name;$(touch ${marker})/*"`));
      assert.ok(!existsSync(marker));

      const second = await runOrchestratorOnce(bundle, args(), cleanEnv());
      assert.equal(second.code, 1, second.stderr);
      assert.match(second.stderr, /already running/);

      const pidConfigured = ctd.pid;
      p.kill('SIGTERM');
      assert.deepEqual(await p.waitExit(), { code: 0, signal: null }, p.stderr());
      assert.notEqual(ctd.pid, pidConfigured, 'containerd was restarted for the cleanup');
      const after = await criStatus(ctd.socket);
      for (const n of NVIDIA) assert.equal(after.runtimes?.[n], undefined, `${n} still listed`);
      assert.equal(after.defaultRuntimeName, 'runc');
      assert.equal(readFileSync(ctd.configPath, 'utf8'), original, 'config.toml bytes restored');
      assert.ok(!existsSync(dropIn), 'drop-in removed');
      assert.ok(!existsSync(pidFile));
    });

    test('SIGKILL and restart on the configured node: containerd keeps running, the log says unchanged', async () => {
      const first = startOrchestrator(bundle, args(), cleanEnv());
      await first.waitForLog(/waiting for a signal/, 30_000);
      const pid = ctd.pid;
      const exits = ctd.exits.length;
      first.kill('SIGKILL');
      await first.waitExit();

      const again = startOrchestrator(bundle, args(), cleanEnv());
      await again.waitForLog(/waiting for a signal/, 30_000);
      assert.match(again.stderr(), /containerd configuration unchanged; not restarting containerd/);
      assert.match(again.stderr(), /containerd already runs with the NVIDIA runtimes; nothing to restart/);
      assert.equal(ctd.pid, pid, 'same containerd process');
      assert.equal(ctd.exits.length, exits, 'containerd did not exit');

      again.kill('SIGTERM');
      assert.deepEqual(await again.waitExit(), { code: 0, signal: null }, again.stderr());
      assert.equal(readFileSync(ctd.configPath, 'utf8'), original);
      assert.ok(!existsSync(dropIn));
    });
  });
