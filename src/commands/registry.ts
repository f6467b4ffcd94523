/** The list of command modules; the only place that knows them all. */
import type { Command } from 'commander';
import { cdiCommand } from './cdi';
import { engineCommand } from './engine-cli';
import type { OptionSpec } from './option-spec';
import { toolkitCommand } from './toolkit';

export interface CommandModule {
  /** Adds the command(s) to the program. Heavy implementation code is imported inside the action. */
  register(program: Command): void;
  /** Every option the module declares (bool flags are pre-processed before parsing). */
  readonly specs: readonly OptionSpec[];
}

const modules: CommandModule[] = [engineCommand, toolkitCommand, cdiCommand];

export function registerAll(program: Command): void {
  for (const m of modules) m.register(program);
}

export function boolSpecs(): OptionSpec[] {
  return modules.flatMap((m) => m.specs.filter((s) => s.kind === 'bool'));
}
