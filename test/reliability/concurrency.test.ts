/**
 * Concurrency: 10 CLI processes at once run setup with different runtime names on the same file; the ledger
 * lock (src/host/ledger-store.ts, flock(2) on the config's directory) serialises them, so all 10 runtimes
 * end up in a valid file. Then 10 concurrent cleanups give back the original bytes and remove the state
 * directory. Also: setups racing the last cleanup (which removes the state directory).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fixture } from '../helpers/fixtures';
import { runCli } from './process';
import { parseValue, TK } from './support';

const work = mkdtempSync(join(tmpdir(), 'ctk-conc-'));
after(() => rmSync(work, { recursive: true, force: true }));
const N = 10;
const names = Array.from({ length: N }, (_, i) => `gpu-${i}`);

const CASES = [
  {
    engine: 'containerd',
    file: 'config.toml',
    fixture: 'k3s-style.toml',
    runtimes: ['plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes'],
  },
  { engine: 'docker', file: 'daemon.json', fixture: 'tabs.json', runtimes: ['runtimes'] },
  {
    engine: 'crio',
    file: 'crio.conf',
    fixture: 'crio-crun-runc.conf',
    runtimes: ['crio', 'runtime', 'runtimes'],
  },
] as const;

function runtimesIn(engine: (typeof CASES)[number], text: string): string[] {
  let cur: unknown = parseValue(engine.engine, text);
  for (const k of engine.runtimes) cur = (cur as Record<string, unknown> | undefined)?.[k];
  return Object.keys((cur as Record<string, unknown> | undefined) ?? {});
}

const opArgs = (c: (typeof CASES)[number], config: string, action: string, name: string) => [
  c.engine,
  action,
  '--config',
  config,
  '--restart-mode',
  'none',
  '--runtime-name',
  name,
  ...(c.engine === 'crio' ? ['--config-mode', 'config'] : []),
  TK,
];

describe('concurrency: 10 processes on one file', () => {
  for (const c of CASES) {
    test(`${c.engine}: 10 concurrent setups keep all 10 runtimes; 10 concurrent cleanups give back the original bytes`, async () => {
      const dir = join(work, c.engine);
      const config = join(dir, c.file);
      const original = fixture(c.engine, c.fixture);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(config, original);
      const setups = await Promise.all(names.map((n) => runCli(opArgs(c, config, 'setup', n))));
      for (const [i, r] of setups.entries()) assert.equal(r.status, 0, `setup ${names[i]}: ${r.stderr}`);
      const text = readFileSync(config, 'utf8');
      const present = runtimesIn(c, text);
      for (const n of [...names, 'nvidia-cdi', 'nvidia-legacy'])
        assert.ok(present.includes(n), `${n} registered`);
      const cleanups = await Promise.all(names.map((n) => runCli(opArgs(c, config, 'cleanup', n))));
      for (const [i, r] of cleanups.entries()) assert.equal(r.status, 0, `cleanup ${names[i]}: ${r.stderr}`);
      assert.equal(readFileSync(config, 'utf8'), original, 'the original bytes are back');
      assert.equal(existsSync(join(dir, '.ctk-installer')), false, 'the state directory is gone');
    });
  }

  test('containerd: setups racing the last cleanup (which removes the lock file and its directory) all succeed', async () => {
    const c = CASES[0];
    const dir = join(work, 'race');
    const config = join(dir, c.file);
    const original = fixture(c.engine, c.fixture);
    for (let round = 0; round < 5; round++) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(config, original);
      assert.equal((await runCli(opArgs(c, config, 'setup', 'gpu-x'))).status, 0);
      const runs = await Promise.all([
        runCli(opArgs(c, config, 'cleanup', 'gpu-x')),
        ...names.slice(0, 4).map((n) => runCli(opArgs(c, config, 'setup', n))),
      ]);
      for (const r of runs) assert.equal(r.status, 0, r.stderr);
      const present = runtimesIn(c, readFileSync(config, 'utf8'));
      assert.ok(!present.includes('gpu-x'), `round ${round}: gpu-x was cleaned up`);
      for (const n of names.slice(0, 4)) assert.ok(present.includes(n), `round ${round}: ${n} registered`);
    }
  });
});
