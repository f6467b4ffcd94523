/**
 * Builds a CDI spec from a Discovery (pure). Two shapes, as the original's `cdi generate` writes them:
 * - gpu mode (`nvidia.com/gpu`): one device per GPU and MIG instance, named by index (`0`, `0:1`) and/or
 *   UUID (`GPU-…`, `MIG-…`), plus `all`; driver files, control nodes and hooks are common edits.
 * - management mode (`management.nvidia.com/gpu`, written by the toolkit installer): a single `all` device
 *   with every NVIDIA char device, and `NVIDIA_VISIBLE_DEVICES=void` so the legacy hook injects nothing more.
 * Host paths are the local paths discovery saw; the caller rewrites roots (spec-transform.ts) and then calls
 * finalizeSpec to set the minimum cdiVersion.
 */
import { posix } from 'node:path';
import type { DiscoveredGpu, Discovery, DriverFile, NodeInfo, SpecMode } from './discover';
import type { CdiDevice, CdiDeviceNode, CdiHook, CdiMount, CdiSpec, ContainerEdits } from './spec-types';
import { minimumVersion } from './spec-version';

export type DeviceNameStrategy = 'index' | 'uuid' | 'both';
export const DEVICE_NAME_STRATEGIES: readonly DeviceNameStrategy[] = ['index', 'uuid', 'both'];

/** Read-only, no setuid, no device files, bind: what every injected driver file gets. */
export const MOUNT_OPTIONS: readonly string[] = ['ro', 'nosuid', 'nodev', 'bind'];
export const DEFAULT_HOOK_PATH = '/usr/bin/nvidia-cdi-hook';

export interface BuildOptions {
  readonly vendor: string;
  readonly class: string;
  readonly mode: SpecMode;
  readonly deviceNameStrategy: DeviceNameStrategy;
  /** Host path of nvidia-cdi-hook, which the engine runs as a createContainer hook. */
  readonly nvidiaCdiHookPath: string;
  /** Host path of ldconfig for the update-ldcache hook; the hook's own default when unset. */
  readonly ldconfigPath?: string;
  /** Add the `all` device (gpu mode; management mode always has only `all`). Default true. */
  readonly allDevice?: boolean;
  /** MIG UUIDs by `<gpu index>:<mig index>`: procfs does not expose them (nvidia-smi -L does). */
  readonly migUuids?: ReadonlyMap<string, string>;
  readonly warn?: (message: string) => void;
}

function deviceNode(n: NodeInfo): CdiDeviceNode {
  return { path: n.path, hostPath: n.local, type: 'c', major: n.major, minor: n.minor };
}

function mount(f: DriverFile): CdiMount {
  return { hostPath: f.local, containerPath: f.path, options: [...MOUNT_OPTIONS] };
}

function hooks(d: Discovery, o: BuildOptions): CdiHook[] {
  const out: CdiHook[] = [];
  const hook = (args: string[]): CdiHook => ({
    hookName: 'createContainer',
    path: o.nvidiaCdiHookPath,
    args: ['nvidia-cdi-hook', ...args],
  });
  if (d.libcuda) {
    // ldconfig creates libcuda.so.1 from the mounted libcuda.so.<ver>; the unversioned dev link it does not.
    const dir = posix.dirname(d.libcuda.path);
    out.push(hook(['create-symlinks', '--link', `libcuda.so.1::${dir}/libcuda.so`]));
  }
  const folders = [...new Set(d.libraries.map((l) => posix.dirname(l.path)))].sort();
  if (folders.length > 0) {
    const ldconfig = o.ldconfigPath ? ['--ldconfig-path', o.ldconfigPath] : [];
    out.push(hook(['update-ldcache', ...ldconfig, ...folders.flatMap((f) => ['--folder', f])]));
  }
  return out;
}

function commonEdits(
  d: Discovery,
  o: BuildOptions,
  env: string[],
  nodes: readonly NodeInfo[],
): ContainerEdits {
  const e: ContainerEdits = {};
  if (env.length > 0) e.env = env;
  if (nodes.length > 0) e.deviceNodes = nodes.map(deviceNode);
  const files = [...d.libraries, ...d.binaries, ...d.firmware, ...d.ipc];
  if (files.length > 0) e.mounts = files.map(mount);
  const h = hooks(d, o);
  if (h.length > 0) e.hooks = h;
  return e;
}

function named(names: readonly string[], nodes: readonly NodeInfo[]): CdiDevice[] {
  return names.map((name) => ({ name, containerEdits: { deviceNodes: nodes.map(deviceNode) } }));
}

function gpuDevices(gpu: DiscoveredGpu, o: BuildOptions): CdiDevice[] {
  const byIndex = o.deviceNameStrategy !== 'uuid';
  const byUuid = o.deviceNameStrategy !== 'index';
  const names = (index: string, uuid: string | undefined, what: string) => {
    if (byUuid && uuid === undefined && !byIndex)
      o.warn?.(`${what} ${index} has no known UUID; skipped (use --device-name-strategy index or both)`);
    return [...(byIndex ? [index] : []), ...(byUuid && uuid !== undefined ? [uuid] : [])];
  };
  const out = named(names(String(gpu.index), gpu.uuid, 'GPU'), [gpu.node]);
  for (const mig of gpu.migs) {
    const id = `${gpu.index}:${mig.index}`;
    out.push(...named(names(id, o.migUuids?.get(id), 'MIG device'), [gpu.node, ...mig.nodes]));
  }
  return out;
}

function uniqueNodes(nodes: readonly NodeInfo[]): NodeInfo[] {
  const seen = new Map<string, NodeInfo>();
  for (const n of nodes) if (!seen.has(n.path)) seen.set(n.path, n);
  return [...seen.values()];
}

/** The spec with local host paths and a provisional cdiVersion (see finalizeSpec). */
export function buildSpec(d: Discovery, o: BuildOptions): CdiSpec {
  const kind = `${o.vendor}/${o.class}`;
  if (o.mode === 'management') {
    return {
      cdiVersion: '',
      kind,
      devices: [{ name: 'all', containerEdits: { deviceNodes: d.managementNodes.map(deviceNode) } }],
      containerEdits: commonEdits(d, o, ['NVIDIA_VISIBLE_DEVICES=void'], []),
    };
  }
  const devices = d.gpus.flatMap((g) => gpuDevices(g, o));
  if (o.allDevice !== false && d.gpus.length > 0) {
    const nodes = uniqueNodes(d.gpus.flatMap((g) => [g.node, ...g.migs.flatMap((m) => m.nodes)]));
    devices.push({ name: 'all', containerEdits: { deviceNodes: nodes.map(deviceNode) } });
  }
  const common = commonEdits(d, o, [], d.controlNodes);
  const spec: CdiSpec = { cdiVersion: '', kind, devices };
  if (Object.keys(common).length > 0) spec.containerEdits = common;
  return spec;
}

function tidyEdits(e: ContainerEdits): ContainerEdits {
  if (!e.deviceNodes) return e;
  return {
    ...e,
    deviceNodes: e.deviceNodes.map((n) => {
      if (n.hostPath !== n.path) return n;
      const { hostPath: _same, ...rest } = n;
      return rest;
    }),
  };
}

/** Drops host paths equal to the container path and declares the minimum cdiVersion the content needs. */
export function finalizeSpec(spec: CdiSpec): CdiSpec {
  const out: CdiSpec = {
    ...spec,
    devices: spec.devices.map((d) => ({ ...d, containerEdits: tidyEdits(d.containerEdits) })),
  };
  if (spec.containerEdits) out.containerEdits = tidyEdits(spec.containerEdits);
  out.cdiVersion = minimumVersion(out);
  return out;
}
