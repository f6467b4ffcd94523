/**
 * The flags of `nvidia-ctk runtime configure` (v1.17) that have no twin among our own names, so node admins can
 * paste the commands from NVIDIA's docs. Declared here once; src/commands/configure-compat.ts turns their
 * values into our own options (or reports them as ignored, with the reason).
 */
import type { OptionSpec } from './option-spec';

export const NVIDIA_CTK_SPECS: readonly OptionSpec[] = [
  {
    name: 'executablePath',
    flag: 'executable-path',
    kind: 'string',
    description: 'accepted for nvidia-ctk compatibility; ignored (the config is read from its file)',
    default: '',
  },
  {
    name: 'configSource',
    flag: 'config-source',
    kind: 'string',
    description: 'accepted for nvidia-ctk compatibility: `file` is what this tool does; `command` is ignored',
    default: 'file',
    choices: ['command', 'file'],
  },
  {
    name: 'ociHookPath',
    flag: 'oci-hook-path',
    kind: 'string',
    description:
      'cri-o with --config-mode=oci-hook: the hook file to write (instead of --hooks-dir/--hook-filename)',
    default: '',
  },
  {
    name: 'runtimePath',
    flag: 'nvidia-runtime-path',
    aliases: ['runtime-path'],
    kind: 'string',
    description:
      'the nvidia-container-runtime executable (absolute); its directory is the RUNTIME_DIR of the .cdi and .legacy runtimes',
    default: '',
  },
  {
    name: 'hookPath',
    flag: 'nvidia-runtime-hook-path',
    kind: 'string',
    description: 'cri-o with --config-mode=oci-hook: the nvidia-container-runtime-hook executable (absolute)',
    default: '',
  },
];

/** Our own options that nvidia-ctk spells differently: extra aliases, and `oci-hook` for cri-o's hook mode. */
export const NVIDIA_CTK_ALIASES: Readonly<Record<string, readonly string[]>> = {
  setAsDefault: ['nvidia-set-as-default'],
  enableCdiInRuntime: ['cdi.enabled', 'cdi.enable', 'enable-cdi'],
};
export const OCI_HOOK_MODE = 'oci-hook';
