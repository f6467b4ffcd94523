// flock(2) locks through the Node-API addon and through util-linux flock(1): both exclude each other (and so
// the Go original's lock), a held lock is LockedError, and any other failure keeps the system's own message
// (issue 10 item 13: it used to be reported as "locked by another process").
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HostError, LockedError } from '../../src/errors';
import { addonLocker, defaultLocker, flockCommand, type Locker, lockFile } from '../../src/host/lock';
import { inCI } from '../helpers/binaries';

const ADDON = join(__dirname, '..', '..', 'dist', 'ctk-native.node');
const dir = mkdtempSync(join(tmpdir(), 'ctk-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const lockers: Locker[] = [flockCommand];
if (existsSync(ADDON)) lockers.push(addonLocker(require(ADDON)));
// O_PATH: a descriptor that names the file but cannot carry a lock (flock(2) fails with EBADF).
const O_PATH = 0o10000000;

it('the CLI uses the addon that the build made (flock(1) only where it could not be built)', () => {
  if (inCI()) assert.ok(existsSync(ADDON), `${ADDON} missing: the build needs gcc and node-api-headers`);
  assert.equal(defaultLocker().name, existsSync(ADDON) ? 'ctk-native.node' : 'flock(1)');
});

for (const locker of lockers) {
  describe(locker.name, () => {
    it('a lock held through another open file description is LockedError, also after waiting', () => {
      const file = join(dir, `held-${locker.name}`);
      const holder = lockFile(file, { waitSeconds: 0 }, locker);
      try {
        assert.throws(
          () => lockFile(file, { waitSeconds: 0 }, locker),
          (e: unknown) => {
            return e instanceof LockedError && e.message === `${file} is locked by another process`;
          },
        );
        const t = Date.now();
        assert.throws(
          () => lockFile(file, { waitSeconds: 1, heldMessage: 'busy' }, locker),
          /^LockedError: busy$/,
        );
        assert.ok(Date.now() - t >= 950, 'waited about a second');
      } finally {
        holder.release();
      }
      lockFile(file, { waitSeconds: 0 }, locker).release();
    });

    it('excludes a lock taken by the other implementation', () => {
      const file = join(dir, `cross-${locker.name}`);
      for (const other of lockers) {
        const holder = lockFile(file, { waitSeconds: 0 }, other);
        assert.throws(() => lockFile(file, { waitSeconds: 0 }, locker), LockedError);
        holder.release();
      }
    });

    it('a failure other than "held" is reported with the system’s own message, not as locked', () => {
      const file = join(dir, `opath-${locker.name}`);
      writeFileSync(file, '');
      const fd = openSync(file, O_PATH);
      try {
        assert.throws(
          () => locker.attempt(fd, file, 0),
          (e: unknown) =>
            e instanceof HostError &&
            e.message.startsWith(`${file}: cannot lock: `) &&
            /Bad file descriptor/.test(e.message),
        );
      } finally {
        closeSync(fd);
      }
    });
  });
}
