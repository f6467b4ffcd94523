/**
 * `-u/--runtime-args` (env RUNTIME_ARGS): extra runtime flags in one string. The original handed it to
 * `sh -c "<runtime> setup <args> <dir>"`; here it is split into words (shell-words.ts, nothing is expanded or
 * run) and parsed against the runtime option specs of the chosen engine, like a second command line.
 * Unknown flags, stray arguments and bad values are usage errors, never silently dropped.
 */
import { Command, CommanderError } from 'commander';
import { UsageError } from '../errors';
import {
  addOptions,
  type OptionSpec,
  type Resolved,
  resolveOptions,
  rewriteBoolArgs,
} from '../options/option-spec';
import { splitShellWords } from './shell-words';

/** The flags found in `text`; `sources[name] === 'cli'` marks the ones it set. */
export function parseRuntimeArgs(text: string, specs: readonly OptionSpec[]): Resolved {
  const words = splitShellWords(text);
  const cmd = new Command('runtime-args')
    .exitOverride()
    .helpOption(false)
    .allowExcessArguments(true)
    .allowUnknownOption(false)
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  addOptions(cmd, specs);
  const { argv, explicit } = rewriteBoolArgs(words, specs);
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      throw new UsageError(
        `invalid --runtime-args ${JSON.stringify(text)}: ${err.message.replace(/^error: /, '')}`,
      );
    }
    throw err;
  }
  if (cmd.args.length > 0) {
    // The original appended the toolkit dir itself (`<runtime> setup <args> <dir>`); only flags belong here.
    throw new UsageError(
      `invalid --runtime-args ${JSON.stringify(text)}: unexpected argument(s) ${JSON.stringify(cmd.args)} (flags only)`,
    );
  }
  // No environment here: only what the string itself says counts.
  return resolveOptions(cmd, specs, {}, explicit);
}

/**
 * The runtime options with the RUNTIME_ARGS flags laid over them: a flag there beats the environment and the
 * defaults. The same flag given directly on the command line as well is ambiguous and refused.
 */
export function overlayRuntimeArgs(base: Resolved, extra: Resolved, specs: readonly OptionSpec[]): Resolved {
  const values = { ...base.values };
  const sources = { ...base.sources };
  for (const spec of specs) {
    if (extra.sources[spec.name] !== 'cli') continue;
    if (base.sources[spec.name] === 'cli') {
      throw new UsageError(
        `--${spec.flag} is given both on the command line and in --runtime-args; give it once`,
      );
    }
    values[spec.name] = extra.values[spec.name];
    sources[spec.name] = 'cli';
  }
  return { values, sources };
}
