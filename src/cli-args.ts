/**
 * What both command-line paths share (src/cli.ts with commander, src/options/argv.ts without): who the program
 * is invoked as, and how a failure is reported.
 */
import { basename } from 'node:path';
import { CtkError, oneLine } from './errors';
import { createLogger, writeStderr } from './log';

const PERSONAS: Readonly<Record<string, string>> = {
  docker: 'docker',
  containerd: 'containerd',
  crio: 'crio',
  toolkit: 'toolkit',
  'nvidia-toolkit': 'run',
};

/**
 * The program name and the words to parse: through a link named like one of the original's binaries, that
 * CLI's command word comes first.
 */
export function commandLine(argv: readonly string[]): { name: string; args: string[] } {
  const invokedAs = basename(argv[1] ?? '').replace(/\.(c?js|mjs)$/, '');
  const persona = PERSONAS[invokedAs];
  const args = argv.slice(2);
  return persona ? { name: invokedAs, args: [persona, ...args] } : { name: 'ctk-installer', args };
}

/** The log format for errors raised before or outside a command's own logger (same rule as context.ts). */
function errorLogFormat(args: readonly string[]): 'text' | 'json' {
  const i = args.indexOf('--log-format');
  const value =
    i >= 0 ? args[i + 1] : args.find((a) => a.startsWith('--log-format='))?.slice('--log-format='.length);
  return value === 'json' || (value === undefined && process.env.CTK_LOG_FORMAT === 'json') ? 'json' : 'text';
}

export function errorLogger(args: readonly string[]) {
  return createLogger({ level: 'info', format: errorLogFormat(args) });
}

/** Logs a command's failure as one line and returns its exit code. */
export function reportFailure(err: unknown, args: readonly string[]): number {
  const log = errorLogger(args);
  if (err instanceof CtkError) {
    log.error(err.message, err.hint ? { hint: err.hint } : {});
    return err.exitCode;
  }
  log.error(`internal error (please report): ${oneLine(err)}`);
  if (process.env.CTK_TRACE) writeStderr(`${(err as Error).stack}\n`);
  return 1;
}
