/**
 * Resolving `run`'s options: the command line, then the environment in the chosen engine's order (a DOCKER_*
 * variable never configures containerd), then RUNTIME_ARGS laid over the runtime flags, then the defaults.
 * Pure: the caller passes the environment and the few host facts.
 */
import { posix } from 'node:path';
import { Command } from 'commander';
import type { EngineName } from '../engines/types';
import { UsageError } from '../errors';
import { type EngineOpOptions, engineOpOptions } from '../options/engine-op-options';
import { type OptionValue, type Resolved, resolveOptions } from '../options/option-spec';
import { addRunOptions, RUN_SPECS, RUN_TOOLKIT_SPECS, runtimeSpecs } from '../options/run-options';
import { runtimeSet } from '../runtimes/runtime-set';
import { type ToolkitOptions, toolkitOptionsFrom } from '../toolkit/options';
import type { ReconcilePolicy } from './reconciler';
import { overlayRuntimeArgs, parseRuntimeArgs } from './runtime-args';

/** Host facts the resolution needs (kept out so it stays pure and testable). */
export interface RunEnvironment {
  readonly env: NodeJS.ProcessEnv;
  readonly explicitBools: ReadonlyMap<string, boolean>;
  readonly cwd: string;
  /** Whether /usr/bin/rpm is an executable (TOOLKIT_PACKAGE_TYPE=auto picks rpm artifacts then). */
  readonly hasRpm: () => boolean;
  readonly warn: (msg: string) => void;
}

export interface RunOptions {
  readonly engine: EngineName;
  readonly installDir: string;
  readonly pidFile: string;
  /** '' = no readiness file. */
  readonly readyFile: string;
  readonly noDaemon: boolean;
  readonly cleanupOnExit: boolean;
  readonly runtimeConfig: boolean;
  /** undefined: reconcile is off. */
  readonly reconcile: ReconcilePolicy | undefined;
  readonly toolkit: ToolkitOptions;
  /** The low-level runtimes list came from the flags; otherwise it is computed from the engine config. */
  readonly runtimesGiven: boolean;
  readonly setup: EngineOpOptions;
  readonly cleanup: EngineOpOptions;
  /** The resolved runtime values and where each came from (logged at debug level). */
  readonly runtimeValues: Readonly<Record<string, OptionValue | undefined>>;
  readonly runtimeSources: Readonly<Record<string, string>>;
}

/**
 * The original's positional rule (§1.3): at most one argument, the install root; more is an error that
 * names the extra ones in Go's slice format.
 */
export function destinationFrom(positionals: readonly string[]): string | undefined {
  if (positionals.length > 1) {
    throw new UsageError(`unexpected positional argument(s) [${positionals.slice(1).join(' ')}]`);
  }
  return positionals[0];
}

function str(r: Resolved, name: string): string {
  const v = r.values[name];
  return typeof v === 'string' ? v : '';
}

/** Runtime flags given on the command line that the chosen engine does not have. */
function foreignFlags(cmd: Command, engine: EngineName, h: RunEnvironment): string[] {
  const mine = new Set(runtimeSpecs(engine).map((s) => s.name));
  const candidates = runtimeSpecs(undefined).filter((s) => !mine.has(s.name));
  const all = resolveOptions(cmd, candidates, {}, h.explicitBools);
  return candidates.filter((s) => all.sources[s.name] === 'cli').map((s) => `--${s.flag}`);
}

export function resolveRunOptions(
  cmd: Command,
  positionals: readonly string[],
  h: RunEnvironment,
): RunOptions {
  const own = resolveOptions(cmd, RUN_SPECS, h.env, h.explicitBools);
  if (own.values.enableNriPlugin === true) {
    throw new UsageError(
      'the NRI plugin (--enable-nri-plugin, ENABLE_NRI_PLUGIN) is not supported; the runtimes are configured instead',
    );
  }
  const engine = own.values.runtime as EngineName;
  const foreign = foreignFlags(cmd, engine, h);
  if (foreign.length > 0)
    throw new UsageError(`${foreign.join(', ')} cannot be used with --runtime=${engine}`);

  // cli > env > DESTINATION > default, as the original (the argument was the flag's default value).
  const destination = destinationFrom(positionals);
  let installDir = str(own, 'installDir');
  if (destination !== undefined) {
    if (own.sources.installDir === 'cli' && destination !== installDir) {
      throw new UsageError(
        `the install root is given twice: DESTINATION ${JSON.stringify(destination)} and --root ${JSON.stringify(installDir)}`,
      );
    }
    if (own.sources.installDir === 'env' && destination !== installDir) {
      h.warn(
        `the install root from the environment (${installDir}) overrides the DESTINATION argument (${destination})`,
      );
    }
    if (own.sources.installDir === 'default') installDir = destination;
  }
  if (installDir === '') throw new UsageError('the install root must be specified');
  installDir = posix.resolve(h.cwd, installDir);
  const toolkitDir = posix.join(installDir, 'toolkit');

  const pidFile = posix.resolve(h.cwd, str(own, 'pidFile'));
  if (posix.basename(pidFile) !== 'toolkit.pid')
    throw new UsageError(`invalid toolkit.pid path ${str(own, 'pidFile')}`);
  const readyFile = str(own, 'readyFile') === '' ? '' : posix.resolve(h.cwd, str(own, 'readyFile'));

  const specs = runtimeSpecs(engine);
  const runtime = overlayRuntimeArgs(
    resolveOptions(cmd, specs, h.env, h.explicitBools),
    parseRuntimeArgs(str(own, 'runtimeArgs'), specs),
    specs,
  );

  const toolkitResolved = withSourceRoot(
    resolveOptions(cmd, RUN_TOOLKIT_SPECS, h.env, h.explicitBools),
    str(own, 'packageType'),
    h,
  );
  const toolkit = toolkitOptionsFrom(toolkitResolved, {
    toolkitRoot: toolkitDir,
    engine,
    cwd: h.cwd,
    warn: h.warn,
  });
  const cdiEnabled = toolkitResolved.values.cdiEnabled === true;
  // --enable-cdi-in-runtime follows --cdi-enabled unless it was set itself (v1.17.5+).
  const enableCdi =
    runtime.sources.enableCdiInRuntime === 'default'
      ? cdiEnabled
      : runtime.values.enableCdiInRuntime === true;
  const setup = engineOpOptions(engine, 'setup', runtime, toolkitDir, enableCdi);
  const runtimeConfig = own.values.noRuntimeConfig !== true;
  if (runtimeConfig)
    runtimeSet({ name: setup.runtimeName, setAsDefault: setup.setAsDefault, dir: toolkitDir });
  return {
    engine,
    installDir,
    pidFile,
    readyFile,
    noDaemon: own.values.noDaemon === true,
    cleanupOnExit: own.values.noCleanupOnExit !== true,
    runtimeConfig,
    reconcile: reconcilePolicy(own),
    toolkit,
    runtimesGiven: toolkit.runtime.runtimes.length > 0,
    setup,
    cleanup: { ...setup, action: 'cleanup' },
    runtimeValues: runtime.values,
    runtimeSources: runtime.sources,
  };
}

function reconcilePolicy(own: Resolved): ReconcilePolicy | undefined {
  if (own.values.reconcile !== true) return undefined;
  const positive = (name: string, flag: string): number => {
    const v = own.values[name] as number;
    if (v < 1) throw new UsageError(`--${flag} must be at least 1`);
    return v;
  };
  return {
    intervalMs: positive('reconcileInterval', 'reconcile-interval') * 1000,
    maxRestarts: positive('reconcileMaxRestarts', 'reconcile-max-restarts'),
    windowMs: positive('reconcileWindow', 'reconcile-window') * 1000,
  };
}

/** HEAD: with no --toolkit-source-root, the artifacts come from /artifacts/deb or /artifacts/rpm. */
function withSourceRoot(r: Resolved, packageType: string, h: RunEnvironment): Resolved {
  if (r.sources.toolkitSourceRoot !== 'default') return r;
  const type = packageType === 'deb' || packageType === 'rpm' ? packageType : h.hasRpm() ? 'rpm' : 'deb';
  return { values: { ...r.values, toolkitSourceRoot: `/artifacts/${type}` }, sources: r.sources };
}

/** A command with every run option, for tests and for `run` itself. */
export function runOptionsCommand(name = 'run'): Command {
  return addRunOptions(new Command(name));
}
