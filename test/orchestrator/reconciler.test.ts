// The reconciler in-process without an engine (--restart-mode none): which changes it re-applies and which it
// leaves alone, for a docker daemon.json and cri-o's OCI hook file (no claims: any change to it is drift).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { memoryLogger } from '../../src/log';
import type { EngineOpOptions } from '../../src/ops/options';
import { runEngineOp } from '../../src/ops/transaction';
import { rewriteBoolArgs } from '../../src/options/option-spec';
import { allRunSpecs } from '../../src/options/run-options';
import { resolveRunOptions, runOptionsCommand } from '../../src/orchestrator/options';
import { startReconciler } from '../../src/orchestrator/reconciler';

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ctk-reconciler-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function setupOptions(argv: string[]): EngineOpOptions {
  const { argv: rewritten, explicit } = rewriteBoolArgs(argv, allRunSpecs());
  const cmd = runOptionsCommand().argument('[DESTINATION]').exitOverride();
  cmd.parse(rewritten, { from: 'user' });
  return resolveRunOptions(cmd, cmd.args, {
    env: {},
    explicitBools: explicit,
    cwd: tmp,
    hasRpm: () => false,
    warn: () => {},
  }).setup;
}

const policy = { intervalMs: 200, maxRestarts: 6, windowMs: 3_600_000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond() && Date.now() - t0 < ms) await sleep(20);
}

test('docker: a removed daemon.json is written again; an unrelated edit is left as it is', async () => {
  const dir = mkdtempSync(join(tmp, 'd-'));
  const config = join(dir, 'daemon.json');
  writeFileSync(config, '{\n  "log-level": "info"\n}\n');
  const o = setupOptions(['-r', 'docker', join(dir, 'root'), '--config', config, '--restart-mode', 'none']);
  const logger = memoryLogger('debug');
  await runEngineOp(o, logger);
  const configured = readFileSync(config, 'utf8');
  const r = startReconciler(o, policy, logger);
  try {
    const edited = configured.replace('"info"', '"warn"');
    writeFileSync(config, edited);
    await sleep(600); // the event and two ticks
    assert.equal(readFileSync(config, 'utf8'), edited);
    assert.ok(!logger.lines.some((l) => l.includes('Drift')));

    unlinkSync(config);
    await until(() => existsSync(config));
    assert.match(
      logger.lines.join('\n'),
      /Drift: .*daemon\.json lost the NVIDIA configuration: .*was removed/,
    );
    assert.equal(JSON.parse(readFileSync(config, 'utf8'))['default-runtime'], 'nvidia');
  } finally {
    await r.stop();
  }
});

test('cri-o hook: a changed hook file is written again; stop() ends the watching', async () => {
  const dir = mkdtempSync(join(tmp, 'h-'));
  const hooks = join(dir, 'hooks.d');
  const o = setupOptions([
    ...['-r', 'crio', join(dir, 'root'), '--config-mode', 'hook', '--hooks-dir', hooks],
    ...['--restart-mode', 'none', '--config', join(dir, 'crio.conf')],
  ]);
  const logger = memoryLogger('debug');
  await runEngineOp(o, logger);
  const hook = join(hooks, o.hookFilename);
  const written = readFileSync(hook, 'utf8');
  const r = startReconciler(o, policy, logger);
  writeFileSync(hook, '{}\n');
  await until(() => readFileSync(hook, 'utf8') === written);
  assert.equal(readFileSync(hook, 'utf8'), written);
  assert.match(logger.lines.join('\n'), /Drift: .* the hook file was changed/);
  await r.stop();
  writeFileSync(hook, '{}\n');
  await sleep(500);
  assert.equal(readFileSync(hook, 'utf8'), '{}\n', 'nothing re-applied after stop()');
});
