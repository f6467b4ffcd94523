/**
 * Compare-and-swap writes on a real disk (issue 10 item 8): a target that no longer holds the bytes the plan
 * was made from is not replaced, and what the same call already wrote is taken back.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { applyWrites } from '../../src/host/apply-writes';
import { atomicWrite, removeFile, WriteConflict } from '../../src/host/files';

const dir = mkdtempSync(join(tmpdir(), 'ctk-cas-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const conflict = (err: unknown) =>
  err instanceof WriteConflict && /changed by another program/.test(err.message);

test('a file edited since it was read is not overwritten', () => {
  const p = join(dir, 'a.toml');
  writeFileSync(p, 'edited by someone else\n');
  assert.throws(() => atomicWrite(p, 'ours\n', { expect: 'as we read it\n' }), conflict);
  assert.equal(readFileSync(p, 'utf8'), 'edited by someone else\n');
  atomicWrite(p, 'ours\n', { expect: 'edited by someone else\n' });
  assert.equal(readFileSync(p, 'utf8'), 'ours\n');
});

test('a file created since we saw none, or removed since we read it, is a conflict too', () => {
  const p = join(dir, 'b.toml');
  writeFileSync(p, 'new\n');
  assert.throws(() => atomicWrite(p, 'ours\n', { expect: null }), conflict);
  assert.throws(() => removeFile(p, 'what we read\n'), conflict);
  assert.equal(readFileSync(p, 'utf8'), 'new\n');
  rmSync(p);
  assert.throws(() => atomicWrite(p, 'ours\n', { expect: 'what we read\n' }), conflict);
  assert.equal(existsSync(p), false);
});

test('applyWrites: the second file conflicting takes back the first', () => {
  const drop = join(dir, 'drop.toml');
  const main = join(dir, 'main.toml');
  writeFileSync(main, 'changed meanwhile\n');
  assert.throws(
    () =>
      applyWrites(
        [
          { path: main, before: 'version = 2\n', after: 'version = 2\nimports = ["drop.toml"]\n' },
          { path: drop, before: null, after: 'version = 2\n' },
        ],
        'setup',
      ),
    conflict,
  );
  assert.equal(existsSync(drop), false, 'the drop-in written first is gone');
  assert.equal(readFileSync(main, 'utf8'), 'changed meanwhile\n');
});
