// Reconcile while `nvidia-toolkit` waits (issue 14 item 2), against the first real containerd (supervised:
// SIGHUP makes it exit and the harness starts it again) and the first real dockerd (SIGHUP reload) of the
// matrix. What counts is what the daemons show: CRI status / GET /info runtimes, containerd's exits, dockerd's
// reload log lines.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { describeMismatch, readEngineState } from '../../src/host/engine-status';
import {
  type ContainerdHandle,
  containerdMatrix,
  type DockerHandle,
  daemonJson,
  dockerMatrix,
  startContainerd,
  startDockerd,
} from '../helpers/daemons';
import {
  buildCliBundle,
  cleanEnv,
  killOrchestrators,
  type OrchestratorProcess,
  startOrchestrator,
} from '../helpers/orchestrator';
import { makeArtifacts } from '../toolkit/fixture';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Engine {
  readonly name: 'containerd' | 'docker';
  readonly config: string;
  readonly socket: string;
  /** Restarts (containerd exits) or reloads (dockerd) so far, as the daemon shows them. */
  restarts(): number;
  /** Extra flags (containerd: a drop-in). */
  readonly extra: string[];
  /** The main file with one key we do not claim changed. */
  unrelated(text: string): string;
  /** Every file that must be back to its bytes before setup after cleanup, and the ones that must be gone. */
  readonly gone: string[];
  stop(): Promise<void>;
}

// the first engine of each matrix only: the whole suite runs twice in CI on a 2-core machine
const FIRST_CONTAINERD = containerdMatrix('flock')[0]!;
const FIRST_DOCKERD = dockerMatrix('flock')[0]!;

async function containerd(): Promise<Engine> {
  const { engine } = FIRST_CONTAINERD;
  const ctd: ContainerdHandle = await startContainerd({ engine, supervise: { restartDelayMs: 50 } });
  const dropIn = join(ctd.dir, 'conf.d/99-nvidia.toml');
  return {
    name: 'containerd',
    config: ctd.configPath,
    socket: ctd.socket,
    restarts: () => ctd.exits.length,
    extra: ['--drop-in-config', dropIn],
    unrelated: (t) => `oom_score = -1\n${t}`,
    gone: [dropIn],
    stop: () => ctd.stop(),
  };
}

async function dockerd(): Promise<Engine> {
  const { engine } = FIRST_DOCKERD;
  const dkd: DockerHandle = await startDockerd({
    engine,
    config: (p) => daemonJson(p, { 'log-level': 'info' }),
  });
  return {
    name: 'docker',
    config: dkd.configPath,
    socket: dkd.socket,
    restarts: () => dkd.log().split('Got signal to reload configuration').length - 1,
    extra: [],
    unrelated: (t) => t.replace('"log-level": "info"', '"log-level": "warn"'),
    gone: [],
    stop: () => dkd.stop(),
  };
}

const first = [
  { label: FIRST_CONTAINERD.label, skip: FIRST_CONTAINERD.skip, start: containerd },
  { label: FIRST_DOCKERD.label, skip: FIRST_DOCKERD.skip, start: dockerd },
];

for (const { label, skip, start } of first)
  describe(`reconcile in nvidia-toolkit against a real ${label}`, { skip }, () => {
    let tmp: string;
    let bundle: string;
    let e: Engine;
    let original: string;
    let root: string;

    before(async () => {
      tmp = mkdtempSync('/tmp/ctk-reconcile-');
      bundle = buildCliBundle(join(tmp, 'bin'));
      makeArtifacts(join(tmp, 'artifacts'));
      e = await start();
      original = readFileSync(e.config, 'utf8');
      root = join(tmp, 'usr/local/nvidia');
    });
    afterEach(killOrchestrators);
    after(async () => {
      await e?.stop();
      rmSync(tmp, { recursive: true, force: true });
    });

    const args = (...extra: string[]) => [
      '-r',
      e.name,
      root,
      '--toolkit-source-root',
      join(tmp, 'artifacts'),
      '--pid-file',
      join(tmp, 'run/toolkit.pid'),
      '--config',
      e.config,
      '--socket',
      e.socket,
      '--restart-mode',
      'signal',
      '--restart-interval',
      '200',
      '--verify-timeout',
      '15000',
      '--reconcile-interval',
      '1',
      ...e.extra,
      ...extra,
    ];
    const nvidia = () => ({
      present: {
        nvidia: join(root, 'toolkit/nvidia-container-runtime'),
        'nvidia-cdi': join(root, 'toolkit/nvidia-container-runtime.cdi'),
      },
      defaultRuntime: 'nvidia',
    });
    /** The engine's own view differs from ours in these ways ([] = it runs with our runtimes). */
    async function mismatch(): Promise<string[]> {
      try {
        return describeMismatch(await readEngineState(e.name, e.socket, 1000), nvidia());
      } catch (err) {
        return [`not answering: ${(err as Error).message}`];
      }
    }
    async function visibleWithin(ms: number): Promise<number> {
      const t0 = Date.now();
      for (;;) {
        const m = await mismatch();
        if (m.length === 0) return Date.now() - t0;
        if (Date.now() - t0 > ms) assert.fail(`runtimes not visible after ${ms} ms: ${m.join('; ')}`);
        await sleep(50);
      }
    }
    async function started(...extra: string[]): Promise<OrchestratorProcess> {
      const p = startOrchestrator(bundle, args(...extra), cleanEnv());
      await p.waitForLog(/waiting for a signal/, 30_000);
      assert.deepEqual(await mismatch(), []);
      return p;
    }
    async function stopped(p: OrchestratorProcess): Promise<void> {
      p.kill('SIGTERM');
      assert.deepEqual(await p.waitExit(), { code: 0, signal: null }, p.stderr());
      assert.equal(readFileSync(e.config, 'utf8'), original, 'cleanup gave the bytes back');
      for (const f of e.gone) assert.ok(!existsSync(f), `${f} removed`);
    }

    test('overwritten with the original bytes: runtimes visible again within 5 s, exactly one restart', async () => {
      const p = await started();
      const n = e.restarts();
      writeFileSync(e.config, original);
      const t0 = Date.now();
      // the engine still shows the runtimes until it is restarted on some file: wait for that first
      while (e.restarts() === n && Date.now() - t0 < 5000) await sleep(20);
      assert.equal(e.restarts() - n, 1, `restarted within 5 s\n${p.stderr()}`);
      const ms = Date.now() - t0 + (await visibleWithin(5000 - (Date.now() - t0)));
      await sleep(2500); // two more ticks: nothing else happens
      assert.equal(e.restarts() - n, 1, p.stderr());
      assert.match(p.stderr(), /Drift: .* lost the NVIDIA configuration/);
      assert.deepEqual(await mismatch(), []);
      process.stderr.write(`# ${e.name}: runtimes visible ${ms} ms after the overwrite\n`);
      await stopped(p);
    });

    test('an unrelated key changed: no write, no restart', async () => {
      const p = await started();
      const n = e.restarts();
      const edited = e.unrelated(readFileSync(e.config, 'utf8'));
      writeFileSync(e.config, edited);
      await sleep(2500); // the watch event and two ticks
      assert.equal(readFileSync(e.config, 'utf8'), edited, 'the file is left as the other program wrote it');
      assert.equal(e.restarts(), n, p.stderr());
      assert.doesNotMatch(p.stderr(), /Drift:/);
      // cleanup keeps the other program's edit: what it wrote, minus our entries
      p.kill('SIGTERM');
      assert.deepEqual(await p.waitExit(), { code: 0, signal: null }, p.stderr());
      assert.equal(readFileSync(e.config, 'utf8'), e.unrelated(original));
      writeFileSync(e.config, original);
    });

    test('overwritten 20 times: restarts stay within the cap, the last state is correct', async () => {
      // a short verification: an overwrite during the engine's restart makes the new process start on the
      // old file, and that re-apply fails its verification (and still counts against the cap)
      const p = await started(
        ...['--reconcile-max-restarts', '2', '--reconcile-window', '5', '--verify-timeout', '2000'],
      );
      const n = e.restarts();
      const t0 = Date.now();
      for (let i = 0; i < 20; i++) {
        writeFileSync(e.config, original);
        await sleep(300);
      }
      const burst = e.restarts() - n;
      const spanned = Math.ceil((Date.now() - t0) / 5000);
      assert.ok(burst <= 2 * spanned, `${burst} restarts in ${Date.now() - t0} ms (cap 2 per 5 s)`);
      await visibleWithin(15_000);
      const total = e.restarts() - n;
      const windows = Math.ceil((Date.now() - t0) / 5000);
      assert.ok(total >= 1 && total <= 2 * windows, `${total} restarts in ${windows} windows`);
      assert.match(p.stderr(), /put off: restart budget/);
      await stopped(p);
    });

    test('SIGTERM during a reconcile: the re-apply finishes, then cleanup; never a half-written file', async () => {
      const p = await started();
      writeFileSync(e.config, original);
      await p.waitForLog(/Re-applying the configuration/, 5000);
      p.kill('SIGTERM');
      assert.deepEqual(await p.waitExit(), { code: 0, signal: null }, p.stderr());
      const text = readFileSync(e.config, 'utf8');
      assert.equal(text, original, 'cleaned up, whole');
      if (e.name === 'docker') JSON.parse(text);
      else parseToml(text);
      for (const f of e.gone) assert.ok(!existsSync(f), `${f} removed`);
      const dir = join(e.config, '..');
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.includes('.tmp')),
        [],
        'no temp files left',
      );
      assert.match(p.stderr(), /Re-applying[\s\S]*Signal received, shutting down[\s\S]*Shutdown complete/);
    });
  });
