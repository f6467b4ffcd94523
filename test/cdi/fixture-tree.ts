/**
 * Fixture host trees for CDI discovery, built in a temp dir: a driver root with libraries (real files and the
 * usual soname symlinks), tools, firmware and sockets; a dev root with device nodes made by `mknod` (we run as
 * root); and a proc root with the NVIDIA driver's procfs files, as the 550 driver writes them.
 *
 * Without root (outside CI only) nodes become regular files and `fixture.fs` reports them as the char devices
 * they stand for; in CI a missing mknod is a failure, never a silent downgrade.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { nodeHostFs } from '../../src/host/host-fs';
import type { FileStat, HostFs } from '../../src/host/host-fs-api';
import { type CacheEntry, writeLdCache } from './ldcache-writer';

export const VERSION = '550.54.15';
export const MAJORS = { nvidia: 195, uvm: 511, caps: 508, imex: 509 } as const;
export const LIB_DIR = '/usr/lib/x86_64-linux-gnu';
/** What a 550 driver installs beside libcuda (a representative subset). */
export const DRIVER_LIBS = [
  'libcuda',
  'libcudadebugger',
  'libnvidia-allocator',
  'libnvidia-cfg',
  'libnvidia-gpucomp',
  'libnvidia-ml',
  'libnvidia-nvvm',
  'libnvidia-opencl',
  'libnvidia-ptxjitcompiler',
] as const;
export const BINARIES = [
  'nvidia-smi',
  'nvidia-debugdump',
  'nvidia-persistenced',
  'nvidia-cuda-mps-control',
  'nvidia-cuda-mps-server',
];

export interface MigInstance {
  readonly gi: number;
  readonly giMinor: number;
  readonly cis: readonly { readonly ci: number; readonly minor: number }[];
}

export interface FixtureGpu {
  readonly busId: string;
  readonly minor: number;
  readonly uuid: string;
  readonly model?: string;
  readonly mig?: readonly MigInstance[];
  /** Leave /dev/nvidia<minor> out. */
  readonly noNode?: boolean;
}

export interface FixtureOptions {
  readonly gpus?: readonly FixtureGpu[];
  /** Where the driver root sits inside the temp dir (default `/driver-root`). */
  readonly driverRootPath?: string;
  readonly version?: string;
  readonly omitLibs?: readonly string[];
  /** Write `<root>/etc/ld.so.cache` in this layout (default: none, so discovery scans directories). */
  readonly ldCache?: 'none' | 'new' | 'old' | 'compat';
  /** Soname links as absolute paths (`/usr/lib/…/libcuda.so.550.54.15`), as some distributions ship them. */
  readonly absoluteLinks?: boolean;
  /** nvidiactl, nvidia-uvm, nvidia-uvm-tools, nvidia-modeset (default true). */
  readonly control?: boolean;
  readonly imexChannels?: number;
  readonly persistencedSocket?: boolean;
  /** Write `<proc>/driver/nvidia/version` (default true). */
  readonly procVersion?: boolean;
}

export interface Fixture {
  readonly base: string;
  readonly driverRoot: string;
  readonly devRoot: string;
  readonly procRoot: string;
  readonly fs: HostFs;
  readonly realNodes: boolean;
  cleanup(): Promise<void>;
}

const BUS_IDS = [
  '0000:18:00.0',
  '0000:2a:00.0',
  '0000:3a:00.0',
  '0000:5d:00.0',
  '0000:9a:00.0',
  '0000:ab:00.0',
  '0000:ba:00.0',
  '0000:db:00.0',
];

export function uuidFor(i: number): string {
  const h = (n: number, w: number) => ((i + 1) * 0x9e3779b1 + n).toString(16).padStart(w, '0').slice(-w);
  return `GPU-${h(1, 8)}-${h(2, 4)}-${h(3, 4)}-${h(4, 4)}-${h(5, 12)}`;
}

export function gpuList(n: number, mig?: (i: number) => readonly MigInstance[] | undefined): FixtureGpu[] {
  return Array.from({ length: n }, (_, i) => ({
    busId: BUS_IDS[i] ?? `0000:${(0xe0 + i).toString(16)}:00.0`,
    minor: i,
    uuid: uuidFor(i),
    model: 'NVIDIA H100 80GB HBM3',
    mig: mig?.(i),
  }));
}

function write(path: string, content: string | Buffer, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content, { mode });
}

function link(target: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
}

function information(g: FixtureGpu): string {
  return [
    `Model: \t\t ${g.model ?? 'NVIDIA H100 80GB HBM3'}`,
    'IRQ:   \t\t 0',
    `GPU UUID: \t ${g.uuid}`,
    'Video BIOS: \t 96.00.99.00.01',
    'Bus Type: \t PCIe',
    'DMA Size: \t 52 bits',
    'DMA Mask: \t 0xfffffffffffff',
    `Bus Location: \t ${g.busId}`,
    `Device Minor: \t ${g.minor}`,
    'GPU Excluded:\t No',
    '',
  ].join('\n');
}

const PROC_DEVICES = `Character devices:
  1 mem
  4 /dev/vc/0
  4 tty
  5 /dev/tty
 10 misc
${MAJORS.nvidia} nvidia-frontend
226 drm
${MAJORS.caps} nvidia-caps
${MAJORS.imex} nvidia-caps-imex-channels
${MAJORS.uvm} nvidia-uvm

Block devices:
  7 loop
  8 sd
`;

export async function buildFixture(o: FixtureOptions = {}): Promise<Fixture> {
  const base = mkdtempSync(join(tmpdir(), 'ctk-cdi-'));
  const driverRoot = join(base, o.driverRootPath ?? '/driver-root');
  const devRoot = driverRoot;
  const procRoot = join(base, 'proc');
  const version = o.version ?? VERSION;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot && process.env.CI === 'true') throw new Error('CDI fixtures need root for mknod in CI');
  const fakeDevs = new Map<string, { major: number; minor: number }>();
  const servers: Server[] = [];

  const node = (inDev: string, major: number, minor: number) => {
    const path = join(devRoot, inDev);
    mkdirSync(dirname(path), { recursive: true });
    if (isRoot) {
      const r = spawnSync('mknod', ['-m', '666', path, 'c', String(major), String(minor)], {
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`mknod ${path}: ${r.stderr || r.error?.message}`);
    } else {
      write(path, '');
      fakeDevs.set(path, { major, minor });
    }
  };

  // proc
  if (o.procVersion !== false) {
    write(
      join(procRoot, 'driver/nvidia/version'),
      `NVRM version: NVIDIA UNIX x86_64 Kernel Module  ${version}  Tue Mar  5 22:23:56 UTC 2024\nGCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n`,
    );
  }
  write(join(procRoot, 'devices'), PROC_DEVICES);
  mkdirSync(join(procRoot, 'driver/nvidia/gpus'), { recursive: true });
  for (const g of o.gpus ?? []) {
    write(join(procRoot, 'driver/nvidia/gpus', g.busId, 'information'), information(g));
    if (!g.noNode) node(`/dev/nvidia${g.minor}`, MAJORS.nvidia, g.minor);
    for (const gi of g.mig ?? []) {
      const giDir = join(procRoot, `driver/nvidia/capabilities/gpu${g.minor}/mig/gi${gi.gi}`);
      write(
        join(giDir, 'access'),
        `DeviceFileMinor: ${gi.giMinor}\nDeviceFileMode: 292\nDeviceFileModify: 1\n`,
      );
      node(`/dev/nvidia-caps/nvidia-cap${gi.giMinor}`, MAJORS.caps, gi.giMinor);
      for (const ci of gi.cis) {
        write(
          join(giDir, `ci${ci.ci}`, 'access'),
          `DeviceFileMinor: ${ci.minor}\nDeviceFileMode: 292\nDeviceFileModify: 1\n`,
        );
        node(`/dev/nvidia-caps/nvidia-cap${ci.minor}`, MAJORS.caps, ci.minor);
      }
    }
  }
  if ((o.gpus ?? []).some((g) => g.mig?.length)) {
    write(
      join(procRoot, 'driver/nvidia/capabilities/mig/config'),
      'DeviceFileMinor: 1\nDeviceFileMode: 256\n',
    );
    write(
      join(procRoot, 'driver/nvidia/capabilities/mig/monitor'),
      'DeviceFileMinor: 2\nDeviceFileMode: 292\n',
    );
    node('/dev/nvidia-caps/nvidia-cap1', MAJORS.caps, 1);
    node('/dev/nvidia-caps/nvidia-cap2', MAJORS.caps, 2);
  }
  mkdirSync(join(devRoot, 'dev'), { recursive: true });
  if (o.control !== false && (o.gpus ?? []).length > 0) {
    node('/dev/nvidiactl', MAJORS.nvidia, 255);
    node('/dev/nvidia-modeset', MAJORS.nvidia, 254);
    node('/dev/nvidia-uvm', MAJORS.uvm, 0);
    node('/dev/nvidia-uvm-tools', MAJORS.uvm, 1);
  }
  for (let i = 0; i < (o.imexChannels ?? 0); i++)
    node(`/dev/nvidia-caps-imex-channels/channel${i}`, MAJORS.imex, i);
  // Nodes the management device must leave out, and an unrelated one.
  if ((o.gpus ?? []).length > 0) {
    node('/dev/nvidia-nvswitchctl', 240, 0);
    node('/dev/nvidia-fs0', 241, 0);
  }
  node('/dev/null', 1, 3);

  // driver root: libraries, tools, firmware
  const libs: CacheEntry[] = [];
  const inLib = (n: string) => `${LIB_DIR}/${n}`;
  for (const lib of DRIVER_LIBS) {
    if (o.omitLibs?.includes(lib)) continue;
    const real = `${lib}.so.${version}`;
    write(join(driverRoot, inLib(real)), `fake ${real}\n`, 0o755);
    link(o.absoluteLinks ? inLib(real) : real, join(driverRoot, inLib(`${lib}.so.1`)));
    libs.push({ name: `${lib}.so.1`, path: inLib(`${lib}.so.1`) });
  }
  link('libcuda.so.1', join(driverRoot, inLib('libcuda.so')));
  // A leftover from an older driver, an unrelated library and a 32-bit libcuda: none may be mounted.
  write(join(driverRoot, inLib('libcuda.so.535.104.05')), 'old driver\n');
  write(join(driverRoot, inLib('libz.so.1.2.13')), 'zlib\n');
  link('libz.so.1.2.13', join(driverRoot, inLib('libz.so.1')));
  libs.push({ name: 'libz.so.1', path: inLib('libz.so.1') });
  write(join(driverRoot, `/usr/lib/i386-linux-gnu/libcuda.so.${version}`), '32-bit\n');
  link(`libcuda.so.${version}`, join(driverRoot, '/usr/lib/i386-linux-gnu/libcuda.so.1'));
  libs.push({ name: 'libcuda.so.1', path: '/usr/lib/i386-linux-gnu/libcuda.so.1', flags: 0x0003 });
  if (o.ldCache && o.ldCache !== 'none')
    write(join(driverRoot, 'etc/ld.so.cache'), writeLdCache(libs, o.ldCache));
  for (const b of BINARIES) write(join(driverRoot, 'usr/bin', b), '#!/bin/sh\n', 0o755);
  for (const fw of ['gsp_ga10x.bin', 'gsp_tu10x.bin'])
    write(join(driverRoot, `lib/firmware/nvidia/${version}`, fw), 'fw');
  if (o.persistencedSocket) {
    const path = join(driverRoot, 'run/nvidia-persistenced/socket');
    mkdirSync(dirname(path), { recursive: true });
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
    servers.push(server);
  }

  const real = nodeHostFs();
  const fake = (s: FileStat | undefined, path: string): FileStat | undefined => {
    const dev = fakeDevs.get(path);
    return s && dev ? { ...s, kind: 'char', ...dev } : s;
  };
  const fs: HostFs =
    fakeDevs.size === 0
      ? real
      : {
          ...real,
          lstat: (p) => fake(real.lstat(p), p),
          stat: (p) => fake(real.stat(p), p),
          exists: (p) => real.exists(p),
        };
  return {
    base,
    driverRoot,
    devRoot,
    procRoot,
    fs,
    realNodes: isRoot,
    async cleanup() {
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      rmSync(base, { recursive: true, force: true });
    },
  };
}
