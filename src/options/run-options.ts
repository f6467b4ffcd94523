/**
 * The flags of `ctk-installer run` / `nvidia-toolkit`, as data (upstream-behaviour §1.3, §1.4): its own flags,
 * every toolkit flag (minus --toolkit-root, which is `<install dir>/toolkit`) and every runtime flag of the
 * installer persona. Registration on a commander command and the `--flag=bool` pre-pass live here too.
 */
import type { Command } from 'commander';
import type { EngineName } from '../engines/types';
import { addOptions, type OptionSpec } from './option-spec';
import { RUNTIME_ENGINE_SPEC, specsFor } from './runtime-options';
import { TOOLKIT_SPECS } from './toolkit-options';

export const DEFAULT_PID_FILE = '/run/nvidia/toolkit/toolkit.pid';
export const DEFAULT_INSTALL_DIR = '/usr/local/nvidia';

export const RUN_SPECS: readonly OptionSpec[] = [
  {
    name: 'noDaemon',
    flag: 'no-daemon',
    short: 'n',
    kind: 'bool',
    env: ['NO_DAEMON'],
    default: false,
    description: 'set everything up, then exit; the configuration stays in place',
  },
  { ...RUNTIME_ENGINE_SPEC, short: 'r' },
  {
    name: 'runtimeArgs',
    flag: 'runtime-args',
    short: 'u',
    kind: 'string',
    env: ['RUNTIME_ARGS'],
    default: '',
    description: 'more runtime flags in one string, split into words like a shell would (never run by one)',
  },
  {
    name: 'installDir',
    flag: 'toolkit-install-dir',
    aliases: ['root'],
    kind: 'string',
    env: ['TOOLKIT_INSTALL_DIR', 'ROOT'],
    default: DEFAULT_INSTALL_DIR,
    description: 'install the toolkit into <dir>/toolkit (the DESTINATION argument sets it too)',
  },
  {
    name: 'packageType',
    flag: 'toolkit-package-type',
    kind: 'string',
    env: ['TOOLKIT_PACKAGE_TYPE'],
    default: 'auto',
    choices: ['auto', 'deb', 'rpm', ''],
    description: 'artifacts to install when --toolkit-source-root is not given: /artifacts/<deb|rpm>',
  },
  {
    name: 'pidFile',
    flag: 'pid-file',
    kind: 'string',
    env: ['TOOLKIT_PID_FILE', 'PID_FILE'],
    default: DEFAULT_PID_FILE,
    description: 'the pid file locked while running; its name must be toolkit.pid',
  },
  {
    name: 'readyFile',
    flag: 'ready-file',
    kind: 'string',
    env: ['TOOLKIT_READY_FILE'],
    default: '',
    description: 'written once setup is complete and removed on exit (for a readinessProbe)',
  },
  {
    name: 'noRuntimeConfig',
    flag: 'no-runtime-config',
    kind: 'bool',
    env: ['NO_RUNTIME_CONFIG'],
    default: false,
    description: 'install the toolkit only; do not configure (or clean up) the container engine',
  },
  {
    name: 'enableNriPlugin',
    flag: 'enable-nri-plugin',
    short: 'p',
    kind: 'bool',
    env: ['ENABLE_NRI_PLUGIN'],
    default: false,
    description: 'not supported (accepted as false for compatibility with the original’s command lines)',
  },
  {
    name: 'noCleanupOnExit',
    flag: 'no-cleanup-on-exit',
    kind: 'bool',
    env: ['NO_CLEANUP_ON_EXIT'],
    default: false,
    description: 'leave the engine configured when stopped by a signal (pod restarts then change nothing)',
  },
  {
    name: 'reconcile',
    flag: 'reconcile',
    kind: 'bool',
    env: ['RECONCILE'],
    default: true,
    description:
      'while waiting, re-apply the engine configuration when another program removes or changes our entries (--reconcile=false: off)',
  },
  {
    name: 'reconcileInterval',
    flag: 'reconcile-interval',
    kind: 'int',
    env: ['RECONCILE_INTERVAL'],
    default: 60,
    description:
      'seconds between periodic re-checks of the files and the live engine; also the first restart backoff',
  },
  {
    name: 'reconcileMaxRestarts',
    flag: 'reconcile-max-restarts',
    kind: 'int',
    env: ['RECONCILE_MAX_RESTARTS'],
    default: 6,
    description: 'at most this many engine restarts by reconcile within --reconcile-window',
  },
  {
    name: 'reconcileWindow',
    flag: 'reconcile-window',
    kind: 'int',
    env: ['RECONCILE_WINDOW'],
    default: 3600,
    description: 'seconds over which --reconcile-max-restarts is counted',
  },
];

/** The toolkit flags; the artifacts default to the image's /artifacts/<type> (HEAD), not to `/`. */
export const RUN_TOOLKIT_SPECS: readonly OptionSpec[] = TOOLKIT_SPECS.map((s) =>
  s.name === 'toolkitSourceRoot'
    ? { ...s, default: '', description: `${s.description} (default: /artifacts/<--toolkit-package-type>)` }
    : s,
);

/** The runtime flags of the orchestrator: the DaemonSet persona, without --nvidia-runtime-dir (derived). */
export function runtimeSpecs(engine: EngineName | undefined): OptionSpec[] {
  return specsFor(engine, 'installer').filter((s) => s.name !== 'runtimeDir');
}

/** Every option `run` accepts, each flag once (for registration and the bool pre-pass). */
export function allRunSpecs(): OptionSpec[] {
  const seen = new Set<string>();
  const out: OptionSpec[] = [];
  for (const s of [...RUN_SPECS, ...RUN_TOOLKIT_SPECS, ...runtimeSpecs(undefined)]) {
    if (seen.has(s.flag)) continue;
    seen.add(s.flag);
    out.push(s);
  }
  return out;
}

/** Registers every option `run` accepts on `cmd`. */
export function addRunOptions(cmd: Command): Command {
  return addOptions(cmd, allRunSpecs());
}
