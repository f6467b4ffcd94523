/**
 * `toolkit install` and `toolkit delete` (the original's standalone `toolkit` CLI, v1.13–v1.16; also reached
 * through a link named `toolkit`). Both share one flag set, as upstream, and validate it the same way.
 */
import type { Command } from 'commander';
import { addOptions, resolveOptions } from '../options/option-spec';
import { TOOLKIT_COMMAND_SPECS } from '../options/toolkit-options';
import { type ToolkitOptions, toolkitOptionsFrom } from '../toolkit/options';
import { contextFor } from './context';
import type { CommandModule } from './registry';

function optionsOf(cmd: Command): { options: ToolkitOptions; ctx: ReturnType<typeof contextFor> } {
  const ctx = contextFor(cmd);
  const resolved = resolveOptions(cmd, TOOLKIT_COMMAND_SPECS, ctx.env, ctx.explicitBools);
  const options = toolkitOptionsFrom(resolved, { cwd: process.cwd(), warn: (m) => ctx.logger.warn(m) });
  return { options, ctx };
}

export const toolkitCommand: CommandModule = {
  names: ['toolkit'],
  specs: TOOLKIT_COMMAND_SPECS,
  register(program: Command): void {
    const toolkit = program
      .command('toolkit')
      .description('install or delete the NVIDIA Container Toolkit files (wrappers, libraries, config)');

    const install = toolkit
      .command('install')
      .description('install the toolkit into --toolkit-root, replacing an existing installation atomically');
    addOptions(install, TOOLKIT_COMMAND_SPECS);
    install.action(async (_opts: unknown, cmd: Command) => {
      const { options, ctx } = optionsOf(cmd);
      const { installToolkit } = await import('../toolkit/install');
      const result = await installToolkit(options, { logger: ctx.logger });
      ctx.logger.info('Toolkit installed', {
        root: result.root,
        files: result.entries.length,
        cdiSpec: result.cdiSpecPath,
      });
    });

    const del = toolkit
      .command('delete')
      .description(
        'remove the toolkit from --toolkit-root (a toolkit.pid in it is kept; missing is not an error)',
      );
    addOptions(del, TOOLKIT_COMMAND_SPECS);
    del.action(async (_opts: unknown, cmd: Command) => {
      const { options, ctx } = optionsOf(cmd);
      const { deleteToolkit } = await import('../toolkit/install');
      await deleteToolkit(options.toolkitRoot, { logger: ctx.logger });
    });
  },
};
