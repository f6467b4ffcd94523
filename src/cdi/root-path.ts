/**
 * Paths inside a root directory (a driver root such as /run/nvidia/driver, or a container's view of it):
 * symlinks are followed as if the root were `/`, so an absolute link like
 * `libcuda.so.1 -> /usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15` inside the driver root never escapes to the
 * host's own /usr. This is the difference between mounting the driver's library and mounting whatever the host
 * happens to have at that path.
 */
import { posix } from 'node:path';
import type { FileStat, HostFs } from '../host/host-fs-api';

const MAX_LINKS = 40; // Linux's own limit (ELOOP)

/** `root` + in-root absolute path, without doubling slashes; root `/` gives the path itself. */
export function joinRoot(root: string, inRoot: string): string {
  const r = root === '' ? '/' : root;
  return posix.join(r, inRoot.startsWith('/') ? inRoot : `/${inRoot}`);
}

function parts(p: string): string[] {
  return p.split('/').filter((s) => s !== '' && s !== '.');
}

/**
 * Resolves every symlink in `inRoot` (an absolute path inside `root`), confined to `root`. Returns the resolved
 * in-root path and its lstat, or undefined when a component is missing or the links loop.
 */
export function resolveInRoot(
  fs: HostFs,
  root: string,
  inRoot: string,
): { path: string; stat: FileStat } | undefined {
  const done: string[] = [];
  let todo = parts(inRoot);
  let links = 0;
  let stat: FileStat | undefined = fs.lstat(joinRoot(root, '/'));
  if (stat === undefined) return undefined;
  while (todo.length > 0) {
    const [head, ...rest] = todo as [string, ...string[]];
    todo = rest;
    if (head === '..') {
      done.pop(); // `..` at the root stays at the root, as in a chroot
      stat = fs.lstat(joinRoot(root, `/${done.join('/')}`));
      continue;
    }
    const candidate = `/${[...done, head].join('/')}`;
    stat = fs.lstat(joinRoot(root, candidate));
    if (stat === undefined) return undefined;
    if (stat.kind === 'symlink') {
      if (++links > MAX_LINKS) return undefined;
      const target = fs.readlink(joinRoot(root, candidate));
      if (target === undefined) return undefined;
      if (target.startsWith('/')) done.length = 0;
      todo = [...parts(target), ...todo];
      stat = fs.lstat(joinRoot(root, `/${done.join('/')}`));
      continue;
    }
    if (todo.length > 0 && stat.kind !== 'dir') return undefined;
    done.push(head);
  }
  if (stat === undefined) return undefined;
  return { path: `/${done.join('/')}`, stat };
}
