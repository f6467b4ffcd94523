/**
 * `ctk-installer run [DESTINATION]`, also reached as `nvidia-toolkit [DESTINATION]` (the original's
 * orchestrator and the GPU Operator's container-toolkit entrypoint): lock the pid file, install the toolkit
 * into `<DESTINATION>/toolkit`, configure the engine, then wait for a signal and undo it (src/orchestrator).
 */
import { accessSync, constants } from 'node:fs';
import type { Command } from 'commander';
import type { PresetName } from '../engines/presets';
import type { Logger } from '../log';
import { pathsToWrite, preflightWritable, withNodeProfile } from '../ops/node-profile-apply';
import { addRunOptions, allRunSpecs } from '../options/run-options';
import { type RunOptions, resolveRunOptions } from '../orchestrator/options';
import { contextFor } from './context';
import type { CommandModule } from './registry';

function hasRpm(): boolean {
  try {
    accessSync('/usr/bin/rpm', constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The engine the DaemonSet configures, as identified on its socket (--preset, default auto), checked writable. */
async function profiled(o: RunOptions, logger: Logger): Promise<RunOptions> {
  const v = o.runtimeValues;
  const { options: setup, profile } = await withNodeProfile(o.setup, o.runtimeSources, {
    ...(v.preset !== undefined ? { preset: v.preset as PresetName } : {}),
    ignoreEngineConfigMismatch: v.ignoreEngineConfigMismatch === true,
  });
  for (const n of profile?.notes ?? []) logger.info(n);
  preflightWritable(pathsToWrite(setup));
  return { ...o, setup, cleanup: { ...setup, action: 'cleanup' } };
}

export const runCommand: CommandModule = {
  names: ['run'],
  specs: allRunSpecs(),
  register(program: Command): void {
    const cmd = program
      .command('run')
      .description(
        'install the toolkit, configure the engine, and undo the configuration on SIGTERM (the DaemonSet entrypoint)',
      )
      .argument('[DESTINATION]', 'install root (the toolkit goes to DESTINATION/toolkit); same as --root')
      // More than one argument gets the original's own error message (see destinationFrom).
      .allowExcessArguments(true);
    addRunOptions(cmd);
    cmd.action(async (...args: unknown[]) => {
      const self = args[args.length - 1] as Command;
      const ctx = contextFor(self);
      const resolved = resolveRunOptions(self, self.args, {
        env: ctx.env,
        explicitBools: ctx.explicitBools,
        cwd: process.cwd(),
        hasRpm,
        warn: (m) => ctx.logger.warn(m),
      });
      const options = resolved.runtimeConfig ? await profiled(resolved, ctx.logger) : resolved;
      const { runOrchestrator } = await import('../orchestrator/steps');
      await runOrchestrator(options, { logger: ctx.logger });
    });
  },
};
