/**
 * `ctk-installer run [DESTINATION]`, also reached as `nvidia-toolkit [DESTINATION]` (the original's
 * orchestrator and the GPU Operator's container-toolkit entrypoint): lock the pid file, install the toolkit
 * into `<DESTINATION>/toolkit`, configure the engine, then wait for a signal and undo it (src/orchestrator).
 */
import { accessSync, constants } from 'node:fs';
import type { Command } from 'commander';
import { addRunOptions, allRunSpecs } from '../options/run-options';
import { resolveRunOptions } from '../orchestrator/options';
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
      const options = resolveRunOptions(self, self.args, {
        env: ctx.env,
        explicitBools: ctx.explicitBools,
        cwd: process.cwd(),
        hasRpm,
        warn: (m) => ctx.logger.warn(m),
      });
      const { runOrchestrator } = await import('../orchestrator/steps');
      await runOrchestrator(options, { logger: ctx.logger });
    });
  },
};
