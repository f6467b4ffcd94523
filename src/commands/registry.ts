/** The list of command modules; the only place that knows them all. */
import type { Command } from 'commander';
import { cdiCommand } from './cdi';
import { engineCommand } from './engine-cli';
import type { OptionSpec } from './option-spec';
import { runCommand } from './run';
import { toolkitCommand } from './toolkit';

export interface CommandModule {
  /** Adds the command(s) to the program. Heavy implementation code is imported inside the action. */
  register(program: Command): void;
  /** Every option the module declares (the `--flag=bool` pre-pass needs them all, see rewriteBoolArgs). */
  readonly specs: readonly OptionSpec[];
}

const modules: CommandModule[] = [engineCommand, toolkitCommand, cdiCommand, runCommand];

export function registerAll(program: Command): void {
  for (const m of modules) m.register(program);
}

/** Every option of every module, for the program-wide `--flag=bool` pre-pass. */
export function allSpecs(): OptionSpec[] {
  return modules.flatMap((m) => m.specs);
}
