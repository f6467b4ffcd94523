/**
 * `docker|containerd|crio setup|cleanup [flags] RUNTIME_DIR` (the original's standalone CLIs, also reached
 * through links named `docker`, `containerd`, `crio`) and `runtime configure` for node admins.
 */
import type { Command } from 'commander';
import { ENGINE_NAMES } from '../engines/presets';
import type { EngineName } from '../engines/types';
import { UsageError } from '../errors';
import type { RestartMode } from '../host/restart';
import { addOptions, type OptionSpec, type Resolved, resolveOptions } from '../options/option-spec';
import { type RuntimePersona, runtimeOptionSpecs } from '../options/runtime-options';
import { contextFor } from './context';
import type { Action, EngineOpOptions, EngineOpResult } from './engine-op';
import type { CommandModule } from './registry';

const ONLY: Readonly<Record<string, EngineName>> = {
  useLegacyConfig: 'containerd',
  runtimeType: 'containerd',
  annotationPrefixes: 'containerd',
  configMode: 'crio',
  hooksDir: 'crio',
  hookFilename: 'crio',
};

export function specsFor(engine: EngineName | undefined, persona: RuntimePersona): OptionSpec[] {
  return runtimeOptionSpecs(engine, persona).filter(
    (s) => engine === undefined || (ONLY[s.name] ?? engine) === engine,
  );
}

/** Typed options from resolved values: the single place strings become an EngineOpOptions. */
export function engineOpOptions(
  engine: EngineName,
  action: Action,
  r: Resolved,
  runtimeDir: string,
  enableCdi: boolean,
): EngineOpOptions {
  const v = r.values;
  const str = (k: string) => String(v[k] ?? '');
  const num = (k: string) => Number(v[k]);
  return {
    engine,
    action,
    runtimeDir,
    config: str('config'),
    socket: str('socket'),
    restartMode: str('restartMode') as RestartMode,
    restartUnit: str('restartUnit'),
    restartAttempts: num('restartAttempts'),
    restartIntervalMs: num('restartInterval'),
    verifyTimeoutMs: num('verifyTimeout'),
    runtimeName: str('runtimeName'),
    setAsDefault: v.setAsDefault === true,
    hostRoot: str('hostRoot'),
    dropInConfig: str('dropInConfig'),
    dropInConfigHostPath: str('dropInConfigHostPath'),
    enableCdi,
    useLegacyConfig: v.useLegacyConfig === true,
    runtimeType: str('runtimeType') || 'io.containerd.runc.v2',
    annotationPrefixes: (v.annotationPrefixes as readonly string[] | undefined) ?? [],
    configMode: (str('configMode') || 'config') as 'config' | 'hook',
    hooksDir: str('hooksDir'),
    hookFilename: str('hookFilename'),
  };
}

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

async function runAndReport(opts: EngineOpOptions, cmd: Command, output: string): Promise<EngineOpResult> {
  const ctx = contextFor(cmd);
  const { runEngineOp } = await import('./engine-op');
  const result = await runEngineOp(opts, ctx.logger);
  if (result.diff !== undefined && output !== 'json') ctx.stdout(result.diff);
  if (output === 'json') ctx.stdout(`${JSON.stringify(summary(result), null, 2)}\n`);
  return result;
}

function summary(r: EngineOpResult): Record<string, unknown> {
  return {
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
        self,
        'text',
      );
    });
  }
}

const configureSpecs: OptionSpec[] = [
  {
    name: 'runtime',
    flag: 'runtime',
    kind: 'string',
    description: 'the engine to configure',
    env: ['RUNTIME'],
    default: 'docker',
    choices: ENGINE_NAMES,
  },
  {
    name: 'cleanup',
    flag: 'cleanup',
    kind: 'bool',
    description: 'remove the NVIDIA runtimes instead of adding them',
    default: false,
  },
  {
    name: 'dryRun',
    flag: 'dry-run',
    kind: 'bool',
    description: 'print a unified diff of what would change and change nothing',
    default: false,
  },
  {
    name: 'output',
    flag: 'output',
    kind: 'string',
    description: 'text or json (a machine-readable summary on stdout)',
    default: 'text',
    choices: ['text', 'json'],
  },
];

/**
 * `runtime configure` is for node admins, like `nvidia-ctk runtime configure`: it does not make nvidia the
 * default unless asked (field-notes A-25), and cri-o gets runtime entries rather than the legacy OCI hook.
 */
const CONFIGURE_DEFAULTS: Readonly<Record<string, OptionSpec['default']>> = {
  setAsDefault: false,
  configMode: 'config',
};

function configureSpecsFor(engine: EngineName | undefined): OptionSpec[] {
  return specsFor(engine, 'cli').map((s) => ({
    ...s,
    default: s.name in CONFIGURE_DEFAULTS ? CONFIGURE_DEFAULTS[s.name] : s.default,
    hidden: s.name === 'setAsDefault' ? false : s.hidden,
  }));
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
  addOptions(cmd, [...configureSpecs, ...specs]);
  cmd.action(async (...args: unknown[]) => {
    const self = args[args.length - 1] as Command;
    const ctx = contextFor(self);
    const first = resolveOptions(self, configureSpecs, ctx.env, ctx.explicitBools).values;
    const engine = first.runtime as EngineName;
    const r = resolveOptions(self, configureSpecsFor(engine), ctx.env, ctx.explicitBools);
    const flagDir = String(r.values.runtimeDir ?? '');
    const dir = flagDir || (self.args.length === 0 ? '/usr/bin' : runtimeDirFrom(self.args, ''));
    const opts = engineOpOptions(
      engine,
      first.cleanup === true ? 'cleanup' : 'setup',
      r,
      dir,
      r.values.enableCdiInRuntime === true,
    );
    await runAndReport({ ...opts, dryRun: first.dryRun === true }, self, String(first.output));
  });
}

export const engineCommand: CommandModule = {
  names: ['docker', 'containerd', 'crio', 'runtime'],
  specs: [...runtimeOptionSpecs(undefined), ...configureSpecs],
  register(program) {
    for (const engine of ENGINE_NAMES) registerEngine(program, engine);
    registerConfigure(program);
  },
};
