/**
 * Library entry for CDI spec generation, used by `ctk-installer cdi generate` and by the toolkit installer
 * (management spec). Discovery reads the driver where this process sees it (`driverRoot`, `devRoot`); the spec
 * names the host-side locations (`hostDriverRoot`, `hostDevRoot`), as the original's installer does with
 * `--driver-root-ctr-path` → `--driver-root`. Every spec returned has passed the validator.
 */
import { BugError, HostError, UsageError } from '../errors';
import type { HostFs } from '../host/host-fs-api';
import type { Logger } from '../log';
import { discover, type SpecMode } from './discover';
import { joinRoot } from './root-path';
import {
  buildSpec,
  DEFAULT_HOOK_PATH,
  DEVICE_NAME_STRATEGIES,
  type DeviceNameStrategy,
  finalizeSpec,
} from './spec';
import { rewritePath, transformRoot } from './spec-transform';
import type { CdiSpec } from './spec-types';
import { formatProblem, validateSpec } from './validate';
import { classProblem, vendorProblem } from './validate-names';

export type { SpecMode } from './discover';
export type { DeviceNameStrategy } from './spec';

export interface GenerateOptions {
  /** Where the driver's files are visible to this process. Default `/`. */
  readonly driverRoot?: string;
  /** Where the driver's `/dev` is visible to this process. Default: driverRoot. */
  readonly devRoot?: string;
  /** procfs. Default `/proc`. */
  readonly procRoot?: string;
  /** What driverRoot is called on the host (the engine's view). Default: driverRoot. */
  readonly hostDriverRoot?: string;
  /** What devRoot is called on the host. Default: devRoot moved like driverRoot (so it follows hostDriverRoot). */
  readonly hostDevRoot?: string;
  /** Default `nvidia.com` (the toolkit installer uses `management.nvidia.com`). */
  readonly vendor?: string;
  /** Default `gpu`. */
  readonly class?: string;
  /** Default `gpu`. */
  readonly mode?: SpecMode;
  /** Default `both`. */
  readonly deviceNameStrategy?: DeviceNameStrategy;
  /** Host path of nvidia-cdi-hook. Default `/usr/bin/nvidia-cdi-hook`. */
  readonly nvidiaCdiHookPath?: string;
  /** Host path of ldconfig passed to the update-ldcache hook; omitted (hook default) when unset. */
  readonly ldconfigPath?: string;
  /** Add the `all` device in gpu mode. Default true. */
  readonly allDevice?: boolean;
  /** MIG UUIDs by `<gpu index>:<mig index>` (procfs has none; `nvidia-smi -L` lists them). */
  readonly migUuids?: ReadonlyMap<string, string>;
  /** Discovery warnings go here (missing libraries, stale nodes…). */
  readonly logger?: Logger;
}

function absolute(name: string, value: string): string {
  if (!value.startsWith('/')) throw new UsageError(`${name} must be an absolute path (got "${value}")`);
  return value;
}

export function generateSpec(opts: GenerateOptions, fs: HostFs): CdiSpec {
  const vendor = opts.vendor ?? 'nvidia.com';
  const cls = opts.class ?? 'gpu';
  const nameProblem = vendorProblem(vendor) ?? classProblem(cls);
  if (nameProblem) throw new UsageError(`invalid CDI kind "${vendor}/${cls}": ${nameProblem}`);
  const mode = opts.mode ?? 'gpu';
  if (mode !== 'gpu' && mode !== 'management')
    throw new UsageError(`invalid mode "${String(mode)}": expected gpu or management`);
  const strategy = opts.deviceNameStrategy ?? 'both';
  if (!DEVICE_NAME_STRATEGIES.includes(strategy)) {
    throw new UsageError(
      `invalid device name strategy "${String(strategy)}": expected ${DEVICE_NAME_STRATEGIES.join(', ')}`,
    );
  }
  const driverRoot = absolute('driver root', opts.driverRoot ?? '/');
  const devRoot = absolute('dev root', opts.devRoot ?? driverRoot);
  const procRoot = absolute('proc root', opts.procRoot ?? '/proc');
  const hostDriverRoot = absolute('host driver root', opts.hostDriverRoot ?? driverRoot);
  const hostDevRoot = absolute(
    'host dev root',
    opts.hostDevRoot ?? rewritePath(devRoot, driverRoot, hostDriverRoot),
  );
  const hookPath = absolute('nvidia-cdi-hook path', opts.nvidiaCdiHookPath ?? DEFAULT_HOOK_PATH);
  if (opts.ldconfigPath !== undefined) absolute('ldconfig path', opts.ldconfigPath);

  const found = discover(fs, { driverRoot, devRoot, procRoot, mode });
  const none = mode === 'management' ? found.managementNodes.length === 0 : found.gpus.length === 0;
  // Without devices the error says it all; the rest (no nvidiactl, no libcuda…) would only be noise.
  for (const w of found.warnings) {
    if (none) opts.logger?.debug(w);
    else opts.logger?.warn(w);
  }
  if (none) {
    throw new HostError(`no NVIDIA device nodes found under ${joinRoot(devRoot, '/dev')}`, {
      hint:
        mode === 'management'
          ? 'is the NVIDIA driver loaded and are its device nodes created (nvidia-modprobe)?'
          : `no GPU in ${procRoot}/driver/nvidia/gpus has a device node; is the NVIDIA driver loaded?`,
    });
  }
  let spec = buildSpec(found, {
    vendor,
    class: cls,
    mode,
    deviceNameStrategy: strategy,
    nvidiaCdiHookPath: hookPath,
    ldconfigPath: opts.ldconfigPath,
    allDevice: opts.allDevice,
    migUuids: opts.migUuids,
    warn: (m) => opts.logger?.warn(m),
  });
  if (spec.devices.length === 0) {
    throw new HostError(`no device could be named with --device-name-strategy ${strategy}`, {
      hint: 'use --device-name-strategy index or both',
    });
  }
  spec = transformRoot(spec, devRoot, hostDevRoot, 'deviceNodes');
  spec = transformRoot(spec, driverRoot, hostDriverRoot, 'mounts');
  spec = finalizeSpec(spec);
  const problems = validateSpec(spec);
  if (problems.length > 0)
    throw new BugError(`generated CDI spec is invalid: ${problems.map(formatProblem).join('; ')}`);
  opts.logger?.debug('generated CDI spec', {
    kind: spec.kind,
    devices: spec.devices.length,
    cdiVersion: spec.cdiVersion,
    driverVersion: found.driverVersion,
  });
  return spec;
}
