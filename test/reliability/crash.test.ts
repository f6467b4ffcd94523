/**
 * Crash consistency: the built CLI runs `containerd setup` / `cleanup --restart-mode none` on one file and is
 * SIGKILLed at random moments (CTK_CRASH_KILLS, default 200; seeded by CTK_FUZZ_SEED). After every kill the
 * config holds exactly the bytes of the state before or after the interrupted step, the ledger is valid JSON,
 * no file a daemon glob would read (`*.toml`, `*.json`, `*.conf`) appeared, and the next run converges: setup
 * to the configured bytes, cleanup to the original bytes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'smol-toml';
import { fixture } from '../helpers/fixtures';
import { runCli } from './process';
import { envInt, FUZZ_SEED, rng, TK } from './support';

const KILLS = envInt('CTK_CRASH_KILLS', 200);
const work = mkdtempSync(join(tmpdir(), 'ctk-crash-'));
after(() => rmSync(work, { recursive: true, force: true }));

const config = join(work, 'config.toml');
const stateDir = join(work, '.ctk-installer');
const args = (action: 'setup' | 'cleanup') => [
  'containerd',
  action,
  '--config',
  config,
  '--restart-mode',
  'none',
  TK,
];
const read = () => readFileSync(config, 'utf8');

/** Files beside the config that a daemon's drop-in glob would pick up (temp files are hidden `.…ctk-tmp`). */
function globVisible(): string[] {
  return readdirSync(work).filter((n) => /\.(toml|json|conf)$/.test(n) && n !== 'config.toml');
}

const tempFiles = () =>
  [work, stateDir].flatMap((d) =>
    existsSync(d) ? readdirSync(d).filter((n) => n.endsWith('.ctk-tmp')) : [],
  );

test(`crash: ${KILLS} SIGKILLs during containerd setup/cleanup leave the before or after bytes, and the next run converges`, async (t) => {
  const original = fixture('containerd', 'k3s-style.toml');
  writeFileSync(config, original);
  // the two known states, and how long an uninterrupted run takes
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await runCli(args('setup'));
    assert.equal(s.status, 0, s.stderr);
    times.push(s.ms);
    const c = await runCli(args('cleanup'));
    assert.equal(c.status, 0, c.stderr);
    times.push(c.ms);
    assert.equal(read(), original, 'cleanup gives back the original');
  }
  assert.equal((await runCli(args('setup'))).status, 0);
  const configured = read();
  assert.notEqual(configured, original);
  assert.equal((await runCli(args('cleanup'))).status, 0);
  const span = [...times].sort((a, b) => a - b)[times.length >> 1]!;

  const random = rng(FUZZ_SEED);
  const stats = { killed: 0, byEvent: 0, finished: 0, before: 0, after: 0, tempsSeen: 0 };
  let i = 0;
  for (; stats.killed < KILLS && i < KILLS * 3; i++) {
    const before = read();
    const atOriginal = before === original;
    const action = random() < 0.8 ? (atOriginal ? 'setup' : 'cleanup') : atOriginal ? 'cleanup' : 'setup';
    const target = action === 'setup' ? configured : original;
    // half the kills at a random time, half at a random file-system event of the run (inside its writes)
    const byEvent = random() < 0.5;
    const r = await runCli(
      args(action),
      byEvent
        ? { killOnEvent: { dir: work, n: 1 + Math.floor(random() * 8) } }
        : { killAfterMs: random() * span },
    );
    if (byEvent) stats.byEvent++;
    if (r.signal === 'SIGKILL') stats.killed++;
    else {
      stats.finished++;
      assert.equal(r.status, 0, `an unkilled ${action} failed: ${r.stderr}`);
    }
    const now = read();
    const label = `kill ${i} (${action}, ${r.signal ?? `exit ${r.status}`})`;
    assert.ok(
      now === before || now === target,
      `${label}: the config is neither the before nor the after state`,
    );
    if (now === before) stats.before++;
    else stats.after++;
    parse(now);
    const ledger = join(stateDir, 'config.toml.ledger.json');
    if (existsSync(ledger)) JSON.parse(readFileSync(ledger, 'utf8'));
    assert.deepEqual(globVisible(), [], `${label}: a file a daemon would read appeared`);
    stats.tempsSeen += tempFiles().length;
    // the next run converges
    const next = await runCli(args(action));
    assert.equal(next.status, 0, `${label}: the next ${action} failed: ${next.stderr}`);
    assert.equal(read(), target, `${label}: the next ${action} did not converge`);
    assert.deepEqual(tempFiles(), [], `${label}: the next run left temp files behind`);
  }
  const end = await runCli(args('cleanup'));
  assert.equal(end.status, 0, end.stderr);
  assert.equal(read(), original);
  assert.equal(existsSync(stateDir), false, 'the last cleanup removes the state directory');
  t.diagnostic(
    `${i} runs (seed ${FUZZ_SEED}; ${stats.byEvent} killed at a file event, the rest within ${Math.round(span)} ms): ` +
      `${stats.killed} SIGKILLed, ` +
      `${stats.finished} finished first; state left: ${stats.before} before, ${stats.after} after; ` +
      `${stats.tempsSeen} temp files seen right after a kill (all removed by the next run)`,
  );
  assert.ok(stats.killed >= KILLS, `only ${stats.killed} of ${i} runs were killed`);
});
