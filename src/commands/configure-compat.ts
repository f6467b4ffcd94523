/**
 * What the `nvidia-ctk runtime configure` flags (declared in src/options/nvidia-ctk-options.ts) mean here: each
 * becomes one of our own options, or is accepted and reported as ignored, with the reason.
 */
import { basename, dirname, isAbsolute } from 'node:path/posix';
import type { EngineName } from '../engines/types';
import { UsageError } from '../errors';
import type { Logger } from '../log';
import { OCI_HOOK_MODE } from '../options/nvidia-ctk-options';
import type { OptionValue } from '../options/option-spec';

const RUNTIME_BINARY = 'nvidia-container-runtime';
const HOOK_BINARY = 'nvidia-container-runtime-hook';

export interface CompatInput {
  readonly engine: EngineName;
  /** `config` or `hook` (already normalised from `oci-hook`). */
  readonly configMode: string;
  /** Set when --config-mode came from the command line (the original refuses oci-hook for other engines). */
  readonly configModeGiven: string | undefined;
  readonly runtimeDir: string;
  readonly values: Readonly<Record<string, OptionValue | undefined>>;
}

export interface CompatResult {
  /** '' when no nvidia-ctk flag names the runtime directory. */
  readonly runtimeDir: string;
  readonly hooksDir?: string;
  readonly hookFilename?: string;
}

function executable(flag: string, path: string, expected: string): string {
  if (!isAbsolute(path) || /[\n\r\0"]/.test(path))
    throw new UsageError(`invalid --${flag} ${JSON.stringify(path)}: it must be an absolute path`);
  if (basename(path) !== expected)
    throw new UsageError(
      `invalid --${flag} ${JSON.stringify(path)}: the executable must be named ${expected} (its directory is used for the other NVIDIA binaries)`,
    );
  return dirname(path);
}

export function applyNvidiaCtkFlags(i: CompatInput, logger: Logger): CompatResult {
  const v = i.values;
  const str = (k: string) => String(v[k] ?? '');
  if (i.configModeGiven === OCI_HOOK_MODE && i.engine !== 'crio')
    throw new UsageError(`--config-mode=${OCI_HOOK_MODE} is only supported for crio, not ${i.engine}`);
  if (str('executablePath') !== '')
    logger.warn(
      '--executable-path is ignored: ctk-installer reads and edits the config file itself and never runs the engine binary',
      { 'executable-path': str('executablePath') },
    );
  if (str('configSource') === 'command')
    logger.warn(
      '--config-source=command is ignored: ctk-installer edits the file on disk and takes runtime templates from it',
    );
  const hookMode = i.engine === 'crio' && i.configMode === 'hook';
  let runtimeDir = '';
  const runtimePath = str('runtimePath');
  if (runtimePath !== '') {
    const dir = executable('nvidia-runtime-path', runtimePath, RUNTIME_BINARY);
    if (i.runtimeDir !== '' && i.runtimeDir !== dir)
      throw new UsageError(
        `--nvidia-runtime-path ${JSON.stringify(runtimePath)} is not in the runtime directory ${JSON.stringify(i.runtimeDir)}`,
      );
    if (hookMode)
      logger.warn(
        '--nvidia-runtime-path is ignored in OCI hook mode: the hook file names the hook, not the runtime',
      );
    else runtimeDir = dir;
  }
  const hookPath = str('hookPath');
  if (hookPath !== '') {
    const dir = executable('nvidia-runtime-hook-path', hookPath, HOOK_BINARY);
    if (hookMode) runtimeDir = dir;
    else
      logger.warn(
        `--nvidia-runtime-hook-path is ignored: it is only used by cri-o with --config-mode=${OCI_HOOK_MODE}`,
      );
  }
  const ociHookPath = str('ociHookPath');
  if (ociHookPath === '') return { runtimeDir };
  if (!hookMode) {
    logger.warn(`--oci-hook-path is ignored: it is only used by cri-o with --config-mode=${OCI_HOOK_MODE}`);
    return { runtimeDir };
  }
  if (!isAbsolute(ociHookPath) || ociHookPath.endsWith('/'))
    throw new UsageError(
      `invalid --oci-hook-path ${JSON.stringify(ociHookPath)}: it must be an absolute file path`,
    );
  return { runtimeDir, hooksDir: dirname(ociHookPath), hookFilename: basename(ociHookPath) };
}
