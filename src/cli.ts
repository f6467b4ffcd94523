/**
 * The single executable. `ctk-installer <command>`; when invoked through a link named like one of the
 * original's binaries (`docker`, `containerd`, `crio`, `toolkit`, `nvidia-toolkit`), it behaves as that CLI, so
 * a container image can link them exactly as the original's image does.
 * Errors carry their own message and exit code (src/errors.ts); only src/run-cli.ts calls process.exit.
 */
import { basename } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { setExplicitBools } from './commands/context';
import type { CommandModule } from './commands/registry';
import { CtkError, oneLine } from './errors';
import { createLogger } from './log';
import { rewriteBoolArgs } from './options/option-spec';
import { versionText } from './version';

const PERSONAS: Readonly<Record<string, string>> = {
  docker: 'docker',
  containerd: 'containerd',
  crio: 'crio',
  toolkit: 'toolkit',
  'nvidia-toolkit': 'run',
};

/** `--version` before any command word, on every persona (`nvidia-toolkit --version`, `docker --version`). */
function wantsVersion(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--version') return true;
    if (a === '--log-format')
      i++; // its value is not a command word
    else if (!a.startsWith('-') || a === '--') return false;
  }
  return false;
}

/** The log format for errors raised before or outside a command's own logger (same rule as context.ts). */
function errorLogFormat(args: readonly string[]): 'text' | 'json' {
  const i = args.indexOf('--log-format');
  const value =
    i >= 0 ? args[i + 1] : args.find((a) => a.startsWith('--log-format='))?.slice('--log-format='.length);
  return value === 'json' || (value === undefined && process.env.CTK_LOG_FORMAT === 'json') ? 'json' : 'text';
}

/**
 * The modules a command line needs: only the one owning its command when that is known (building every
 * command's options costs milliseconds on each start), all of them for help and unknown commands.
 */
function modulesFor(args: readonly string[], available: readonly CommandModule[]): readonly CommandModule[] {
  const name = args.find((a) => !a.startsWith('-'));
  const owner = available.find((m) => name !== undefined && m.names.includes(name));
  return owner ? [owner] : available;
}

/** Runs one command line with the command modules `available` (every one, or the engines' only). */
export async function main(argv: readonly string[], available: readonly CommandModule[]): Promise<number> {
  const invokedAs = basename(argv[1] ?? '').replace(/\.(c?js|mjs)$/, '');
  const persona = PERSONAS[invokedAs];
  const program = new Command(persona ? invokedAs : 'ctk-installer')
    .description(
      'Configure container engines for the NVIDIA Container Toolkit, without disturbing your files',
    )
    .addOption(new Option('--debug', 'log at debug level'))
    .addOption(new Option('--log-format <format>', 'log format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--version', 'print the version, the git commit and the Node.js version'))
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      // commander's own usage errors come out as the same one-line log entry as every other error
      outputError: (s) => log.error(s.trim().replace(/^error:\s*/, '')),
    });
  let args = argv.slice(2);
  if (wantsVersion(args)) {
    process.stdout.write(versionText(persona ? invokedAs : 'ctk-installer'));
    return 0;
  }
  if (persona) args = [persona, ...args];
  const log = createLogger({ level: 'info', format: errorLogFormat(args) });
  const chosen = modulesFor(args, available);
  for (const m of chosen) m.register(program);
  try {
    const { argv: rewritten, explicit } = rewriteBoolArgs(
      args,
      chosen.flatMap((m) => m.specs),
    );
    setExplicitBools(explicit);
    await program.parseAsync(rewritten, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      return 2;
    }
    if (err instanceof CtkError) {
      log.error(err.message, err.hint ? { hint: err.hint } : {});
      return err.exitCode;
    }
    log.error(`internal error (please report): ${oneLine(err)}`);
    if (process.env.CTK_TRACE) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}
