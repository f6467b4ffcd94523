/**
 * Regression tests for what the crash, concurrency and bad-input suites found in src/host (each also covered
 * end to end by its suite): temp files left by a killed writer, a lock directory removed under a waiter, a
 * refused write that left half a change, and raw errno errors from creating the state directory.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { HostError } from '../../src/errors';
import { applyWrites } from '../../src/host/apply-writes';
import { removeStaleTemps } from '../../src/host/files';
import { lockLedger } from '../../src/host/ledger-store';
import { lockFile, removeLockFile } from '../../src/host/lock';

const work = mkdtempSync(join(tmpdir(), 'ctk-reg-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('host regressions', () => {
  test('removeStaleTemps removes the temp files of that file only', () => {
    const d = join(work, 'temps');
    mkdirSync(d);
    const keep = [
      'config.toml',
      '.config.toml.swp',
      '.other.toml.0123456789ab.ctk-tmp',
      '.config.toml.xyz.ctk-tmp',
    ];
    for (const n of [...keep, '.config.toml.0123456789ab.ctk-tmp', '.config.toml.a1b2c3d4e5f6.ctk-tmp'])
      writeFileSync(join(d, n), 'x');
    assert.equal(removeStaleTemps(join(d, 'config.toml')), 2);
    assert.deepEqual(readdirSync(d).sort(), [...keep].sort());
  });

  test('a refused write takes back the writes before it and the directories they made', () => {
    const d = join(work, 'rollback');
    mkdirSync(d);
    const main = join(d, 'config.toml');
    writeFileSync(main, 'version = 2\n');
    mkdirSync(join(d, 'in-the-way'));
    const drop = join(d, 'conf.d', 'sub', '99-nvidia.toml');
    assert.throws(
      () =>
        applyWrites(
          [
            // setup order: the drop-in (last here) is written first, then the main file, which is refused
            { path: join(d, 'in-the-way'), before: 'version = 2\n', after: 'version = 2\nimports = []\n' },
            { path: drop, before: null, after: 'version = 2\n' },
          ],
          'setup',
        ),
      HostError,
    );
    assert.equal(existsSync(drop), false, 'the drop-in written first is gone');
    assert.equal(existsSync(join(d, 'conf.d')), false, 'and so are the directories made for it');
    assert.equal(readFileSync(main, 'utf8'), 'version = 2\n');
  });

  test('a waiter whose lock directory was removed by the holder makes it again', () => {
    const lockPath = join(work, 'lockdir', 'x.lock');
    const held = lockFile(lockPath, { waitSeconds: 5 });
    removeLockFile(held);
    rmSync(join(work, 'lockdir'), { recursive: true });
    const again = lockFile(lockPath, { waitSeconds: 5 });
    assert.ok(existsSync(lockPath));
    again.release();
  });

  test('a config directory that cannot be locked is a HostError naming the config, not a raw errno error', () => {
    const file = join(work, 'a-file');
    writeFileSync(file, '');
    assert.throws(
      () => lockLedger(join(file, 'config.toml'), 1),
      (err: unknown) => {
        assert.ok(err instanceof HostError);
        assert.match(
          err.message,
          /config\.toml: .*a-file: cannot open the directory to lock it: not a directory/,
        );
        return true;
      },
    );
  });
});
