/** The list of command modules; the only place that knows them all. */
import type { Command } from 'commander';
import type { OptionSpec } from '../options/option-spec';
import { cdiCommand } from './cdi';
import { engineCommand } from './engine-cli';
import { runCommand } from './run';
import { toolkitCommand } from './toolkit';

export interface CommandModule {
  /** The top-level command names it registers. */
  readonly names: readonly string[];
  /** Adds the command(s) to the program. Heavy implementation code is imported inside the action. */
  register(program: Command): void;
  /** Every option the module declares (the `--flag=bool` pre-pass needs them all, see rewriteBoolArgs). */
  readonly specs: readonly OptionSpec[];
}

const modules: CommandModule[] = [engineCommand, toolkitCommand, cdiCommand, runCommand];

/**
 * The modules a command line needs: only the one owning its command when that is known (building every
 * command's options costs milliseconds on each start), all of them for help and unknown commands.
 */
export function modulesFor(args: readonly string[]): readonly CommandModule[] {
  const name = args.find((a) => !a.startsWith('-'));
  const owner = modules.find((m) => name !== undefined && m.names.includes(name));
  return owner ? [owner] : modules;
}

export function registerModules(program: Command, chosen: readonly CommandModule[]): void {
  for (const m of chosen) m.register(program);
}

/** Every option of the given modules, for the program-wide `--flag=bool` pre-pass. */
export function specsOf(chosen: readonly CommandModule[]): OptionSpec[] {
  return chosen.flatMap((m) => m.specs);
}
