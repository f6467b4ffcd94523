// The executable is a loader (src/bin.ts): it runs the engine-only bundle for engine commands and the full one
// otherwise, from a V8 code cache beside them that the first run writes. Checked on a copy of the built CLI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { buildCliBundle } from '../helpers/orchestrator';

const tmp = mkdtempSync(join(tmpdir(), 'ctk-loader-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const FIXTURE = join(__dirname, '..', 'fixtures', 'containerd', 'comments-everywhere.toml');

function cli(bin: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
  });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}
const caches = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.v8cache'))
    .sort();

it('an engine command runs the engine bundle and leaves its code cache, which the next run accepts', () => {
  const bin = buildCliBundle(join(tmp, 'a'), 'ctk-installer.cjs');
  const config = join(tmp, 'a-config.toml');
  copyFileSync(FIXTURE, config);
  const setup = ['containerd', 'setup', '--restart-mode', 'none', '--config', config, '/opt/nvidia'];
  assert.equal(cli(bin, setup).status, 0);
  assert.deepEqual(
    caches(join(tmp, 'a')).map((f) => f.replace(/\.[0-9a-f]+\.v8cache$/, '')),
    ['.ctk-installer-engines.cjs'],
  );
  assert.match(readFileSync(config, 'utf8'), /nvidia-container-runtime/);
  const [cache] = caches(join(tmp, 'a'));
  const written = statSync(join(tmp, 'a', cache as string), { bigint: true }).mtimeNs;
  const cleanup = cli(bin, [
    'containerd',
    'cleanup',
    '--restart-mode',
    'none',
    '--config',
    config,
    '/opt/nvidia',
  ]);
  assert.equal(cleanup.status, 0, cleanup.stderr);
  assert.equal(readFileSync(config, 'utf8'), readFileSync(FIXTURE, 'utf8'));
  // V8 accepted the cache (a missing or rejected one is written again at exit)
  assert.equal(statSync(join(tmp, 'a', cache as string), { bigint: true }).mtimeNs, written);
  // other commands: the full bundle
  assert.equal(cli(bin, ['--help']).status, 0);
  assert.equal(caches(join(tmp, 'a')).length, 2);
});

it('a corrupt cache is rejected by V8 and rewritten', () => {
  const dir = join(tmp, 'b');
  const bin = buildCliBundle(dir, 'ctk-installer.cjs');
  assert.equal(cli(bin, ['--help']).status, 0);
  const [cache] = caches(dir);
  assert.ok(cache);
  writeFileSync(join(dir, cache), 'not a code cache');
  const r = cli(bin, ['--help']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: ctk-installer/);
  assert.notEqual(readFileSync(join(dir, cache), 'utf8'), 'not a code cache');
});

it('a usage error through an engine link still exits 2 with one line', () => {
  const dir = join(tmp, 'd');
  buildCliBundle(dir, 'ctk-installer.cjs');
  const link = buildCliBundle(dir, 'containerd');
  const r = cli(link, ['setup', '--restart-mode', 'bogus', '/opt/nvidia']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});
