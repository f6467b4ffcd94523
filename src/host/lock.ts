/**
 * flock(2) locks on a file descriptor we keep open: a killed holder never leaves a stale lock, and the Go
 * original's pid-file lock and ours exclude each other. The lock is taken by the Node-API addon
 * (native/flock.c, built into dist/ctk-native.node; src/host/native.ts) when it is there: 1 ms instead of the 10-15 ms of starting
 * util-linux `flock`, which is the fallback (it locks the descriptor it inherits from us, and the lock lives
 * on in our open file description after it exits). Either way only "held by another process" is reported as
 * LockedError; any other failure carries the system's own message.
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { HostError, LockedError } from '../errors';
import { describe } from './files';
import { ADDON_NAME, type NativeAddon, nativeAddon } from './native';

/** How an exclusive flock(2) is taken on an open descriptor: 'held' once waitSeconds passed without it. */
export interface Locker {
  readonly name: string;
  attempt(fd: number, path: string, waitSeconds: number): 'taken' | 'held';
}

export interface FileLock {
  readonly path: string;
  readonly fd: number;
  release(): void;
}

export interface LockOptions {
  /** Seconds to wait for the lock; 0 fails at once when another process holds it. */
  readonly waitSeconds: number;
  /** Message for LockedError when the lock is held. */
  readonly heldMessage?: string;
  /** Mode for a lock file that does not exist yet. */
  readonly mode?: number;
  /** Mode for the lock file's directory when it has to be (re)created. Default 0755. */
  readonly dirMode?: number;
}

export function lockFile(path: string, opts: LockOptions, locker: Locker = defaultLocker()): FileLock {
  // A holder may unlink the lock file when it is done with it (see removeLockFile); whoever then got the lock
  // on the unlinked inode must retry on the new file, or two processes would both "hold" it. The holder may
  // have removed the directory too (the last cleanup removes the state directory), so it is made every time.
  for (;;) {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: opts.dirMode ?? 0o755 });
    } catch (err) {
      throw new HostError(`${path}: cannot create its directory: ${describe(err)}`, { file: path });
    }
    const fd = openAndLock(path, opts, locker);
    if (fd === undefined) continue; // the directory went away between mkdir and open
    let same = false;
    try {
      same = fstatSync(fd).ino === statSync(path).ino;
    } catch {
      same = false;
    }
    if (same) return handle(path, fd);
    closeSync(fd);
  }
}

function openAndLock(path: string, opts: LockOptions, locker: Locker): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT, opts.mode ?? 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HostError(`${path}: cannot open lock file: ${(err as Error).message}`, { file: path });
  }
  takeOrClose(fd, path, opts, locker);
  return fd;
}

/** Takes the lock on `fd`, closing it when that fails. */
function takeOrClose(fd: number, path: string, opts: LockOptions, locker: Locker): void {
  let got: 'taken' | 'held';
  try {
    got = locker.attempt(fd, path, opts.waitSeconds);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  if (got === 'held') {
    closeSync(fd);
    throw new LockedError(opts.heldMessage ?? `${path} is locked by another process`);
  }
}

/**
 * flock(2) on an existing directory itself: nothing is created in it, so a run that is refused leaves the
 * directory exactly as it was (its mtime included).
 */
export function lockDirectory(dir: string, opts: LockOptions, locker: Locker = defaultLocker()): FileLock {
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (err) {
    // O_DIRECTORY on something else is ENOTDIR too, which describe() words as a parent's problem
    const why = (err as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'not a directory' : describe(err);
    throw new HostError(`${dir}: cannot open the directory to lock it: ${why}`, { file: dir });
  }
  takeOrClose(fd, dir, opts, locker);
  return handle(dir, fd);
}

/** flock(1)'s exit status when the lock is held (or the wait timed out); it uses no other status for that. */
const HELD_STATUS = 75;

/** util-linux `flock` on the descriptor, passed to it as its fd 3. */
export const flockCommand: Locker = {
  name: 'flock(1)',
  attempt(fd, path, waitSeconds) {
    const args = [
      '--exclusive',
      '--conflict-exit-code',
      String(HELD_STATUS),
      ...(waitSeconds > 0 ? ['--timeout', String(waitSeconds)] : ['--nonblock']),
      '3',
    ];
    // loaded only for this fallback: node:child_process costs ~5 ms of every start (see proc.ts)
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const r = spawnSync('flock', args, { stdio: ['ignore', 'ignore', 'pipe', fd], encoding: 'utf8' });
    if (r.error)
      throw new HostError(`cannot run flock(1) to lock ${path}: ${r.error.message} (install util-linux)`);
    if (r.status === 0) return 'taken';
    if (r.status === HELD_STATUS) return 'held';
    const said =
      r.stderr.trim().split('\n').pop() || (r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`);
    throw new HostError(`${path}: cannot lock: ${said}`, { file: path });
  },
};

type FlockAddon = Pick<NativeAddon, 'tryLock'>;

/** The Node-API addon: polls a non-blocking flock(2) until waitSeconds have passed. */
export function addonLocker(addon: FlockAddon): Locker {
  return {
    name: ADDON_NAME,
    attempt(fd, path, waitSeconds) {
      const deadline = Date.now() + waitSeconds * 1000;
      const sleeper = new Int32Array(new SharedArrayBuffer(4));
      for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
        try {
          if (addon.tryLock(fd)) return 'taken';
        } catch (err) {
          throw new HostError(`${path}: cannot lock: ${(err as Error).message}`, { file: path });
        }
        const left = deadline - Date.now();
        if (left <= 0) return 'held';
        Atomics.wait(sleeper, 0, 0, Math.min(pause, left));
      }
    },
  };
}

let chosen: Locker | undefined;

/** The addon (src/host/native.ts), else flock(1). */
export function defaultLocker(): Locker {
  if (!chosen) {
    const addon = nativeAddon();
    chosen = addon ? addonLocker(addon) : flockCommand;
  }
  return chosen;
}

function handle(path: string, fd: number): FileLock {
  let released = false;
  return {
    path,
    fd,
    release() {
      if (released) return;
      released = true;
      closeSync(fd);
    },
  };
}

/** Unlinks a lock file while still holding it (waiters notice and retry), then releases it. */
export function removeLockFile(lock: FileLock): void {
  try {
    unlinkSync(lock.path);
  } catch {
    // already gone
  }
  lock.release();
}
