/**
 * Driver files under the driver root: the user-space libraries of the running driver version (found through
 * the root's own ld.so.cache when it has one, else by scanning the usual library directories), the tools
 * (`nvidia-smi`…), the GSP firmware and the daemons' IPC sockets.
 */
import { posix } from 'node:path';
import { ConfigError } from '../errors';
import type { FileKind, HostFs } from '../host/host-fs-api';
import { is64BitLibc6, type LdCacheEntry, parseLdCache } from './ldcache';
import { compareNatural } from './proc-parse';
import { joinRoot, resolveInRoot } from './root-path';

export interface DriverFile {
  /** Path inside the container (an in-root path). */
  readonly path: string;
  /** The real file on this machine (driver root + in-root path, symlinks resolved inside the root). */
  readonly local: string;
}

export interface FileContext {
  readonly fs: HostFs;
  readonly driverRoot: string;
  readonly warn: (message: string) => void;
}

/** Searched in this order when the driver root has no usable ld.so.cache (upstream's list). */
export const LIB_DIRS = [
  '/usr/lib64',
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/lib64',
  '/usr/lib',
  '/lib',
] as const;
const BIN_DIRS = ['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/bin'] as const;
const BINARIES = [
  'nvidia-smi',
  'nvidia-debugdump',
  'nvidia-persistenced',
  'nvidia-cuda-mps-control',
  'nvidia-cuda-mps-server',
] as const;
/** Libraries without which CUDA or nvidia-smi cannot work: a missing one is worth a warning. */
export const EXPECTED_LIBS = ['libcuda', 'libnvidia-ml', 'libnvidia-ptxjitcompiler'] as const;
const IPC: readonly [string, FileKind][] = [
  ['/run/nvidia-persistenced/socket', 'socket'],
  ['/run/nvidia-fabricmanager/socket', 'socket'],
  ['/tmp/nvidia-mps', 'dir'],
];

function locate(
  ctx: FileContext,
  inRoot: string,
  kind: FileKind,
): { path: string; local: string } | undefined {
  const found = resolveInRoot(ctx.fs, ctx.driverRoot, inRoot);
  if (found === undefined || found.stat.kind !== kind) return undefined;
  return { path: found.path, local: joinRoot(ctx.driverRoot, found.path) };
}

/** The 64-bit entries of `<root>/etc/ld.so.cache`; undefined when there is none or it cannot be read. */
export function readLdCache(ctx: FileContext): LdCacheEntry[] | undefined {
  const cache = locate(ctx, '/etc/ld.so.cache', 'file');
  if (cache === undefined) return undefined;
  const bytes = ctx.fs.readFile(cache.local);
  if (bytes === undefined) return undefined;
  try {
    return parseLdCache(bytes, cache.local).filter(is64BitLibc6);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    ctx.warn(`${err.message}; scanning library directories instead`);
    return undefined;
  }
}

const LIBCUDA = /^libcuda\.so\.(\d+\.\d+(?:\.\d+)?)$/;

function findLibcuda(ctx: FileContext, cache: LdCacheEntry[] | undefined, version: string | undefined) {
  const fits = (f: { path: string } | undefined) => {
    const m = f ? LIBCUDA.exec(posix.basename(f.path)) : null;
    return m !== null && (version === undefined || m[1] === version);
  };
  for (const e of cache ?? []) {
    if (!e.name.startsWith('libcuda.so')) continue;
    const f = locate(ctx, e.path, 'file');
    if (f && fits(f)) return f;
  }
  const seen = new Set<string>();
  for (const dir of LIB_DIRS) {
    const d = locate(ctx, dir, 'dir');
    if (d === undefined || seen.has(d.path)) continue;
    seen.add(d.path);
    const names = ctx.fs
      .readdir(d.local)
      .filter((n) => LIBCUDA.test(n))
      .sort(compareNatural)
      .reverse();
    for (const n of names) {
      const f = locate(ctx, posix.join(d.path, n), 'file');
      if (f && fits(f)) return f;
    }
  }
  return undefined;
}

export interface Libraries {
  readonly version?: string;
  readonly libcuda?: DriverFile;
  readonly libraries: readonly DriverFile[];
}

/**
 * Every `lib*.so.<version>` beside libcuda (that is how the driver installs its user-space half), plus any
 * other `*.so.<version>` the root's ld.so.cache points to. `version` is the kernel module's (preferred: user
 * space must match it); without it, libcuda's suffix decides.
 */
export function discoverLibraries(ctx: FileContext, version: string | undefined): Libraries {
  const cache = readLdCache(ctx);
  let libcuda = findLibcuda(ctx, cache, version);
  if (libcuda === undefined && version !== undefined) {
    libcuda = findLibcuda(ctx, cache, undefined);
    if (libcuda)
      ctx.warn(
        `kernel module is ${version} but the driver root has ${posix.basename(libcuda.path)} (version mismatch)`,
      );
  }
  if (libcuda === undefined) {
    ctx.warn(
      `libcuda.so${version ? `.${version}` : ''} not found under ${ctx.driverRoot}; no driver libraries are mounted`,
    );
    return { version, libraries: [] };
  }
  const ver = LIBCUDA.exec(posix.basename(libcuda.path))![1]!;
  const suffix = `.so.${ver}`;
  const found = new Map<string, DriverFile>();
  const dir = posix.dirname(libcuda.path);
  for (const n of ctx.fs.readdir(joinRoot(ctx.driverRoot, dir))) {
    if (!n.startsWith('lib') || !n.endsWith(suffix)) continue;
    const f = locate(ctx, posix.join(dir, n), 'file');
    if (f) found.set(f.path, f);
  }
  for (const e of cache ?? []) {
    const f = locate(ctx, e.path, 'file');
    if (f?.path.endsWith(suffix) && posix.basename(f.path).startsWith('lib')) found.set(f.path, f);
  }
  const libraries = [...found.values()].sort((a, b) => compareNatural(a.path, b.path));
  for (const base of EXPECTED_LIBS) {
    if (!libraries.some((l) => posix.basename(l.path) === `${base}${suffix}`)) {
      ctx.warn(`driver library ${base}${suffix} not found under ${joinRoot(ctx.driverRoot, dir)}; skipped`);
    }
  }
  return { version: version ?? ver, libcuda, libraries };
}

export function discoverBinaries(ctx: FileContext): DriverFile[] {
  const out: DriverFile[] = [];
  for (const name of BINARIES) {
    for (const dir of BIN_DIRS) {
      const f = locate(ctx, `${dir}/${name}`, 'file');
      if (f) {
        // Mounted where it was found (a link in /usr/bin stays /usr/bin/nvidia-smi in the container).
        out.push({ path: `${dir}/${name}`, local: f.local });
        break;
      }
    }
  }
  return out;
}

/** GSP firmware of this driver version (`/lib/firmware/nvidia/<version>/*.bin`). */
export function discoverFirmware(ctx: FileContext, version: string | undefined): DriverFile[] {
  if (version === undefined) return [];
  for (const dir of [`/lib/firmware/nvidia/${version}`, `/usr/lib/firmware/nvidia/${version}`]) {
    const d = locate(ctx, dir, 'dir');
    if (d === undefined) continue;
    return ctx.fs
      .readdir(d.local)
      .sort(compareNatural)
      .flatMap((n) => {
        const f = locate(ctx, posix.join(d.path, n), 'file');
        return f ? [{ path: `${dir}/${n}`, local: f.local }] : [];
      });
  }
  return [];
}

/** nvidia-persistenced and fabric manager sockets and the MPS pipe directory, when the daemons run. */
export function discoverIpc(ctx: FileContext): DriverFile[] {
  return IPC.flatMap(([path, kind]) => {
    const f = locate(ctx, path, kind);
    return f ? [{ path, local: f.local }] : [];
  });
}
