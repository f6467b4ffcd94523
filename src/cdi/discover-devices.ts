/**
 * Device discovery without NVML: GPUs from procfs, device numbers from the real device nodes under the dev
 * root, MIG instances from the capability files, and the control nodes every CUDA process opens.
 */
import type { HostFs } from '../host/host-fs-api';
import { readText } from '../host/host-fs-api';
import { compareBusIds, compareNatural, parseDeviceFileMinor, parseGpuInformation } from './proc-parse';
import { joinRoot, resolveInRoot } from './root-path';

export interface NodeInfo {
  /** Path inside the container, e.g. `/dev/nvidia0`. */
  readonly path: string;
  /** Where the node was found on this machine (dev root + path, symlinks resolved inside the dev root). */
  readonly local: string;
  readonly major: number;
  readonly minor: number;
}

export interface DiscoveredMig {
  /** Position among this GPU's MIG devices, ordered by (GPU instance, compute instance). */
  readonly index: number;
  readonly gi: number;
  readonly ci: number;
  /** Capability nodes: the GPU instance's, then the compute instance's. */
  readonly nodes: readonly NodeInfo[];
}

export interface DiscoveredGpu {
  /** Position in PCI bus order, as NVML numbers GPUs. */
  readonly index: number;
  readonly busId: string;
  readonly minor: number;
  readonly model?: string;
  readonly uuid?: string;
  readonly node: NodeInfo;
  readonly migs: readonly DiscoveredMig[];
}

type Family = 'gpu' | 'uvm' | 'caps' | 'imex';
/** `/proc/devices` names per node family: drivers before 470 register `nvidia-frontend`, later ones `nvidia`. */
const MAJOR_NAMES: Record<Family, readonly string[]> = {
  gpu: ['nvidia-frontend', 'nvidia'],
  uvm: ['nvidia-uvm'],
  caps: ['nvidia-caps'],
  imex: ['nvidia-caps-imex-channels'],
};

export interface DeviceContext {
  readonly fs: HostFs;
  readonly devRoot: string;
  readonly procRoot: string;
  /** Character-device majors from `<proc>/devices` (empty when unreadable: then no cross-check). */
  readonly procDevices: ReadonlyMap<string, number>;
  readonly warn: (message: string) => void;
}

/** The char device at `path` in the dev root, or undefined (with a warning when something else is there). */
export function deviceNode(
  ctx: DeviceContext,
  path: string,
  family: Family | undefined,
): NodeInfo | undefined {
  const found = resolveInRoot(ctx.fs, ctx.devRoot, path);
  if (found === undefined) return undefined;
  const local = joinRoot(ctx.devRoot, found.path);
  if (found.stat.kind !== 'char') {
    ctx.warn(`${local} is a ${found.stat.kind}, not a character device; ignored`);
    return undefined;
  }
  if (family !== undefined) {
    const registered = MAJOR_NAMES[family].map((n) => ctx.procDevices.get(n)).filter((m) => m !== undefined);
    // A node left over from another driver load points at a major the driver no longer owns.
    if (registered.length > 0 && !registered.includes(found.stat.major)) {
      ctx.warn(
        `${local} has major ${found.stat.major} but ${MAJOR_NAMES[family].join('/')} is registered as ${registered.join('/')} in /proc/devices (stale node?)`,
      );
    }
  }
  return { path, local, major: found.stat.major, minor: found.stat.minor };
}

function numbered(names: readonly string[], prefix: string): { name: string; n: number }[] {
  const re = new RegExp(`^${prefix}(\\d+)$`);
  return names
    .map((name) => ({ name, m: re.exec(name) }))
    .filter((x) => x.m !== null)
    .map((x) => ({ name: x.name, n: Number(x.m![1]) }))
    .sort((a, b) => a.n - b.n);
}

function capMinor(ctx: DeviceContext, file: string): number | undefined {
  const text = readText(ctx.fs, file);
  const minor = text === undefined ? undefined : parseDeviceFileMinor(text);
  if (text !== undefined && minor === undefined) ctx.warn(`${file}: no DeviceFileMinor line; ignored`);
  return minor;
}

function discoverMigs(ctx: DeviceContext, gpuMinor: number, gpuIndex: number): DiscoveredMig[] {
  const base = `${ctx.procRoot}/driver/nvidia/capabilities/gpu${gpuMinor}/mig`;
  const out: DiscoveredMig[] = [];
  let index = 0;
  for (const gi of numbered(ctx.fs.readdir(base), 'gi')) {
    const giMinor = capMinor(ctx, `${base}/${gi.name}/access`);
    for (const ci of numbered(ctx.fs.readdir(`${base}/${gi.name}`), 'ci')) {
      // The index counts every instance, so one broken instance does not rename the others.
      const migIndex = index++;
      const ciMinor = capMinor(ctx, `${base}/${gi.name}/${ci.name}/access`);
      if (giMinor === undefined || ciMinor === undefined) continue;
      const nodes = [giMinor, ciMinor].map((m) => deviceNode(ctx, `/dev/nvidia-caps/nvidia-cap${m}`, 'caps'));
      if (nodes.some((n) => n === undefined)) {
        ctx.warn(
          `MIG device ${gpuIndex}:${migIndex} (gi ${gi.n}, ci ${ci.n}): /dev/nvidia-caps/nvidia-cap${giMinor} or nvidia-cap${ciMinor} missing under ${ctx.devRoot}; skipped (create them with nvidia-modprobe -f)`,
        );
        continue;
      }
      out.push({ index: migIndex, gi: gi.n, ci: ci.n, nodes: nodes as NodeInfo[] });
    }
  }
  return out;
}

export function discoverGpus(ctx: DeviceContext): DiscoveredGpu[] {
  const dir = `${ctx.procRoot}/driver/nvidia/gpus`;
  const out: DiscoveredGpu[] = [];
  ctx.fs
    .readdir(dir)
    .sort(compareBusIds)
    .forEach((busId, index) => {
      const file = `${dir}/${busId}/information`;
      const text = readText(ctx.fs, file);
      const info = parseGpuInformation(text ?? '');
      if (info.minor === undefined) {
        ctx.warn(
          `${file}: ${text === undefined ? 'missing' : 'no "Device Minor" line'}; GPU ${busId} skipped`,
        );
        return;
      }
      const node = deviceNode(ctx, `/dev/nvidia${info.minor}`, 'gpu');
      if (node === undefined) {
        ctx.warn(`GPU ${index} (${busId}): /dev/nvidia${info.minor} not found under ${ctx.devRoot}; skipped`);
        return;
      }
      if (info.uuid === undefined) ctx.warn(`${file}: no readable GPU UUID; GPU ${index} gets no UUID name`);
      out.push({
        index,
        busId,
        minor: info.minor,
        model: info.model,
        uuid: info.uuid,
        node,
        migs: discoverMigs(ctx, info.minor, index),
      });
    });
  return out;
}

/** `nvidiactl`, `nvidia-uvm`, `nvidia-uvm-tools`, `nvidia-modeset`: opened by every CUDA process or driver tool. */
export function discoverControlNodes(ctx: DeviceContext): NodeInfo[] {
  const wanted: [string, Family, boolean][] = [
    ['/dev/nvidiactl', 'gpu', true],
    ['/dev/nvidia-uvm', 'uvm', true],
    ['/dev/nvidia-uvm-tools', 'uvm', false],
    ['/dev/nvidia-modeset', 'gpu', false],
  ];
  const out: NodeInfo[] = [];
  for (const [path, family, important] of wanted) {
    const node = deviceNode(ctx, path, family);
    if (node) out.push(node);
    else if (important) ctx.warn(`${joinRoot(ctx.devRoot, path)} not found; containers will not get it`);
  }
  return out;
}

export function discoverImexChannels(ctx: DeviceContext): NodeInfo[] {
  const dir = '/dev/nvidia-caps-imex-channels';
  return numbered(ctx.fs.readdir(joinRoot(ctx.devRoot, dir)), 'channel')
    .map((c) => deviceNode(ctx, `${dir}/${c.name}`, 'imex'))
    .filter((n): n is NodeInfo => n !== undefined);
}

/** Names the management device leaves out: GPUDirect Storage, NVSwitch and NVLink nodes are not GPU access. */
const MANAGEMENT_EXCLUDED = ['nvidia-fs', 'nvidia-nvswitch', 'nvidia-nvlink'];

/**
 * Every NVIDIA char device for the management spec (the toolkit installer's `management.nvidia.com/gpu=all`):
 * `/dev/nvidia*`, `/dev/nvidia-caps/nvidia-cap*`, `/dev/nvidia-caps-imex-channels/channel*`.
 */
export function discoverManagementNodes(ctx: DeviceContext): NodeInfo[] {
  const family = (name: string): Family | undefined =>
    /^nvidia(\d+|ctl|-modeset)$/.test(name) ? 'gpu' : name.startsWith('nvidia-uvm') ? 'uvm' : undefined;
  const top = ctx.fs
    .readdir(joinRoot(ctx.devRoot, '/dev'))
    .filter((n) => n.startsWith('nvidia') && !MANAGEMENT_EXCLUDED.some((x) => n.startsWith(x)))
    .sort(compareNatural)
    .map((n) => ({ n, st: ctx.fs.lstat(joinRoot(ctx.devRoot, `/dev/${n}`)) }))
    .filter((x) => x.st?.kind === 'char')
    .map((x) => deviceNode(ctx, `/dev/${x.n}`, family(x.n)));
  const caps = ctx.fs
    .readdir(joinRoot(ctx.devRoot, '/dev/nvidia-caps'))
    .filter((n) => n.startsWith('nvidia-cap'))
    .sort(compareNatural)
    .map((n) => deviceNode(ctx, `/dev/nvidia-caps/${n}`, 'caps'));
  return [...top, ...caps, ...discoverImexChannels(ctx)].filter((n): n is NodeInfo => n !== undefined);
}
