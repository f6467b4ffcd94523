/**
 * The single executable. `ctk-installer <command>`; when invoked through a link named like one of the
 * original's binaries (`docker`, `containerd`, `crio`, `toolkit`, `nvidia-toolkit`), it behaves as that CLI, so
 * a container image can link them exactly as the original's image does.
 * Errors carry their own message and exit code (src/errors.ts); only src/run-cli.ts calls process.exit.
 */
import { Command, CommanderError, Option } from 'commander';
import { commandLine, errorLogger, reportFailure } from './cli-args';
import { setExplicitBools } from './commands/context';
import type { CommandModule } from './commands/registry';
import { rewriteBoolArgs } from './options/option-spec';
import { versionText } from './version';

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

/**
 * The modules a command line needs: only the one owning its command when that is known (building every
 * command's options costs milliseconds on each start), all of them for help and unknown commands.
 */
function modulesFor(args: readonly string[], available: readonly CommandModule[]): readonly CommandModule[] {
  const name = args.find((a) => !a.startsWith('-'));
  const owner = available.find((m) => name !== undefined && m.names.includes(name));
  return owner ? [owner] : available;
}

/** The program with its global flags; its own usage errors go to `logError` as one line. */
export function createProgram(name: string, logError: (line: string) => void): Command {
  return new Command(name)
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
      outputError: (s) => logError(s.trim().replace(/^error:\s*/, '')),
    });
}

/** Runs one command line with the command modules `available` (every one, or the engines' only). */
export async function main(argv: readonly string[], available: readonly CommandModule[]): Promise<number> {
  const { name, args } = commandLine(argv);
  if (wantsVersion(argv.slice(2))) {
    process.stdout.write(versionText(name));
    return 0;
  }
  const log = errorLogger(args);
  const program = createProgram(name, (line) => log.error(line));
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
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    return reportFailure(err, args);
  }
}
