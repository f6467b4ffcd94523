/**
 * The logger writes to fd 2 itself (src/log.ts writeStderr): every byte arrives, a closed stderr does not
 * abort the command, and the built engine command loads none of Node's stream modules for it. Its time stamp
 * is made without a Date (isoTime) and must be exactly Date's.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { isoTime } from '../../src/log';

const LOG = resolve(__dirname, '..', '..', 'src', 'log.ts');
const CLI = resolve(__dirname, '..', '..', 'dist', 'ctk-installer.cjs');

test('a long burst of log lines through a pipe arrives whole and in order', () => {
  const script = `const { createLogger } = require(${JSON.stringify(LOG)});
const log = createLogger();
for (let i = 0; i < 2000; i++) log.info('line ' + i, { pad: 'x'.repeat(200) });`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2000);
  for (const [i, l] of lines.entries()) assert.match(l, new RegExp(`msg="line ${i}" pad=x{200}$`));
});

test('a closed stderr (EPIPE) does not stop the program', async () => {
  const script = `const { createLogger } = require(${JSON.stringify(LOG)});
const log = createLogger();
setTimeout(() => { for (let i = 0; i < 100; i++) log.info('after close ' + i); require('node:fs').writeSync(1, 'done'); }, 300);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr.destroy(); // the reading end goes away before the first line
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  assert.equal(code, 0);
  assert.equal(out, 'done');
});

test('the engine command with stderr a pipe loads no stream modules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctk-stderr-'));
  try {
    const cfg = join(dir, 'config.toml');
    copyFileSync(resolve(__dirname, '..', 'fixtures', 'containerd', 'comments-everywhere.toml'), cfg);
    const probe = join(dir, 'probe.js');
    writeFileSync(
      probe,
      `process.on('exit', () => require('node:fs').writeSync(1, JSON.stringify(process.moduleLoadList)));`,
    );
    const r = spawnSync(
      process.execPath,
      [
        '-r',
        probe,
        CLI,
        'containerd',
        'setup',
        '--restart-mode',
        'none',
        '--config',
        cfg,
        '/usr/local/nvidia/toolkit',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /level=info msg="Wrote file"/);
    const loaded: string[] = JSON.parse(r.stdout);
    assert.deepEqual(
      loaded.filter((m) => /^NativeModule (net|stream|internal\/streams\/readable)$/.test(m)),
      [],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('isoTime is Date#toISOString for every millisecond of years 1970-9999', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
      assert.equal(isoTime(ms), new Date(ms).toISOString());
    }),
    { seed: 11, numRuns: 20_000 },
  );
  for (const ms of [0, 951_782_400_000, 951_868_799_999, 4_107_542_400_000, 1_798_761_599_999])
    assert.equal(isoTime(ms), new Date(ms).toISOString()); // 2000-02-29, 2100-03-01, 2026-12-31 23:59:59.999
});

test('a full non-blocking stderr pipe is waited out, not given up: every line arrives once the reader reads', async () => {
  // the child's stderr made non-blocking (as another process sharing the pipe may), filled, and logged on
  const script = `const { createLogger } = require(${JSON.stringify(LOG)});
const fs = require('node:fs');
new (require('node:net').Socket)({ fd: 2, readable: false }); // libuv makes the descriptor non-blocking
const log = createLogger();
for (let i = 0; i < 3000; i++) log.info('line ' + i, { pad: 'y'.repeat(100) });
fs.writeSync(1, 'done');
process.exit(0);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.pause(); // nobody reads for a while: the pipe fills and writes see EAGAIN
  await new Promise((done) => setTimeout(done, 700));
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stderr.resume();
  const code = await new Promise<number | null>((done) => child.on('close', done));
  assert.equal(code, 0, err.slice(-500));
  assert.equal(out, 'done');
  const lines = err.trimEnd().split('\n');
  assert.equal(lines.length, 3000);
  assert.match(lines[2999]!, /msg="line 2999" pad=y{100}$/);
});
