/**
 * File effects for everything the tool writes under /etc. Writes are crash-safe: a hidden temp file in the
 * same directory (a name no daemon glob such as `*.toml`, `*.json` or `*.conf` matches), O_EXCL, the old
 * file's mode and owner, fsync, rename over the target, then fsync of the directory so the rename itself is
 * durable. Symlinks are written through: the link stays, its target gets the new content.
 */
import type { Stats } from 'node:fs';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HostError } from '../errors';

export interface FileState {
  readonly path: string;
  /** The file the bytes really live in (symlinks resolved); equals path when it is not a link. */
  readonly realPath: string;
  readonly exists: boolean;
  readonly bytes: Buffer;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly mtimeMs?: number;
}

/** A short reason for a file-system error (`permission denied`, `is a directory`…). */
export function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, expected a file';
    case 'ENOTDIR':
      return 'a parent of this path is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EBUSY':
      return 'device or resource busy (a mount point?)';
    default:
      return e.message ?? String(err);
  }
}

/** Resolves symlinks of the final component (and parents), keeping a dangling link's target as the write target. */
function resolveTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new HostError(`${path}: ${describe(err)}`, { file: path });
    let link: string;
    try {
      link = readlinkSync(path);
    } catch {
      return path; // plain missing file
    }
    return link.startsWith('/') ? link : join(dirname(path), link);
  }
}

/** Reads a file we may edit. Missing → exists:false with empty bytes; a directory or unreadable file → HostError. */
export function readFileState(path: string): FileState {
  const realPath = resolveTarget(path);
  let st: Stats;
  try {
    st = statSync(realPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { path, realPath, exists: false, bytes: Buffer.alloc(0) };
    throw new HostError(`${path}: ${describe(err)}`, { file: path });
  }
  if (st.isDirectory()) throw new HostError(`${path}: is a directory, expected a file`, { file: path });
  if (!st.isFile()) throw new HostError(`${path}: not a regular file`, { file: path });
  try {
    const bytes = readFileSync(realPath);
    return {
      path,
      realPath,
      exists: true,
      bytes,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      mtimeMs: st.mtimeMs,
    };
  } catch (err) {
    throw new HostError(`${path}: cannot read: ${describe(err)}`, { file: path });
  }
}

export interface WriteOptions {
  /** Mode for a file that does not exist yet (existing files keep theirs). Default 0644. */
  readonly mode?: number;
  /** Mode for parent directories that must be created. Default 0755. */
  readonly dirMode?: number;
  /**
   * Compare-and-swap: the text the target must still hold right before the rename (null: it must not
   * exist). When it does not, nothing is replaced and WriteConflict is thrown.
   */
  readonly expect?: string | null;
}

/**
 * The file is not what the caller read: another program wrote it meanwhile (without our lock). Replacing it
 * would silently lose that program's edit.
 */
export class WriteConflict extends HostError {
  constructor(path: string) {
    super(`${path}: changed by another program since it was read; not overwriting its edit`, { file: path });
  }
}

/** Throws WriteConflict unless `target` holds exactly `expect` (null: is absent). */
function checkUnchanged(path: string, target: string, expect: string | null): void {
  let now: Buffer | null;
  try {
    now = readFileSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    now = null;
  }
  const same = expect === null ? now === null : now?.equals(Buffer.from(expect, 'utf8')) === true;
  if (!same) throw new WriteConflict(path);
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A temp name beside the target that never matches a daemon's config glob: 12 hex digits (removeStaleTemps
 * knows them by that) from Math.random, seeded per process by V8, instead of node:crypto (~4 ms of every start
 * to load). O_EXCL refuses a name that exists, and the lock serialises the writers of one target.
 */
export function tempNameFor(target: string): string {
  const unique = Math.floor(Math.random() * 2 ** 48)
    .toString(16)
    .padStart(12, '0');
  return join(dirname(target), `.${basename(target)}.${unique}.ctk-tmp`);
}

/**
 * Removes temp files a killed writer left beside `path` (hidden, never read by a daemon, but litter in /etc).
 * Call it only while holding the lock that serialises every writer of `path`: a live writer's temp file would
 * go too. Returns how many were removed.
 */
export function removeStaleTemps(path: string): number {
  let target: string;
  try {
    target = resolveTarget(path);
  } catch {
    return 0;
  }
  const prefix = `.${basename(target)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(target));
  } catch {
    return 0;
  }
  let removed = 0;
  for (const n of names) {
    if (!n.startsWith(prefix) || !/^[0-9a-f]{12}\.ctk-tmp$/.test(n.slice(prefix.length))) continue;
    try {
      unlinkSync(join(dirname(target), n));
      removed++;
    } catch {
      // gone already, or not ours to remove: it never matches a daemon glob either way
    }
  }
  return removed;
}

export function atomicWrite(path: string, data: string | Buffer, opts: WriteOptions = {}): void {
  const target = resolveTarget(path);
  const dir = dirname(target);
  try {
    mkdirSync(dir, { recursive: true, mode: opts.dirMode ?? 0o755 });
  } catch (err) {
    throw new HostError(`${path}: cannot create directory ${dir}: ${describe(err)}`, { file: path });
  }
  let existing: Stats | undefined;
  try {
    existing = statSync(target);
  } catch {
    existing = undefined;
  }
  if (existing?.isDirectory())
    throw new HostError(`${path}: is a directory, expected a file`, { file: path });
  const tmp = tempNameFor(target);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    if (existing) {
      try {
        fchownSync(fd, existing.uid, existing.gid);
      } catch (err) {
        // Only root may chown to another owner; a non-root writer keeps its own (the file stays usable).
        if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
      }
    }
    fchmodSync(fd, existing ? existing.mode & 0o7777 : (opts.mode ?? 0o644));
    writeFileSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    // as late as possible: what is left is the window between this read and the rename (microseconds)
    if (opts.expect !== undefined) checkUnchanged(path, target, opts.expect);
    renameSync(tmp, target);
    fsyncDir(dir);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    if (err instanceof WriteConflict) throw err;
    throw new HostError(`${path}: cannot write: ${describe(err)}`, { file: path });
  }
}

/**
 * Removes a file. Through a symlink only the target goes: a link that was there before setup (dangling then)
 * is the user's and stays. Missing is fine.
 */
export function removeFile(path: string, expect?: string): boolean {
  const target = resolveTarget(path);
  if (expect !== undefined) checkUnchanged(path, target, expect);
  try {
    unlinkSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new HostError(`${path}: cannot remove: ${describe(err)}`, { file: path });
  }
  try {
    fsyncDir(dirname(target));
  } catch {
    // the unlink already happened; a directory we cannot open for fsync is not worth failing over
  }
  return true;
}
