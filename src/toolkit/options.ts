/**
 * The toolkit options, validated: `toolkitOptionsFrom` turns the resolved toolkit flags
 * (src/options/toolkit-options.ts) into what the installer needs. Used by `toolkit install|delete` and the
 * orchestrator.
 */
import { posix } from 'node:path';
import type { EngineName } from '../engines/types';
import { UsageError } from '../errors';
import type { Resolved } from '../options/option-spec';

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
