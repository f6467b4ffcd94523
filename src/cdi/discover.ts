/**
 * Discovery of everything a CDI spec for NVIDIA GPUs needs, from plain files: procfs for the GPUs, MIG
 * instances and driver version, the dev root for device numbers, the driver root for libraries and tools.
 * No NVML, no GPU, no process spawning: a temp-dir fixture exercises exactly the code a real host runs.
 */

import { type HostFs, readText } from '../host/host-fs-api';
import {
  type DeviceContext,
  type DiscoveredGpu,
  discoverControlNodes,
  discoverGpus,
  discoverImexChannels,
  discoverManagementNodes,
  type NodeInfo,
} from './discover-devices';
import {
  type DriverFile,
  discoverBinaries,
  discoverFirmware,
  discoverIpc,
  discoverLibraries,
  type FileContext,
} from './discover-files';
import { parseDriverVersion, parseProcDevices } from './proc-parse';

export type { DiscoveredGpu, DiscoveredMig, NodeInfo } from './discover-devices';
export type { DriverFile } from './discover-files';

export type SpecMode = 'gpu' | 'management';

export interface DiscoverOptions {
  /** Where the driver's files are visible to this process (default `/`). */
  readonly driverRoot: string;
  /** Where its `/dev` is (default: the driver root). */
  readonly devRoot?: string;
  /** procfs mount (default `/proc`). */
  readonly procRoot?: string;
  readonly mode: SpecMode;
}

export interface Discovery {
  /** From the kernel module when loaded, else from libcuda's suffix. */
  readonly driverVersion?: string;
  /** gpu mode only. */
  readonly gpus: readonly DiscoveredGpu[];
  /** gpu mode: nvidiactl, nvidia-uvm(-tools), nvidia-modeset. */
  readonly controlNodes: readonly NodeInfo[];
  /** IMEX channels are never injected implicitly in gpu mode (they grant cross-node memory access). */
  readonly imexChannels: readonly NodeInfo[];
  /** management mode only: every NVIDIA char device. */
  readonly managementNodes: readonly NodeInfo[];
  readonly libcuda?: DriverFile;
  readonly libraries: readonly DriverFile[];
  readonly binaries: readonly DriverFile[];
  readonly firmware: readonly DriverFile[];
  readonly ipc: readonly DriverFile[];
  /** Things skipped or suspicious, one line each (the spec is still valid without them). */
  readonly warnings: readonly string[];
}

export function discover(fs: HostFs, opts: DiscoverOptions): Discovery {
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  const procRoot = opts.procRoot ?? '/proc';
  const devCtx: DeviceContext = {
    fs,
    devRoot: opts.devRoot ?? opts.driverRoot,
    procRoot,
    procDevices: parseProcDevices(readText(fs, `${procRoot}/devices`) ?? ''),
    warn,
  };
  const fileCtx: FileContext = { fs, driverRoot: opts.driverRoot, warn };
  const versionText = readText(fs, `${procRoot}/driver/nvidia/version`);
  const kernelVersion = versionText === undefined ? undefined : parseDriverVersion(versionText);
  const management = opts.mode === 'management';
  const gpus = management ? [] : discoverGpus(devCtx);
  const controlNodes = management ? [] : discoverControlNodes(devCtx);
  const managementNodes = management ? discoverManagementNodes(devCtx) : [];
  const imexChannels = management ? [] : discoverImexChannels(devCtx);
  const libs = discoverLibraries(fileCtx, kernelVersion);
  return {
    driverVersion: libs.version,
    gpus,
    controlNodes,
    imexChannels,
    managementNodes,
    libcuda: libs.libcuda,
    libraries: libs.libraries,
    binaries: discoverBinaries(fileCtx),
    firmware: discoverFirmware(fileCtx, libs.version),
    ipc: discoverIpc(fileCtx),
    warnings,
  };
}
