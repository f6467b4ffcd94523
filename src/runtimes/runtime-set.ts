/**
 * The three NVIDIA runtimes every engine gets (upstream-behaviour §2.0): the main one (`nvidia` or the
 * configured name), `nvidia-cdi` and `nvidia-legacy`, each pointing at its binary in the toolkit directory.
 * Only the entry whose name equals the requested name can be the default, so `--runtime-name nvidia-cdi`
 * makes `nvidia-cdi` the default and keeps the main entry called `nvidia`.
 */
import { isAbsolute, join } from 'node:path/posix';
import { UsageError } from '../errors';

export interface RuntimeSpec {
  readonly name: string;
  readonly binary: string;
  readonly isDefault: boolean;
}

export const MODE_RUNTIMES = [
  { name: 'nvidia-cdi', binary: 'nvidia-container-runtime.cdi' },
  { name: 'nvidia-legacy', binary: 'nvidia-container-runtime.legacy' },
] as const;

export const DEFAULT_RUNTIME_NAME = 'nvidia';

/** Runtime names end up as TOML/JSON keys, RuntimeClass handlers and paths: keep them to a safe alphabet. */
export function checkRuntimeName(name: string): void {
  if (name === '') throw new UsageError('invalid runtime name "": it must not be empty');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new UsageError(
      `invalid runtime name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-' (no '/', spaces or quotes)`,
    );
  }
}

export function checkRuntimeDir(dir: string): void {
  if (dir === '') throw new UsageError('the runtime directory must be specified');
  if (!isAbsolute(dir))
    throw new UsageError(`invalid runtime directory ${JSON.stringify(dir)}: it must be an absolute path`);
  if (/[\n\r\0"]/.test(dir))
    throw new UsageError(
      `invalid runtime directory ${JSON.stringify(dir)}: it contains a newline, NUL or quote`,
    );
}

export function runtimeSet(opts: { name: string; setAsDefault: boolean; dir: string }): RuntimeSpec[] {
  checkRuntimeName(opts.name);
  checkRuntimeDir(opts.dir);
  const isMode = MODE_RUNTIMES.some((m) => m.name === opts.name);
  const mainName = isMode ? DEFAULT_RUNTIME_NAME : opts.name;
  const all = [{ name: mainName, binary: 'nvidia-container-runtime' }, ...MODE_RUNTIMES];
  return all.map((r) => ({
    name: r.name,
    binary: join(opts.dir, r.binary),
    isDefault: opts.setAsDefault && r.name === opts.name,
  }));
}

/** True for names the tool owns; their tables are never used as a template for the others. */
export function isNvidiaRuntimeName(name: string): boolean {
  return name.startsWith('nvidia');
}
