/**
 * The engine commands' command line without commander (loading commander costs a start-up ~7 % of a bare Node
 * start, mostly the `node:child_process` it requires). Driven by the same option tables, with the same results
 * as the commander path of src/cli.ts (test/options/argv.test.ts checks both on random command lines).
 *
 * It only takes the plain grammar: `[globals] COMMAND SUBCOMMAND [--flag value | --flag=value | --bool |
 * --bool=goBool | operand]...` with the global `--debug` and `--log-format text|json` anywhere. Anything else
 * (help, `--`, short options, an unknown command or option, a value that starts with '-', a missing value)
 * returns undefined and the caller runs the commander path, which prints the help or the usage error.
 */
import { attr, type OptionSpec, type ParsedOptions, parseGoBool, splitList } from './option-spec';

export interface ArgvCommand {
  /** The command words, e.g. `['containerd', 'setup']`. */
  readonly path: readonly [string, string];
  readonly specs: readonly OptionSpec[];
}

export interface ParsedArgv extends ParsedOptions {
  readonly command: ArgvCommand;
  readonly debug: boolean;
  readonly logFormat: 'text' | 'json';
  /** The positional arguments (commander's `cmd.args`). */
  readonly operands: readonly string[];
  /** Bool flags written `--flag=value` (what src/options/option-spec.ts's rewriteBoolArgs returns). */
  readonly explicitBools: ReadonlyMap<string, boolean>;
}

function findSpec(specs: readonly OptionSpec[], flag: string): OptionSpec | undefined {
  return specs.find((s) => s.flag === flag || s.aliases?.includes(flag));
}

/** Values stored like commander's `opts()`: one attribute per flag and alias (see option-spec.ts attr). */
function store(cli: Record<string, unknown>, spec: OptionSpec, flag: string, value: string): void {
  const key = attr(flag);
  cli[key] =
    spec.kind === 'list' ? [...((cli[key] as string[] | undefined) ?? []), ...splitList(value)] : value;
}

/**
 * Parses `args` (the words after the program, a persona's command word in front) for one of `commands`.
 * Throws the same UsageError as rewriteBoolArgs for a bad `--bool=value`; undefined: use commander.
 */
export function parseArgv(args: readonly string[], commands: readonly ArgvCommand[]): ParsedArgv | undefined {
  const words: string[] = [];
  let command: ArgvCommand | undefined;
  let debug = false;
  let logFormat: 'text' | 'json' = 'text';
  const cli: Record<string, unknown> = {};
  const explicitBools = new Map<string, boolean>();
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) {
      if (command) operands.push(arg);
      else {
        words.push(arg);
        command = commands.find((c) => c.path[0] === words[0] && c.path[1] === words[1]);
        if (!command && (words.length === 2 || !commands.some((c) => c.path[0] === arg))) return undefined;
      }
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') return undefined;
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    if (flag === 'debug') {
      if (inline !== undefined) return undefined;
      debug = true;
      continue;
    }
    if (flag === 'log-format') {
      const value = inline ?? args[++i];
      if (value !== 'text' && value !== 'json') return undefined;
      logFormat = value;
      continue;
    }
    const spec = command && findSpec(command.specs, flag);
    if (!spec) return undefined;
    if (spec.kind === 'bool') {
      if (inline === undefined) cli[attr(flag)] = true;
      else explicitBools.set(spec.name, parseGoBool(inline, `--${flag}`));
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || value.startsWith('-')) return undefined;
    store(cli, spec, flag, value);
  }
  if (!command) return undefined;
  return { command, debug, logFormat, operands, explicitBools, opts: () => cli };
}
