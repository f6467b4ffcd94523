/**
 * node:fs implementation of the HostFs view used by CDI discovery (host-fs-api.ts). Synchronous on
 * purpose: discovery makes a few hundred tiny stat/readdir calls, and the sync calls are faster than awaiting
 * each one (8 GPUs + MIG stays well under the 150 ms budget).
 */
import type { Stats } from 'node:fs';
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { HostError } from '../errors';
import { decodeRdev, type FileKind, type FileStat, type HostFs } from './host-fs-api';

function absent(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function fail(op: string, path: string, err: unknown): never {
  const e = err as NodeJS.ErrnoException;
  const why = e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : (e.code ?? e.message);
  throw new HostError(`${path}: cannot ${op}: ${why}`, { file: path, cause: err });
}

function kindOf(s: Stats): FileKind {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'dir';
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isCharacterDevice()) return 'char';
  if (s.isBlockDevice()) return 'block';
  if (s.isFIFO()) return 'fifo';
  return 'socket';
}

function toStat(s: Stats): FileStat {
  const kind = kindOf(s);
  const dev = kind === 'char' || kind === 'block' ? decodeRdev(s.rdev) : { major: 0, minor: 0 };
  return { kind, major: dev.major, minor: dev.minor, mode: s.mode & 0o7777, size: s.size };
}

export function nodeHostFs(): HostFs {
  return {
    readFile(path) {
      try {
        return readFileSync(path);
      } catch (err) {
        if (absent(err)) return undefined;
        return fail('read', path, err);
      }
    },
    readdir(path) {
      try {
        return readdirSync(path);
      } catch (err) {
        if (absent(err)) return [];
        return fail('list', path, err);
      }
    },
    lstat(path) {
      try {
        return toStat(lstatSync(path));
      } catch (err) {
        if (absent(err)) return undefined;
        return fail('stat', path, err);
      }
    },
    stat(path) {
      try {
        return toStat(statSync(path));
      } catch (err) {
        // A dangling symlink or a loop is "not there" for discovery.
        if (absent(err) || (err as NodeJS.ErrnoException).code === 'ELOOP') return undefined;
        return fail('stat', path, err);
      }
    },
    readlink(path) {
      try {
        return readlinkSync(path);
      } catch (err) {
        if (absent(err) || (err as NodeJS.ErrnoException).code === 'EINVAL') return undefined;
        return fail('read link', path, err);
      }
    },
    exists(path) {
      return this.lstat(path) !== undefined;
    },
  };
}
