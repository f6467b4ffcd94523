/**
 * `docker|containerd|crio setup|cleanup [flags] RUNTIME_DIR` (the original's standalone CLIs, also reached
 * through links named `docker`, `containerd`, `crio`) and `runtime configure` for node admins.
 */
import type { Command } from 'commander';
import { ENGINE_NAMES, type PresetName } from '../engines/presets';
import type { EngineName } from '../engines/types';
import { UsageError } from '../errors';
import { describeProfile, type NodeProfile } from '../ops/node-profile';
import { pathsToWrite, preflightWritable, verifyOnly, withNodeProfile } from '../ops/node-profile-apply';
import type { EngineOpResult } from '../ops/options';
import { type EngineOpOptions, engineOpOptions } from '../options/engine-op-options';
import { OCI_HOOK_MODE } from '../options/nvidia-ctk-options';
import { addOptions, type Resolved, resolveOptions } from '../options/option-spec';
import { CONFIGURE_SPECS, configureSpecsFor, runtimeOptionSpecs, specsFor } from '../options/runtime-options';
import { runtimeSet } from '../runtimes/runtime-set';
import { applyNvidiaCtkFlags } from './configure-compat';
import { contextFor } from './context';
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

async function runAndReport(
  given: EngineOpOptions,
  r: Resolved,
  cmd: Command,
  output: string,
): Promise<EngineOpResult | undefined> {
  const ctx = contextFor(cmd);
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

function registerEngine(program: Command, engine: EngineName): void {
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
      const ctx = contextFor(self);
      const r = resolveOptions(self, specs, ctx.env, ctx.explicitBools);
      const dir = runtimeDirFrom(self.args, String(r.values.runtimeDir ?? ''));
      await runAndReport(
        engineOpOptions(engine, action, r, dir, r.values.enableCdiInRuntime === true),
        r,
        self,
        'text',
      );
    });
  }
}

function registerConfigure(program: Command): void {
  const specs = configureSpecsFor(undefined);
  const cmd = program
    .command('runtime')
    .description('node-admin commands')
    .command('configure')
    .description('register the NVIDIA runtimes with an engine (like `nvidia-ctk runtime configure`)')
    .argument(
      '[RUNTIME_DIR...]',
      'directory holding the nvidia-container-runtime binaries (default /usr/bin)',
    );
  addOptions(cmd, [...CONFIGURE_SPECS, ...specs]);
  cmd.action(async (...args: unknown[]) => {
    const self = args[args.length - 1] as Command;
    const ctx = contextFor(self);
    const first = resolveOptions(self, CONFIGURE_SPECS, ctx.env, ctx.explicitBools).values;
    const engine = first.runtime as EngineName;
    const r = resolveOptions(self, configureSpecsFor(engine), ctx.env, ctx.explicitBools);
    // --config-mode is a cri-o option; the original refuses `oci-hook` for the other engines
    const mode = resolveOptions(
      self,
      specs.filter((s) => s.name === 'configMode'),
      ctx.env,
    );
    const explicitDir =
      String(r.values.runtimeDir ?? '') || (self.args.length === 0 ? '' : runtimeDirFrom(self.args, ''));
    const configMode = r.values.configMode === OCI_HOOK_MODE ? 'hook' : String(r.values.configMode ?? '');
    const compat = applyNvidiaCtkFlags(
      {
        engine,
        configMode,
        configModeGiven: mode.sources.configMode === 'cli' ? String(mode.values.configMode) : undefined,
        runtimeDir: explicitDir,
        values: first,
      },
      ctx.logger,
    );
    const opts = engineOpOptions(
      engine,
      first.cleanup === true ? 'cleanup' : 'setup',
      { ...r, values: { ...r.values, configMode, ...compat } },
      explicitDir || compat.runtimeDir || '/usr/bin',
      r.values.enableCdiInRuntime === true,
    );
    await runAndReport({ ...opts, dryRun: first.dryRun === true }, r, self, String(first.output));
  });
}

export const engineCommand: CommandModule = {
  names: ['docker', 'containerd', 'crio', 'runtime'],
  specs: [...runtimeOptionSpecs(undefined), ...CONFIGURE_SPECS, ...configureSpecsFor(undefined)],
  register(program) {
    for (const engine of ENGINE_NAMES) registerEngine(program, engine);
    registerConfigure(program);
  },
};
