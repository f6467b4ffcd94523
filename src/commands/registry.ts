/** The list of command modules; the only place that knows them all. */
import type { Command } from 'commander';
import type { OptionSpec } from '../options/option-spec';
import { cdiCommand } from './cdi';
import { doctorCommand } from './doctor';
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

/** Every command module, for the full CLI (src/main-all.ts). */
export const allModules: readonly CommandModule[] = [
  engineCommand,
  toolkitCommand,
  cdiCommand,
  runCommand,
  doctorCommand,
];
