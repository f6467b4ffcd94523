/**
 * The read-only file-system view CDI discovery and the toolkit installer need. Discovery is pure logic over
 * this interface, so it can run against a temp-dir fixture, a driver container's root or the real host
 * without change. The node:fs implementation lives beside it in host-fs.ts.
 *
 * Contract: a path that does not exist (ENOENT, or ENOTDIR on a parent) is an answer, never an error:
 * `undefined`, `[]` or `false`. Anything else (EACCES, EIO…) throws a HostError naming the path.
 */
export type FileKind = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export interface FileStat {
  readonly kind: FileKind;
  /** Device numbers decoded from st_rdev (0 unless kind is char or block). */
  readonly major: number;
  readonly minor: number;
  /** Permission bits (st_mode & 0o7777). */
  readonly mode: number;
  readonly size: number;
}

export interface HostFs {
  readFile(path: string): Uint8Array | undefined;
  /** Entry names (no `.`/`..`), unsorted; `[]` when the directory is missing or not a directory. */
  readdir(path: string): string[];
  lstat(path: string): FileStat | undefined;
  stat(path: string): FileStat | undefined;
  readlink(path: string): string | undefined;
  exists(path: string): boolean;
}

/** Linux `new_decode_dev`: the 64-bit st_rdev layout glibc and the kernel use (12-bit/20-bit split + high bits). */
export function decodeRdev(rdev: number): { major: number; minor: number } {
  const lo = (rdev % 0x1_0000_0000) >>> 0;
  const hi = Math.floor(rdev / 0x1_0000_0000) >>> 0;
  const major = (((lo >>> 8) & 0xfff) | (hi & 0xfffff000)) >>> 0;
  const minor = ((lo & 0xff) | (((lo >>> 12) | (hi << 20)) & 0xffffff00)) >>> 0;
  return { major, minor };
}

export function readText(fs: HostFs, path: string): string | undefined {
  const bytes = fs.readFile(path);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}
