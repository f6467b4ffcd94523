/**
 * The whole install as data, computed before anything on disk changes: every file, wrapper, link and the
 * config of the new tree (paths relative to the toolkit root), plus the device nodes and CDI spec to make.
 * Artifacts are found through an injected read-only view, so this module stays pure.
 */
import { posix } from 'node:path';
import { HostError } from '../errors';
import type { HostFs } from '../host/host-fs-api';
import { CONFIG_HOME_REL_PATH, CONFIG_REL_PATH, renderToolkitConfig } from './config';
import { CONTROL_NODES, type ControlNode } from './devices';
import { EXECUTABLE_DIRS, isFileInRoot, LIBRARY_DIRS, type Located, locate } from './locate';
import type { ToolkitOptions } from './options';
import { type EnvValue, lowLevelRuntime, renderWrapper } from './wrapper';

export type PlanEntry =
  | { readonly kind: 'dir'; readonly path: string; readonly mode: number }
  | { readonly kind: 'copy'; readonly path: string; readonly source: string; readonly mode: number }
  | { readonly kind: 'write'; readonly path: string; readonly content: string; readonly mode: number }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string };

export interface DeviceNodePlan {
  /** The installer-side directory the nodes go into (`<dev-root-ctr-path or />/dev`). */
  readonly dir: string;
  readonly nodes: readonly ControlNode[];
}

/** What the CDI generator needs for the management spec (see issue 4's generateSpec). */
export interface CdiRequest {
  readonly vendor: string;
  readonly class: string;
  /** `<cdi-output-dir>/<vendor>-<class>.yaml`. */
  readonly outputPath: string;
  /** Where discovery looks (installer side). */
  readonly driverRootCtrPath: string;
  readonly devRootCtrPath: string;
  /** What discovered paths are rewritten to (host side). */
  readonly driverRoot: string;
  readonly devRoot: string;
  readonly nvidiaCdiHookPath: string;
}

export interface InstallPlan {
  readonly root: string;
  /** In creation order; parents come before children. */
  readonly entries: readonly PlanEntry[];
  readonly configText: string;
  readonly deviceNodes?: DeviceNodePlan;
  readonly cdi?: CdiRequest;
  /** Problems skipped because of --ignore-errors. */
  readonly warnings: readonly string[];
}

export const LIBRARIES = ['libnvidia-container.so.1', 'libnvidia-container-go.so.1'] as const;

type Flavour = 'runtime' | 'cli' | 'hook' | 'tool';
/**
 * The executables and how each is installed: every one as `NAME.real` plus a wrapper (as v1.13–v1.19 did;
 * v1.20 copies nvidia-cdi-hook as a plain file). nvidia-cdi-hook exists from v1.16 on: without it only the CDI
 * spec, whose hooks run it, cannot be written.
 */
export const EXECUTABLES: readonly {
  readonly name: string;
  readonly flavour: Flavour;
  readonly optional?: boolean;
}[] = [
  { name: 'nvidia-container-runtime', flavour: 'runtime' },
  { name: 'nvidia-container-runtime.cdi', flavour: 'runtime' },
  { name: 'nvidia-container-runtime.legacy', flavour: 'runtime' },
  { name: 'nvidia-container-cli', flavour: 'cli' },
  { name: 'nvidia-container-runtime-hook', flavour: 'hook' },
  { name: 'nvidia-ctk', flavour: 'tool' },
  { name: 'nvidia-cdi-hook', flavour: 'tool', optional: true },
];

const ROOT_ORIGIN = '--toolkit-root';

/**
 * How a wrapper hands the toolkit config to its binary, for every toolkit version we may install:
 * - v1.13–v1.17 runtimes read only `$XDG_CONFIG_HOME/nvidia-container-runtime/config.toml` (else /etc's);
 * - v1.13–v1.17 hooks read only the file named by `-config` (else the driver root's or /etc's);
 * - v1.18+ runtimes and hooks also honour NVIDIA_CTK_CONFIG_FILE_PATH.
 * All three name the same file, `<root>/` + CONFIG_REL_PATH.
 */
function wrapping(root: string, flavour: Flavour): { env: Record<string, EnvValue>; args?: string[] } {
  const path: EnvValue = { kind: 'prepend', value: root, variable: 'PATH' };
  const configPath = posix.join(root, CONFIG_REL_PATH);
  const config: EnvValue = { kind: 'literal', value: configPath };
  switch (flavour) {
    case 'runtime':
      return {
        env: {
          NVIDIA_CTK_CONFIG_FILE_PATH: config,
          PATH: path,
          XDG_CONFIG_HOME: { kind: 'literal', value: posix.join(root, CONFIG_HOME_REL_PATH) },
        },
      };
    case 'hook':
      return { env: { NVIDIA_CTK_CONFIG_FILE_PATH: config, PATH: path }, args: ['-config', configPath] };
    case 'cli':
      return {
        env: { LD_LIBRARY_PATH: { kind: 'prepend', value: root, variable: 'LD_LIBRARY_PATH' }, PATH: path },
      };
    case 'tool':
      return { env: { PATH: path } };
  }
}

/** `.real` handling is checked on the host's driver root: through its installer-side path when visible. */
function hasLdconfigReal(fs: HostFs, o: ToolkitOptions): boolean {
  // Not visible at its container-side path: we run on the host itself, where the host path is the one to check.
  const ctr = o.driverRootCtrPath !== '' && fs.stat(o.driverRootCtrPath)?.kind === 'dir';
  return isFileInRoot(fs, ctr ? o.driverRootCtrPath : o.driverRoot, '/sbin/ldconfig.real');
}

export function planInstall(o: ToolkitOptions, fs: HostFs): InstallPlan {
  const root = o.toolkitRoot;
  const missing: string[] = [];
  const entries: PlanEntry[] = [
    { kind: 'dir', path: '.config', mode: 0o755 },
    { kind: 'dir', path: posix.dirname(CONFIG_REL_PATH), mode: 0o755 },
  ];

  for (const name of LIBRARIES) {
    const lib = locate(fs, o.sourceRoot, name, LIBRARY_DIRS, false);
    if (lib === undefined) {
      missing.push(`${name} (looked in ${LIBRARY_DIRS.map((d) => posix.join(o.sourceRoot, d)).join(', ')})`);
      continue;
    }
    const real = posix.basename(lib.source);
    entries.push({ kind: 'copy', path: real, source: lib.source, mode: lib.mode });
    if (real !== name) entries.push({ kind: 'symlink', path: name, target: real });
  }

  const fallback = lowLevelRuntime(o.runtime.runtimes, o.engine);
  const fallbackOrigin =
    o.runtime.runtimes.length > 0 ? '--nvidia-container-runtime.runtimes' : 'the default low-level runtime';
  const found = new Map<string, Located>();
  for (const { name, flavour, optional } of EXECUTABLES) {
    const exe = locate(fs, o.sourceRoot, name, EXECUTABLE_DIRS, true);
    if (exe === undefined) {
      // An older toolkit (before v1.16) has no nvidia-cdi-hook; it is missing only if the CDI spec needs it.
      if (optional && !o.cdi) continue;
      const why = optional ? '; the CDI spec hooks run it, so CDI needs toolkit v1.16 or later' : '';
      missing.push(
        `${name} (an executable file in ${EXECUTABLE_DIRS.map((d) => posix.join(o.sourceRoot, d)).join(', ')}${why})`,
      );
      continue;
    }
    found.set(name, exe);
    const real = `${name}.real`;
    entries.push({ kind: 'copy', path: real, source: exe.source, mode: exe.mode });
    const { env, args } = wrapping(root, flavour);
    const content = renderWrapper({
      target: posix.join(root, real),
      env,
      args,
      moduleCheck: flavour === 'runtime' ? { modulesPath: o.procModulesPath, fallback } : undefined,
      origins: {
        target: ROOT_ORIGIN,
        fallback: fallbackOrigin,
        modulesPath: 'the modules file path',
        args: ROOT_ORIGIN,
        env: {
          PATH: ROOT_ORIGIN,
          LD_LIBRARY_PATH: ROOT_ORIGIN,
          NVIDIA_CTK_CONFIG_FILE_PATH: ROOT_ORIGIN,
          XDG_CONFIG_HOME: ROOT_ORIGIN,
        },
      },
    });
    entries.push({ kind: 'write', path: name, content, mode: (exe.mode | 0o111) & 0o7777 });
  }
  if (found.has('nvidia-container-runtime-hook')) {
    entries.push({
      kind: 'symlink',
      path: 'nvidia-container-toolkit',
      target: 'nvidia-container-runtime-hook',
    });
  }

  const warnings: string[] = [];
  if (missing.length > 0) {
    const text = `missing toolkit artifacts under ${o.sourceRoot}: ${missing.join('; ')}`;
    if (!o.ignoreErrors)
      throw new HostError(text, {
        hint: 'set --toolkit-source-root to where the toolkit packages are unpacked',
      });
    warnings.push(`${text} (ignored: --ignore-errors)`);
  }

  const ldconfigReal = hasLdconfigReal(fs, o);
  const configText = renderToolkitConfig({ options: o, ldconfigReal });
  entries.push({ kind: 'write', path: CONFIG_REL_PATH, content: configText, mode: 0o644 });

  let deviceNodes: DeviceNodePlan | undefined;
  let cdi: CdiRequest | undefined;
  if (o.cdi) {
    if (o.createControlNodes)
      deviceNodes = { dir: posix.join(o.devRootCtrPath || '/', 'dev'), nodes: CONTROL_NODES };
    cdi = {
      vendor: o.cdi.vendor,
      class: o.cdi.class,
      outputPath: posix.join(o.cdi.outputDir, `${o.cdi.vendor}-${o.cdi.class}.yaml`),
      driverRootCtrPath: o.driverRootCtrPath,
      devRootCtrPath: o.devRootCtrPath || o.driverRootCtrPath,
      driverRoot: o.driverRoot,
      devRoot: o.devRoot || o.driverRoot,
      nvidiaCdiHookPath: posix.join(root, 'nvidia-cdi-hook'),
    };
  }
  return { root, entries, configText, deviceNodes, cdi, warnings };
}
