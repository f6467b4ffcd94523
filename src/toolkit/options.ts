/**
 * The toolkit options (upstream-behaviour §1.2), declared once as data. `toolkit install|delete` uses
 * `TOOLKIT_COMMAND_SPECS`; the orchestrator (issue 6) reuses `TOOLKIT_SPECS` (everything but `--toolkit-root`,
 * which it derives from its own install dir) and `toolkitOptionsFrom`.
 */
import { posix } from 'node:path';
import { UsageError } from '../errors';
import type { OptionSpec, Resolved } from '../options/option-spec';

export type EngineName = 'docker' | 'containerd' | 'crio';

export const TOOLKIT_ROOT_SPEC: OptionSpec = {
  name: 'toolkitRoot',
  flag: 'toolkit-root',
  kind: 'string',
  env: ['TOOLKIT_ROOT'],
  description: 'the directory the toolkit is installed into (required)',
};

export const TOOLKIT_SPECS: readonly OptionSpec[] = [
  {
    name: 'toolkitSourceRoot',
    flag: 'toolkit-source-root',
    kind: 'string',
    env: ['TOOLKIT_SOURCE_ROOT'],
    default: '/',
    description: 'the root the toolkit artifacts (executables, libraries) are taken from',
  },
  {
    name: 'driverRoot',
    flag: 'driver-root',
    aliases: ['nvidia-driver-root'],
    kind: 'string',
    env: ['NVIDIA_DRIVER_ROOT', 'DRIVER_ROOT'],
    default: '/run/nvidia/driver',
    description: 'the root of the NVIDIA driver installation on the host',
  },
  {
    name: 'driverRootCtrPath',
    flag: 'driver-root-ctr-path',
    kind: 'string',
    env: ['DRIVER_ROOT_CTR_PATH'],
    default: '/run/nvidia/driver',
    description: 'the driver root as seen by this installer (inside its container)',
  },
  {
    name: 'devRoot',
    flag: 'dev-root',
    kind: 'string',
    env: ['NVIDIA_DEV_ROOT', 'DEV_ROOT'],
    default: '',
    description: 'the root where /dev is located on the host (empty: the driver root)',
  },
  {
    name: 'devRootCtrPath',
    flag: 'dev-root-ctr-path',
    kind: 'string',
    env: ['DEV_ROOT_CTR_PATH'],
    default: '',
    description:
      'the dev root as seen by this installer (device nodes are created under <this>/dev; empty: /)',
  },
  {
    name: 'runtimeDebug',
    flag: 'nvidia-container-runtime.debug',
    aliases: ['nvidia-container-runtime-debug'],
    kind: 'string',
    env: ['NVIDIA_CONTAINER_RUNTIME_DEBUG'],
    default: '',
    description: 'nvidia-container-runtime.debug in the toolkit config (debug log file)',
  },
  {
    name: 'runtimeLogLevel',
    flag: 'nvidia-container-runtime.log-level',
    aliases: ['nvidia-container-runtime-debug-log-level'],
    kind: 'string',
    env: ['NVIDIA_CONTAINER_RUNTIME_LOG_LEVEL'],
    default: '',
    description: 'nvidia-container-runtime.log-level in the toolkit config',
  },
  {
    name: 'runtimeMode',
    flag: 'nvidia-container-runtime.mode',
    aliases: ['nvidia-container-runtime-mode'],
    kind: 'string',
    env: ['NVIDIA_CONTAINER_RUNTIME_MODE'],
    default: '',
    description: 'nvidia-container-runtime.mode in the toolkit config',
  },
  {
    name: 'runtimeCdiDefaultKind',
    flag: 'nvidia-container-runtime.modes.cdi.default-kind',
    kind: 'string',
    env: ['NVIDIA_CONTAINER_RUNTIME_MODES_CDI_DEFAULT_KIND'],
    default: '',
    description: 'nvidia-container-runtime.modes.cdi.default-kind in the toolkit config',
  },
  {
    name: 'runtimeCdiAnnotationPrefixes',
    flag: 'nvidia-container-runtime.modes.cdi.annotation-prefixes',
    kind: 'list',
    env: ['NVIDIA_CONTAINER_RUNTIME_MODES_CDI_ANNOTATION_PREFIXES'],
    default: [],
    description: 'nvidia-container-runtime.modes.cdi.annotation-prefixes in the toolkit config',
  },
  {
    name: 'runtimeRuntimes',
    flag: 'nvidia-container-runtime.runtimes',
    kind: 'list',
    env: ['NVIDIA_CONTAINER_RUNTIME_RUNTIMES'],
    default: [],
    description: 'low-level runtimes to look for; the first is also the wrappers\u2019 fallback',
  },
  {
    name: 'hookSkipModeDetection',
    flag: 'nvidia-container-runtime-hook.skip-mode-detection',
    kind: 'bool',
    env: ['NVIDIA_CONTAINER_RUNTIME_HOOK_SKIP_MODE_DETECTION'],
    default: true,
    description: 'nvidia-container-runtime-hook.skip-mode-detection in the toolkit config',
  },
  {
    name: 'cliDebug',
    flag: 'nvidia-container-cli.debug',
    aliases: ['nvidia-container-cli-debug'],
    kind: 'string',
    env: ['NVIDIA_CONTAINER_CLI_DEBUG'],
    default: '',
    description: 'nvidia-container-cli.debug in the toolkit config (debug log file)',
  },
  {
    name: 'acceptEnvvarUnprivileged',
    flag: 'accept-nvidia-visible-devices-envvar-when-unprivileged',
    kind: 'bool',
    env: ['ACCEPT_NVIDIA_VISIBLE_DEVICES_ENVVAR_WHEN_UNPRIVILEGED'],
    default: true,
    description: 'let unprivileged containers select devices with NVIDIA_VISIBLE_DEVICES',
  },
  {
    name: 'acceptVolumeMounts',
    flag: 'accept-nvidia-visible-devices-as-volume-mounts',
    kind: 'bool',
    env: ['ACCEPT_NVIDIA_VISIBLE_DEVICES_AS_VOLUME_MOUNTS'],
    default: false,
    description: 'read the device list from volume mounts under /var/run/nvidia-container-devices',
  },
  {
    name: 'cdiEnabled',
    flag: 'cdi-enabled',
    aliases: ['enable-cdi'],
    kind: 'bool',
    env: ['CDI_ENABLED', 'ENABLE_CDI'],
    default: false,
    description: 'create control device nodes and write the management CDI spec',
  },
  {
    name: 'cdiOutputDir',
    flag: 'cdi-output-dir',
    kind: 'string',
    env: ['CDI_OUTPUT_DIR'],
    default: '/var/run/cdi',
    description: 'directory for the management CDI spec (empty disables the spec)',
  },
  {
    name: 'cdiKind',
    flag: 'cdi-kind',
    kind: 'string',
    env: ['CDI_KIND'],
    default: 'management.nvidia.com/gpu',
    description: 'the vendor/class of the management CDI spec',
  },
  {
    name: 'ignoreErrors',
    flag: 'ignore-errors',
    kind: 'bool',
    default: false,
    hidden: true,
    description: 'log and continue when an artifact is missing or device nodes / the CDI spec fail',
  },
  {
    name: 'createDeviceNodes',
    flag: 'create-device-nodes',
    kind: 'list',
    env: ['CREATE_DEVICE_NODES'],
    default: ['control'],
    description: 'device nodes to create with CDI enabled: control, or none',
  },
  {
    name: 'optInFeatures',
    flag: 'opt-in-features',
    kind: 'list',
    env: ['NVIDIA_CONTAINER_TOOLKIT_OPT_IN_FEATURES'],
    default: [],
    hidden: true,
    description: 'features to enable in the toolkit config (features.<name> = true)',
  },
];

export const TOOLKIT_COMMAND_SPECS: readonly OptionSpec[] = [TOOLKIT_ROOT_SPEC, ...TOOLKIT_SPECS];

/** The validated options of one toolkit install. Optional config keys are undefined unless set and non-empty. */
export interface ToolkitOptions {
  readonly toolkitRoot: string;
  readonly sourceRoot: string;
  readonly driverRoot: string;
  readonly driverRootCtrPath: string;
  /** Host-side dev root; '' means the driver root. */
  readonly devRoot: string;
  /** Installer-side dev root; '' means `/` for node creation and driverRootCtrPath for CDI discovery. */
  readonly devRootCtrPath: string;
  readonly runtime: {
    readonly debug?: string;
    readonly logLevel?: string;
    readonly mode?: string;
    readonly cdiDefaultKind?: string;
    readonly cdiAnnotationPrefixes?: readonly string[];
    readonly runtimes: readonly string[];
  };
  readonly cliDebug?: string;
  readonly hookSkipModeDetection: boolean;
  readonly acceptEnvvarUnprivileged: boolean;
  readonly acceptVolumeMounts: boolean;
  /** Present only when CDI is enabled and has an output dir. */
  readonly cdi?: { readonly outputDir: string; readonly vendor: string; readonly class: string };
  readonly createControlNodes: boolean;
  readonly ignoreErrors: boolean;
  readonly optInFeatures: readonly string[];
  /** The engine being configured, when known (cri-o falls back to crun, the others to runc). */
  readonly engine?: EngineName;
  /**
   * The modules file the runtime wrappers check for the `nvidia` module. Always /proc/modules in production;
   * baked into the wrappers at install time so tests can point it at a fixture (not a CLI flag).
   */
  readonly procModulesPath: string;
}

export interface ToolkitExtras {
  /** Overrides `--toolkit-root` (the orchestrator derives it). */
  readonly toolkitRoot?: string;
  readonly engine?: EngineName;
  readonly procModulesPath?: string;
  /** Base for relative source / container-side paths. */
  readonly cwd?: string;
  readonly warn?: (msg: string) => void;
}

// CDI name rules (container-device-interface parser): vendor = DNS-like segments, class = a plain name; both
// start with a letter and end with a letter or digit.
const VENDOR = /^[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/;
const CLASS = /^[A-Za-z]([A-Za-z0-9_-]*[A-Za-z0-9])?$/;

/** Splits and checks `vendor/class`; returns the problems (empty when valid). */
export function checkCdiKind(kind: string): { vendor: string; class: string; problems: string[] } {
  const slash = kind.indexOf('/');
  if (slash < 0)
    return { vendor: '', class: '', problems: [`invalid --cdi-kind "${kind}": expected <vendor>/<class>`] };
  const vendor = kind.slice(0, slash);
  const cls = kind.slice(slash + 1);
  const problems: string[] = [];
  if (!VENDOR.test(vendor)) {
    problems.push(
      `invalid --cdi-kind "${kind}": invalid CDI vendor name "${vendor}" (letters, digits, '-', '_', '.'; starts with a letter, ends with a letter or digit)`,
    );
  }
  if (!CLASS.test(cls)) {
    problems.push(
      `invalid --cdi-kind "${kind}": invalid CDI class name "${cls}" (letters, digits, '-', '_'; starts with a letter, ends with a letter or digit)`,
    );
  }
  return { vendor, class: cls, problems };
}

function str(r: Resolved, name: string): string {
  const v = r.values[name];
  return typeof v === 'string' ? v : '';
}

function list(r: Resolved, name: string): readonly string[] {
  const v = r.values[name];
  return Array.isArray(v) ? (v as readonly string[]) : [];
}

function bool(r: Resolved, name: string, dflt: boolean): boolean {
  const v = r.values[name];
  return typeof v === 'boolean' ? v : dflt;
}

/** urfave's IsSet plus "non-empty": the rule for the optional config keys (§4.3). */
function optional(r: Resolved, name: string): string | undefined {
  const set = r.sources[name] === 'cli' || r.sources[name] === 'env';
  const v = str(r, name);
  return set && v !== '' ? v : undefined;
}

const UNSAFE = /[\n\0]/;

/**
 * Turns resolved flags into validated options. Every problem is collected and reported in one UsageError.
 */
export function toolkitOptionsFrom(resolved: Resolved, extra: ToolkitExtras = {}): ToolkitOptions {
  const problems: string[] = [];
  const cwd = extra.cwd ?? '/';
  const abs = (p: string) => (p === '' ? '' : posix.resolve(cwd, p));

  const toolkitRoot = extra.toolkitRoot ?? str(resolved, 'toolkitRoot');
  if (toolkitRoot === '') problems.push('--toolkit-root must be specified (or TOOLKIT_ROOT)');
  else if (!toolkitRoot.startsWith('/'))
    problems.push(`--toolkit-root "${toolkitRoot}" must be an absolute path`);
  else if (UNSAFE.test(toolkitRoot)) problems.push('--toolkit-root contains a newline or NUL character');
  // The root goes into PATH and LD_LIBRARY_PATH in the wrappers, where ':' splits entries.
  else if (toolkitRoot.includes(':')) problems.push(`--toolkit-root "${toolkitRoot}" must not contain ':'`);
  else if (posix.normalize(toolkitRoot) === '/') problems.push('--toolkit-root must not be /');

  const driverRoot = str(resolved, 'driverRoot');
  if (!driverRoot.startsWith('/')) problems.push(`--driver-root "${driverRoot}" must be an absolute path`);
  const devRoot = str(resolved, 'devRoot');
  if (devRoot !== '' && !devRoot.startsWith('/'))
    problems.push(`--dev-root "${devRoot}" must be an absolute path`);

  const runtimes = list(resolved, 'runtimeRuntimes');
  for (const [i, rt] of runtimes.entries()) {
    if (UNSAFE.test(rt))
      problems.push(`--nvidia-container-runtime.runtimes entry ${i + 1} contains a newline or NUL character`);
  }

  let cdi: ToolkitOptions['cdi'];
  const cdiEnabled = bool(resolved, 'cdiEnabled', false);
  const kind = checkCdiKind(str(resolved, 'cdiKind'));
  problems.push(...kind.problems);
  const outputDir = str(resolved, 'cdiOutputDir');
  if (cdiEnabled && outputDir === '') {
    extra.warn?.('CDI is enabled but --cdi-output-dir is empty: skipping device nodes and the CDI spec');
  } else if (cdiEnabled) {
    cdi = { outputDir: abs(outputDir), vendor: kind.vendor, class: kind.class };
  }

  let createControlNodes = true;
  for (const v of list(resolved, 'createDeviceNodes')) {
    if (v === 'none' || v === '') createControlNodes = false;
    else if (v !== 'control')
      problems.push(`invalid --create-device-nodes value: "${v}" (expected control or none)`);
  }
  // `--create-device-nodes ""` parses to an empty list, which upstream treats like `none`.
  if (list(resolved, 'createDeviceNodes').length === 0) createControlNodes = false;

  const features = list(resolved, 'optInFeatures');
  for (const f of features) {
    // Feature names become TOML keys (`features.<name> = true`); upstream's are all kebab-case words.
    if (f !== '' && !/^[A-Za-z0-9_-]+$/.test(f))
      problems.push(`invalid --opt-in-features entry ${JSON.stringify(f)}`);
  }

  if (problems.length > 0) throw new UsageError(problems.join('; '));

  const prefixes = list(resolved, 'runtimeCdiAnnotationPrefixes');
  const prefixesSet = resolved.sources.runtimeCdiAnnotationPrefixes !== 'default' && prefixes.length > 0;
  return {
    toolkitRoot: posix.normalize(toolkitRoot).replace(/\/$/, ''),
    sourceRoot: abs(str(resolved, 'toolkitSourceRoot') || '/'),
    driverRoot,
    driverRootCtrPath: abs(str(resolved, 'driverRootCtrPath')),
    devRoot,
    devRootCtrPath: abs(str(resolved, 'devRootCtrPath')),
    runtime: {
      debug: optional(resolved, 'runtimeDebug'),
      logLevel: optional(resolved, 'runtimeLogLevel'),
      mode: optional(resolved, 'runtimeMode'),
      cdiDefaultKind: optional(resolved, 'runtimeCdiDefaultKind'),
      cdiAnnotationPrefixes: prefixesSet ? prefixes : undefined,
      runtimes,
    },
    cliDebug: optional(resolved, 'cliDebug'),
    hookSkipModeDetection: bool(resolved, 'hookSkipModeDetection', true),
    acceptEnvvarUnprivileged: bool(resolved, 'acceptEnvvarUnprivileged', true),
    acceptVolumeMounts: bool(resolved, 'acceptVolumeMounts', false),
    cdi,
    createControlNodes: cdi !== undefined && createControlNodes,
    ignoreErrors: bool(resolved, 'ignoreErrors', false),
    optInFeatures: features.filter((f) => f !== ''),
    engine: extra.engine,
    procModulesPath: extra.procModulesPath ?? '/proc/modules',
  };
}
