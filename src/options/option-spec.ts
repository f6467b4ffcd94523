/**
 * Every option is declared once as data (flag, aliases, env vars in priority order, default, parser) and
 * resolved by one function, with the original's urfave/cli rules: the command line wins, then the FIRST set
 * environment variable in the listed order, then the default; an empty env value counts as unset; list values
 * from the environment are comma-separated and trimmed; booleans accept Go's ParseBool forms.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors';

export type OptionKind = 'string' | 'bool' | 'list' | 'int';
export type OptionValue = string | boolean | number | readonly string[];

export interface OptionSpec {
  /** Attribute name in the resolved options object, e.g. `runtimeName`. */
  readonly name: string;
  /** Long flag without dashes, e.g. `runtime-name`. */
  readonly flag: string;
  readonly short?: string;
  readonly aliases?: readonly string[];
  readonly kind: OptionKind;
  readonly description: string;
  readonly env?: readonly string[];
  readonly default?: OptionValue;
  readonly choices?: readonly string[];
  readonly hidden?: boolean;
}

export type Source = 'cli' | 'env' | 'default';
export interface Resolved {
  readonly values: Readonly<Record<string, OptionValue | undefined>>;
  /** Where each value came from; `isSet(name)` is urfave's IsSet (cli or env). */
  readonly sources: Readonly<Record<string, Source>>;
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function parseGoBool(raw: string, what: string): boolean {
  if (TRUE.has(raw)) return true;
  if (FALSE.has(raw)) return false;
  throw new UsageError(`invalid boolean value "${raw}" for ${what} (use true/false, 1/0, t/f)`);
}

/**
 * The commander attribute a flag's value is stored under (aliases get their own, merged by resolveOptions).
 * One-to-one: every character but a letter or digit is spelled as its code, so flags that differ only in '.'
 * and '-' (the toolkit's and containerd's annotation-prefix flags) never share an attribute.
 */
export function attr(flag: string): string {
  return `opt_${flag.replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`)}`;
}

/** Adds the options to a commander command. Booleans also accept `--flag=value` (see rewriteBoolArgs). */
export function addOptions(cmd: Command, specs: readonly OptionSpec[]): Command {
  // Loaded here, not at the top: the engine commands resolve their options without commander (src/options/argv.ts).
  const { Option } = require('commander') as typeof import('commander');
  for (const spec of specs) {
    for (const flag of [spec.flag, ...(spec.aliases ?? [])]) {
      const primary = flag === spec.flag;
      const short = primary && spec.short ? `-${spec.short}, ` : '';
      const arg = spec.kind === 'bool' ? '' : spec.kind === 'list' ? ' <values>' : ' <value>';
      const envText = spec.env?.length ? ` [env: ${spec.env.join(', ')}]` : '';
      const def =
        spec.default === undefined || String(spec.default) === ''
          ? ''
          : ` (default: ${String(spec.default)})`;
      const opt = new Option(
        `${short}--${flag}${arg}`,
        primary ? `${spec.description}${def}${envText}` : `alias of --${spec.flag}`,
      );
      opt.attributeName = () => attr(flag);
      // `--no-daemon` is a flag of its own here, not commander's negation of a `--daemon` flag.
      if (spec.kind === 'bool') opt.negate = false;
      if (spec.kind === 'list')
        opt.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), ...splitList(v)]);
      if (spec.hidden || !primary) opt.hideHelp();
      cmd.addOption(opt);
    }
  }
  return cmd;
}

export function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function convert(spec: OptionSpec, raw: string, what: string): OptionValue {
  switch (spec.kind) {
    case 'bool':
      return parseGoBool(raw, what);
    case 'list':
      return splitList(raw);
    case 'int': {
      if (!/^\d+$/.test(raw))
        throw new UsageError(`invalid value "${raw}" for ${what}: expected a non-negative integer`);
      return Number(raw);
    }
    default:
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new UsageError(
          `invalid value "${raw}" for ${what}: expected one of ${spec.choices.join(', ')}`,
        );
      }
      return raw;
  }
}

/**
 * Bool flags written as `--flag=value` are rewritten before commander sees them (commander's boolean flags
 * take no value, and an optional value would swallow a following positional argument). A word that is the
 * VALUE of another option stays as it is: in `-u '--set-as-default=false'` it belongs to `-u`.
 */
export function rewriteBoolArgs(
  argv: readonly string[],
  specs: readonly OptionSpec[],
): { argv: string[]; explicit: Map<string, boolean> } {
  const bools = new Map<string, OptionSpec>();
  const takesValue = new Set<string>();
  for (const s of specs) {
    const flags = [
      ...[s.flag, ...(s.aliases ?? [])].map((f) => `--${f}`),
      ...(s.short ? [`-${s.short}`] : []),
    ];
    for (const f of flags) {
      if (s.kind === 'bool') bools.set(f, s);
      else takesValue.add(f);
    }
  }
  const explicit = new Map<string, boolean>();
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (takesValue.has(arg)) {
      out.push(...argv.slice(i, i + 2));
      i++;
      continue;
    }
    const m = /^(--[^=]+)=(.*)$/.exec(arg);
    const spec = m ? bools.get(m[1]!) : undefined;
    if (m && spec) explicit.set(spec.name, parseGoBool(m[2]!, m[1]!));
    else out.push(arg);
  }
  return { argv: out, explicit };
}

/** What resolveOptions reads of a parsed command line: commander's `opts()`, or src/options/argv.ts's. */
export interface ParsedOptions {
  opts(): Record<string, unknown>;
}

export function resolveOptions(
  cmd: ParsedOptions,
  specs: readonly OptionSpec[],
  env: NodeJS.ProcessEnv,
  explicitBools: ReadonlyMap<string, boolean> = new Map(),
): Resolved {
  const opts = cmd.opts();
  const values: Record<string, OptionValue | undefined> = {};
  const sources: Record<string, Source> = {};
  for (const spec of specs) {
    const fromCli = [spec.flag, ...(spec.aliases ?? [])]
      .map((f) => opts[attr(f)])
      .find((v) => v !== undefined);
    const explicit = explicitBools.get(spec.name);
    if (explicit !== undefined) {
      values[spec.name] = explicit;
      sources[spec.name] = 'cli';
    } else if (fromCli !== undefined) {
      const v = fromCli as OptionValue;
      values[spec.name] =
        spec.kind === 'string' || spec.kind === 'int' ? convert(spec, String(v), `--${spec.flag}`) : v;
      sources[spec.name] = 'cli';
    } else {
      const name = spec.env?.find((e) => env[e] !== undefined && env[e] !== '');
      if (name !== undefined) {
        values[spec.name] = convert(spec, env[name]!, `environment variable ${name}`);
        sources[spec.name] = 'env';
      } else {
        values[spec.name] = spec.default;
        sources[spec.name] = 'default';
      }
    }
  }
  return { values, sources };
}
