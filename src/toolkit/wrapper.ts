/**
 * The `/bin/sh` wrappers installed next to each `NAME.real` binary. Unlike the original (which pastes values
 * unquoted), every value is single-quoted, list variables are extended without ever producing an empty entry
 * (`R:` with an empty $LD_LIBRARY_PATH would add the current directory to the library path), and the real binary
 * is `exec`ed so the engine's signals and exit status reach it directly.
 *
 * A runtime wrapper looks like this (keys sorted):
 *
 *   #! /bin/sh
 *   ( IFS=' '; while read -r m r; do [ "$m" = nvidia ] && exit 0; done; exit 1 ) 2>/dev/null <'/proc/modules' || {
 *   	printf '%s\n' 'nvidia driver modules are not yet loaded, invoking runc directly' >&2
 *   	exec 'runc' "$@"
 *   }
 *   export NVIDIA_CTK_CONFIG_FILE_PATH='/usr/local/nvidia/toolkit/.config/nvidia-container-runtime/config.toml'
 *   export PATH='/usr/local/nvidia/toolkit'"${PATH:+:$PATH}"
 *   export XDG_CONFIG_HOME='/usr/local/nvidia/toolkit/.config'
 *   exec '/usr/local/nvidia/toolkit/nvidia-container-runtime.real' "$@"
 *
 * Leading arguments (the hook's `-config PATH`) are quoted the same way and go before the caller's "$@".
 *
 * The module check is plain sh (no cat/grep: the engine may call us with a minimal PATH) and runs in a subshell
 * so its variables never touch the environment passed on. The modules file path is baked in at install time
 * (always /proc/modules in production; tests install with a fixture file).
 */
import { BugError, UsageError } from '../errors';

/** A literal value, or the toolkit dir prepended to a list variable such as PATH. */
export type EnvValue =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'prepend'; readonly value: string; readonly variable: string };

export interface WrapperSpec {
  /** Absolute path of the wrapped binary in the final tree (`<root>/<name>.real`). */
  readonly target: string;
  readonly env: Readonly<Record<string, EnvValue>>;
  /** Arguments passed before the caller's (e.g. `-config PATH`); each is single-quoted. */
  readonly args?: readonly string[];
  /** Runtimes only: fall back to `fallback` while the `nvidia` module is not listed in `modulesPath`. */
  readonly moduleCheck?: { readonly modulesPath: string; readonly fallback: string };
  /** Where the values came from, for error messages (e.g. `--toolkit-root`). */
  readonly origins?: {
    readonly target?: string;
    readonly fallback?: string;
    readonly modulesPath?: string;
    readonly args?: string;
    readonly env?: Readonly<Record<string, string>>;
  };
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Single-quotes a value for /bin/sh (`'` becomes `'\''`). A newline or NUL cannot be carried safely through
 * the wrapper (and is never a sane path), so it is refused, naming where the value came from.
 */
export function shellQuote(value: string, origin: string): string {
  if (value.includes('\n'))
    throw new UsageError(
      `${origin} contains a newline, which cannot be used in a wrapper script: ${JSON.stringify(value)}`,
    );
  if (value.includes('\0'))
    throw new UsageError(
      `${origin} contains a NUL character, which cannot be used in a wrapper script: ${JSON.stringify(value)}`,
    );
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function renderValue(key: string, v: EnvValue, origin: string): string {
  const quoted = shellQuote(v.value, origin);
  if (v.kind === 'literal') return quoted;
  if (!NAME.test(v.variable))
    throw new BugError(`invalid variable name ${JSON.stringify(v.variable)} for ${key}`);
  // `${X:+:$X}` adds ":$X" only when X is set and non-empty.
  return `${quoted}"\${${v.variable}:+:$${v.variable}}"`;
}

export function renderWrapper(spec: WrapperSpec): string {
  const o = spec.origins ?? {};
  const lines = ['#! /bin/sh'];
  if (spec.moduleCheck) {
    const file = shellQuote(spec.moduleCheck.modulesPath, o.modulesPath ?? 'the modules file path');
    const fallback = spec.moduleCheck.fallback;
    const rt = shellQuote(fallback, o.fallback ?? 'the low-level runtime');
    const msg = shellQuote(
      `nvidia driver modules are not yet loaded, invoking ${fallback} directly`,
      o.fallback ?? 'the low-level runtime',
    );
    lines.push(
      `( IFS=' '; while read -r m r; do [ "$m" = nvidia ] && exit 0; done; exit 1 ) 2>/dev/null <${file} || {`,
      `\tprintf '%s\\n' ${msg} >&2`,
      `\texec ${rt} "$@"`,
      '}',
    );
  }
  for (const key of Object.keys(spec.env).sort()) {
    if (!NAME.test(key)) throw new BugError(`invalid environment variable name ${JSON.stringify(key)}`);
    lines.push(`export ${key}=${renderValue(key, spec.env[key]!, o.env?.[key] ?? `the value of ${key}`)}`);
  }
  const argv = [
    shellQuote(spec.target, o.target ?? 'the wrapped executable path'),
    ...(spec.args ?? []).map((a) => shellQuote(a, o.args ?? 'a wrapper argument')),
    '"$@"',
  ];
  lines.push(`exec ${argv.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** The low-level runtime the runtime wrappers fall back to: the first configured one, else crun (cri-o) or runc. */
export function lowLevelRuntime(runtimes: readonly string[], engine?: string): string {
  const first = runtimes.find((r) => r !== '');
  if (first !== undefined) return first;
  return engine === 'crio' ? 'crun' : 'runc';
}
