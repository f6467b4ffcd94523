/**
 * flock(2) locks without a native addon: util-linux `flock` locks a file descriptor it inherits from us, and
 * the lock lives on in our open file description after the helper exits. Using flock(2) semantics (not a
 * lock directory) means a killed holder never leaves a stale lock, and the Go original's pid-file lock and ours
 * exclude each other.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { HostError, LockedError } from '../errors';
import { describe } from './files';

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

export function lockFile(path: string, opts: LockOptions): FileLock {
  // A holder may unlink the lock file when it is done with it (see removeLockFile); whoever then got the lock
  // on the unlinked inode must retry on the new file, or two processes would both "hold" it. The holder may
  // have removed the directory too (the last cleanup removes the state directory), so it is made every time.
  for (;;) {
    try {
      fs.mkdirSync(dirname(path), { recursive: true, mode: opts.dirMode ?? 0o755 });
    } catch (err) {
      throw new HostError(`${path}: cannot create its directory: ${describe(err)}`, { file: path });
    }
    const fd = openAndLock(path, opts);
    if (fd === undefined) continue; // the directory went away between mkdir and open
    let same = false;
    try {
      same = fs.fstatSync(fd).ino === fs.statSync(path).ino;
    } catch {
      same = false;
    }
    if (same) return handle(path, fd);
    fs.closeSync(fd);
  }
}

function openAndLock(path: string, opts: LockOptions): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, opts.mode ?? 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HostError(`${path}: cannot open lock file: ${(err as Error).message}`, { file: path });
  }
  const args = [
    '--exclusive',
    ...(opts.waitSeconds > 0 ? ['--timeout', String(opts.waitSeconds)] : ['--nonblock']),
    '3',
  ];
  const r = spawnSync('flock', args, { stdio: ['ignore', 'ignore', 'pipe', fd] });
  if (r.error) {
    fs.closeSync(fd);
    throw new HostError(`cannot run flock(1) to lock ${path}: ${r.error.message} (install util-linux)`);
  }
  if (r.status !== 0) {
    fs.closeSync(fd);
    throw new LockedError(opts.heldMessage ?? `${path} is locked by another process`);
  }
  return fd;
}

function handle(path: string, fd: number): FileLock {
  let released = false;
  return {
    path,
    fd,
    release() {
      if (released) return;
      released = true;
      fs.closeSync(fd);
    },
  };
}

/** Unlinks a lock file while still holding it (waiters notice and retry), then releases it. */
export function removeLockFile(lock: FileLock): void {
  try {
    fs.unlinkSync(lock.path);
  } catch {
    // already gone
  }
  lock.release();
}
