/**
 * Finds the toolkit artifacts under the source root, through the injected read-only HostFs view (the same one
 * CDI discovery uses), before anything on disk changes. Paths are resolved as if the source root were `/` (an
 * absolute symlink inside an unpacked package points into the package, not into the installer's own image),
 * and unlike the original we never fall back to the installer's own PATH when an artifact is missing from the
 * source root.
 */
import { posix } from 'node:path';
import { joinRoot, resolveInRoot } from '../cdi/root-path';
import type { HostFs } from '../host/host-fs-api';

export interface Located {
  /** The artifact's name as looked up, e.g. `libnvidia-container.so.1`. */
  readonly name: string;
  /** The real file on this machine after resolving symlinks (inside the source root). */
  readonly source: string;
  /** Permission bits of the real file. */
  readonly mode: number;
}

export const LIBRARY_DIRS = [
  '/usr/lib64',
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
] as const;
export const EXECUTABLE_DIRS = [
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
] as const;

/** The first regular file named `name` in `dirs` under `root`; executables must have an execute bit. */
export function locate(
  fs: HostFs,
  root: string,
  name: string,
  dirs: readonly string[],
  executable: boolean,
): Located | undefined {
  for (const dir of dirs) {
    const found = resolveInRoot(fs, root, posix.join(dir, name));
    if (found === undefined || found.stat.kind !== 'file') continue;
    if (executable && (found.stat.mode & 0o111) === 0) continue;
    return { name, source: joinRoot(root, found.path), mode: found.stat.mode };
  }
  return undefined;
}

/** Whether `inRoot` is a regular file inside `root` (symlinks resolved inside the root). */
export function isFileInRoot(fs: HostFs, root: string, inRoot: string): boolean {
  return resolveInRoot(fs, root, inRoot)?.stat.kind === 'file';
}
