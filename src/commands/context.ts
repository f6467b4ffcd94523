/**
 * What a command's action gets besides its options: the environment, a logger configured from the global
 * `--debug`/`--log-format` flags, and a stdout writer (data only; logs go to stderr).
 */
import type { Command } from 'commander';
import { createLogger, type Logger } from '../log';

export interface CommandContext {
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly stdout: (text: string) => void;
  /** Bool flags given as `--flag=value` on the command line (see rewriteBoolArgs). */
  readonly explicitBools: ReadonlyMap<string, boolean>;
}

let explicit: ReadonlyMap<string, boolean> = new Map();
export function setExplicitBools(map: ReadonlyMap<string, boolean>): void {
  explicit = map;
}

export function contextFor(cmd: Command, env: NodeJS.ProcessEnv = process.env): CommandContext {
  return contextFromGlobals(cmd.optsWithGlobals(), env);
}

/** The same from the global flags' values (src/options/argv.ts parses them without commander). */
export function contextFromGlobals(
  g: { debug?: boolean; logFormat?: string },
  env: NodeJS.ProcessEnv = process.env,
): CommandContext {
  const debug =
    g.debug === true ||
    explicit.get('debug') === true ||
    ['1', 'true', 'TRUE', 'True', 't', 'T'].includes(env.TOOLKIT_DEBUG ?? '');
  const format = g.logFormat === 'json' || env.CTK_LOG_FORMAT === 'json' ? 'json' : 'text';
  return {
    env,
    logger: createLogger({ level: debug ? 'debug' : 'info', format }),
    stdout: (text) => process.stdout.write(text),
    explicitBools: explicit,
  };
}
