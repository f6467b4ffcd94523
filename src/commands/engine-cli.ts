/**
 * `docker|containerd|crio setup|cleanup [flags] RUNTIME_DIR` (the original's standalone CLIs, also reached
 * through links named `docker`, `containerd`, `crio`) and `runtime configure` for node admins.
 */
import type { Command } from 'commander';
import { ENGINE_NAMES, type PresetName } from '../engines/presets';
import type { EngineName } from '../engines/types';
import { UsageError } from '../errors';
import type { Logger } from '../log';
import { describeProfile, type NodeProfile } from '../ops/node-profile';
import { pathsToWrite, preflightWritable, verifyOnly, withNodeProfile } from '../ops/node-profile-apply';
import type { EngineOpResult } from '../ops/options';
import { type ArgvCommand, parseArgv } from '../options/argv';
import { type Action, type EngineOpOptions, engineOpOptions } from '../options/engine-op-options';
import { OCI_HOOK_MODE } from '../options/nvidia-ctk-options';
import {
  addOptions,
  type OptionSpec,
  type ParsedOptions,
  type Resolved,
  resolveOptions,
} from '../options/option-spec';
import { CONFIGURE_SPECS, configureSpecsFor, runtimeOptionSpecs, specsFor } from '../options/runtime-options';
import { runtimeSet } from '../runtimes/runtime-set';
import { applyNvidiaCtkFlags } from './configure-compat';
import { type CommandContext, contextFor, contextFromGlobals, setExplicitBools } from './context';
import type { CommandModule } from './registry';

/** Exactly one RUNTIME_DIR argument unless --nvidia-runtime-dir is set (the original's Before hook). */
export function runtimeDirFrom(args: readonly string[], flag: string): string {
  if (flag !== '') {
    if (args.length > 0)
      throw new UsageError(
        `incorrect number of arguments: RUNTIME_DIR given both as --nvidia-runtime-dir and as ${JSON.stringify(args[0])}`,
      );
    return flag;
  }
  if (args.length !== 1)
    throw new UsageError(`incorrect number of arguments: expected RUNTIME_DIR, got ${args.length}`);
  return args[0]!;
}

/** One engine operation as a command line asks for it, however that line was parsed. */
export interface EngineInvocation {
  readonly opts: EngineOpOptions;
  /** The resolved flags of the engine (preset, verify-only and where each value came from). */
  readonly resolved: Resolved;
  readonly output: string;
}

/**
 * The operation of `ENGINE setup|cleanup` or `runtime configure` from the parsed flags (commander's or
 * src/options/argv.ts's: `parsed.opts()` is the same record), the positional arguments and the environment.
 * `logger` gets the warnings of nvidia-ctk's compatibility flags.
 */
export function engineInvocation(
  path: readonly [string, string],
  parsed: ParsedOptions,
  operands: readonly string[],
  env: NodeJS.ProcessEnv,
  explicitBools: ReadonlyMap<string, boolean>,
  logger: Logger,
): EngineInvocation {
  if (path[0] === 'runtime') return configureInvocation(parsed, operands, env, explicitBools, logger);
  const engine = path[0] as EngineName;
  const r = resolveOptions(parsed, specsFor(engine, 'cli'), env, explicitBools);
  const dir = runtimeDirFrom(operands, String(r.values.runtimeDir ?? ''));
  return {
    opts: engineOpOptions(engine, path[1] as Action, r, dir, r.values.enableCdiInRuntime === true),
    resolved: r,
    output: 'text',
  };
}

function configureInvocation(
  parsed: ParsedOptions,
  operands: readonly string[],
  env: NodeJS.ProcessEnv,
  explicitBools: ReadonlyMap<string, boolean>,
  logger: Logger,
): EngineInvocation {
  const first = resolveOptions(parsed, CONFIGURE_SPECS, env, explicitBools).values;
  const engine = first.runtime as EngineName;
  const r = resolveOptions(parsed, configureSpecsFor(engine), env, explicitBools);
  // --config-mode is a cri-o option; the original refuses `oci-hook` for the other engines
  const mode = resolveOptions(
    parsed,
    configureSpecsFor(undefined).filter((s) => s.name === 'configMode'),
    env,
  );
  const explicitDir =
    String(r.values.runtimeDir ?? '') || (operands.length === 0 ? '' : runtimeDirFrom(operands, ''));
  const configMode = r.values.configMode === OCI_HOOK_MODE ? 'hook' : String(r.values.configMode ?? '');
  const compat = applyNvidiaCtkFlags(
    {
      engine,
      configMode,
      configModeGiven: mode.sources.configMode === 'cli' ? String(mode.values.configMode) : undefined,
      runtimeDir: explicitDir,
      values: first,
    },
    logger,
  );
  const opts = engineOpOptions(
    engine,
    first.cleanup === true ? 'cleanup' : 'setup',
    { ...r, values: { ...r.values, configMode, ...compat } },
    explicitDir || compat.runtimeDir || '/usr/bin',
    r.values.enableCdiInRuntime === true,
  );
  return { opts: { ...opts, dryRun: first.dryRun === true }, resolved: r, output: String(first.output) };
}

async function runAndReport(
  { opts: given, resolved: r, output }: EngineInvocation,
  ctx: CommandContext,
): Promise<EngineOpResult | undefined> {
  const { options: opts, profile } = await withNodeProfile(given, r.sources, {
    ...(r.values.preset !== undefined ? { preset: r.values.preset as PresetName } : {}),
    ignoreEngineConfigMismatch: r.values.ignoreEngineConfigMismatch === true,
  });
  if (profile) {
    // a dry run prints them above its diff (or in the JSON), so the log keeps only its error lines
    for (const n of profile.notes) opts.dryRun ? ctx.logger.debug(n) : ctx.logger.info(n);
  }
  if (r.values.verifyOnly === true) {
    const runtimes = runtimeSet({
      name: opts.runtimeName,
      setAsDefault: opts.setAsDefault,
      dir: opts.runtimeDir,
    });
    ctx.stdout(await verifyOnly(opts, runtimes));
    return undefined;
  }
  if (!opts.dryRun) preflightWritable(pathsToWrite(opts));
  const { runEngineOp } = await import('../ops/transaction');
  const result = await runEngineOp(opts, ctx.logger);
  // stdout stays empty when the operation fails: the header comes with the diff
  if (profile && opts.dryRun && output !== 'json') ctx.stdout(describeProfile(profile));
  if (result.diff !== undefined && output !== 'json') ctx.stdout(result.diff);
  if (output === 'json') ctx.stdout(`${JSON.stringify(summary(result, profile), null, 2)}\n`);
  return result;
}

function summary(r: EngineOpResult, profile: NodeProfile | undefined): Record<string, unknown> {
  return {
    ...(profile
      ? {
          node: {
            preset: profile.preset,
            engine: profile.identified
              ? {
                  pid: profile.identified.pid,
                  exe: profile.identified.exe,
                  version: profile.identified.version?.text ?? null,
                  config: profile.identified.config,
                  distro: profile.identified.distro ?? null,
                  unit: profile.identified.unit ?? null,
                }
              : null,
            ...profile.fields,
            notes: profile.notes,
          },
        }
      : {}),
    engine: r.engine,
    action: r.action,
    changed: r.changed,
    runtimes: r.runtimes.map((x) => ({ name: x.name, path: x.binary, default: x.isDefault })),
    restart: r.restart,
    verified: r.verified,
    warnings: r.warnings,
    ...(r.diff !== undefined ? { diff: r.diff } : {}),
  };
}

type Runner = (invocation: EngineInvocation, ctx: CommandContext) => Promise<unknown>;

function registerEngine(program: Command, engine: EngineName, run: Runner, env: NodeJS.ProcessEnv): void {
  const specs = specsFor(engine, 'cli');
  const parent = program
    .command(engine)
    .description(`register the NVIDIA runtimes with ${engine} (or remove them)`);
  for (const action of ['setup', 'cleanup'] as const) {
    const cmd = parent
      .command(action)
      .description(
        `${action === 'setup' ? 'add' : 'remove'} the NVIDIA runtimes ${action === 'setup' ? 'to' : 'from'} the ${engine} config`,
      )
      .argument('[RUNTIME_DIR...]', 'directory holding the nvidia-container-runtime binaries');
    addOptions(cmd, specs);
    cmd.action(async (...args: unknown[]) => {
      const self = args[args.length - 1] as Command;
      const ctx = contextFor(self, env);
      const path = [engine, action] as const;
      await run(engineInvocation(path, self, self.args, ctx.env, ctx.explicitBools, ctx.logger), ctx);
    });
  }
}

function registerConfigure(program: Command, run: Runner, env: NodeJS.ProcessEnv): void {
  const cmd = program
    .command('runtime')
    .description('node-admin commands')
    .command('configure')
    .description('register the NVIDIA runtimes with an engine (like `nvidia-ctk runtime configure`)')
    .argument(
      '[RUNTIME_DIR...]',
      'directory holding the nvidia-container-runtime binaries (default /usr/bin)',
    );
  addOptions(cmd, configureCommandSpecs());
  cmd.action(async (...args: unknown[]) => {
    const self = args[args.length - 1] as Command;
    const ctx = contextFor(self, env);
    const path = ['runtime', 'configure'] as const;
    await run(engineInvocation(path, self, self.args, ctx.env, ctx.explicitBools, ctx.logger), ctx);
  });
}

/** Every flag `runtime configure` takes: its own, and every engine's runtime flags. */
function configureCommandSpecs(): OptionSpec[] {
  return [...CONFIGURE_SPECS, ...configureSpecsFor(undefined)];
}

/** The engine command lines src/options/argv.ts parses, with the same flags as the commander commands. */
export function engineArgvCommands(): ArgvCommand[] {
  return [
    ...ENGINE_NAMES.flatMap((engine) =>
      (['setup', 'cleanup'] as const).map((action) => ({
        path: [engine, action] as const,
        specs: specsFor(engine, 'cli'),
      })),
    ),
    { path: ['runtime', 'configure'], specs: configureCommandSpecs() },
  ];
}

/** An engine command line run without commander (undefined: not one src/options/argv.ts takes). */
export function runEngineArgv(args: readonly string[]): Promise<void> | undefined {
  const parsed = parseArgv(args, engineArgvCommands());
  if (parsed === undefined) return undefined;
  setExplicitBools(parsed.explicitBools);
  const ctx = contextFromGlobals(parsed);
  const { path } = parsed.command;
  const invocation = engineInvocation(path, parsed, parsed.operands, ctx.env, ctx.explicitBools, ctx.logger);
  return runAndReport(invocation, ctx).then(() => undefined);
}

/** The engine commands on a commander program; `run` gets each parsed command line (tests capture it). */
export function registerEngineCommands(program: Command, run: Runner, env = process.env): void {
  for (const engine of ENGINE_NAMES) registerEngine(program, engine, run, env);
  registerConfigure(program, run, env);
}

export const engineCommand: CommandModule = {
  names: ['docker', 'containerd', 'crio', 'runtime'],
  specs: [...runtimeOptionSpecs(undefined), ...CONFIGURE_SPECS, ...configureSpecsFor(undefined)],
  register: (program) => registerEngineCommands(program, runAndReport),
};
