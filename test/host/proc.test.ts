import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostError } from '../../src/errors';
import { outputSummary, runProcess, runProcessSync } from '../../src/host/proc';

test('arguments reach the program verbatim: no shell interprets them', async () => {
  const tricky = ['$(touch /tmp/ctk-pwned)', 'a b', '; rm -rf /', '`id`', "'"];
  const r = await runProcess('/usr/bin/printf', ['%s\\n', ...tricky]);
  assert.equal(r.code, 0);
  assert.deepEqual(r.stdout.split('\n').slice(0, -1), tricky);
});

test('exit status, stderr and stdout are reported separately', async () => {
  const r = await runProcess('/bin/bash', ['-c', 'echo out; echo err >&2; exit 3']);
  assert.deepEqual([r.code, r.signal, r.stdout, r.stderr, r.timedOut], [3, null, 'out\n', 'err\n', false]);
});

test('input is written to stdin, env and cwd are applied', async () => {
  const r = await runProcess('/bin/bash', ['-c', 'cat; echo "$FOO"; pwd'], {
    input: 'piped\n',
    env: { FOO: 'bar', PATH: '/usr/bin:/bin' },
    cwd: '/tmp',
  });
  assert.equal(r.stdout, 'piped\nbar\n/tmp\n');
});

test('a process past its limit is killed and marked timedOut', async () => {
  const t = Date.now();
  const r = await runProcess('/bin/sleep', ['10'], { timeoutMs: 100 });
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(Date.now() - t < 5000);
});

test('a program that does not exist is a HostError naming it', async () => {
  await assert.rejects(runProcess('/nonexistent/prog', []), (e: unknown) => {
    assert.ok(e instanceof HostError);
    assert.match(e.message, /^cannot run \/nonexistent\/prog: .*ENOENT/);
    return true;
  });
  assert.throws(() => runProcessSync('/nonexistent/prog', []), /cannot run \/nonexistent\/prog/);
});

test('runProcessSync reports status, output and timeouts', () => {
  const r = runProcessSync('/bin/bash', ['-c', 'read x; echo "got $x"; exit 4'], { input: 'y\n' });
  assert.deepEqual([r.code, r.stdout], [4, 'got y\n']);
  const slow = runProcessSync('/bin/sleep', ['10'], { timeoutMs: 100 });
  assert.equal(slow.timedOut, true);
});

test('outputSummary prefers stderr, joins lines and keeps the end of long output', () => {
  assert.equal(outputSummary({ stdout: 'o', stderr: ' line1\nline2\n' }), 'line1; line2');
  assert.equal(outputSummary({ stdout: 'only out\n', stderr: '' }), 'only out');
  const long = outputSummary({ stdout: '', stderr: `${'x'.repeat(500)}END` }, 10);
  assert.equal(long, '…xxxxxxxEND');
});
