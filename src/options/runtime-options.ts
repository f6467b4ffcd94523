/**
 * The runtime-configuration options shared by `docker|containerd|crio setup|cleanup`, `runtime configure` and
 * the DaemonSet entrypoint. Flags are the same for every engine; env names and defaults come from
 * PRESETS for the engine at hand (the generic RUNTIME_* / NVIDIA_* names first, as in the original).
 */
import { ENGINE_NAMES, PRESET_NAMES, PRESETS } from '../engines/presets';
import type { EngineName } from '../engines/types';
import { NVIDIA_CTK_ALIASES, NVIDIA_CTK_SPECS, OCI_HOOK_MODE } from './nvidia-ctk-options';
import type { OptionSpec } from './option-spec';

export type RuntimePersona = 'cli' | 'installer';

export function runtimeOptionSpecs(
  engine: EngineName | undefined,
  persona: RuntimePersona = 'cli',
): OptionSpec[] {
  const p = engine ? PRESETS[engine] : undefined;
  const env = (generic: string[], specific?: keyof NonNullable<typeof p>['env']) =>
    p && specific ? [...generic, p.env[specific]] : generic;
  return [
    {
      name: 'config',
      flag: 'config',
      kind: 'string',
      description: 'path to the engine config file',
      env: env(['RUNTIME_CONFIG'], 'config'),
      default: p?.config,
    },
    {
      name: 'socket',
      flag: 'socket',
      kind: 'string',
      description: 'path to the engine socket',
      env: env(['RUNTIME_SOCKET'], 'socket'),
      default: p?.socket,
    },
    {
      name: 'restartMode',
      flag: 'restart-mode',
      kind: 'string',
      description: 'how to make the engine load the change: signal, systemd or none',
      env: env(['RUNTIME_RESTART_MODE'], 'restartMode'),
      default: p?.restartMode,
      choices: ['signal', 'systemd', 'none'],
    },
    {
      name: 'restartUnit',
      flag: 'restart-unit',
      kind: 'string',
      description: 'systemd unit to restart (k3s/rke2 use their own)',
      env: ['RUNTIME_RESTART_UNIT'],
      default: p?.unit,
    },
    {
      name: 'restartAttempts',
      flag: 'restart-attempts',
      kind: 'int',
      description: 'signal attempts before giving up',
      env: ['RUNTIME_RESTART_ATTEMPTS'],
      default: 6,
    },
    {
      name: 'restartInterval',
      flag: 'restart-interval',
      kind: 'int',
      description: 'milliseconds between signal attempts',
      env: ['RUNTIME_RESTART_INTERVAL_MS'],
      default: 5000,
    },
    {
      name: 'verifyTimeout',
      flag: 'verify-timeout',
      kind: 'int',
      description:
        'milliseconds to wait for the engine to show the change after a restart (0: do not verify)',
      env: ['RUNTIME_VERIFY_TIMEOUT_MS'],
      default: 30000,
    },
    {
      name: 'runtimeName',
      flag: 'runtime-name',
      aliases: ['nvidia-runtime-name', 'runtime-class'],
      kind: 'string',
      description: 'name of the main NVIDIA runtime',
      env: env(['NVIDIA_RUNTIME_NAME'], 'runtimeName'),
      default: 'nvidia',
    },
    {
      name: 'runtimeDir',
      flag: 'nvidia-runtime-dir',
      aliases: ['runtime-dir'],
      kind: 'string',
      description:
        'directory holding the nvidia-container-runtime binaries (instead of the RUNTIME_DIR argument)',
      env: ['NVIDIA_RUNTIME_DIR'],
      default: '',
    },
    {
      name: 'setAsDefault',
      flag: 'set-as-default',
      kind: 'bool',
      description: 'make the main NVIDIA runtime the default runtime',
      env: env(['NVIDIA_RUNTIME_SET_AS_DEFAULT'], 'setAsDefault'),
      default: true,
      hidden: true,
    },
    {
      name: 'hostRoot',
      flag: 'host-root',
      kind: 'string',
      description: 'host root for `chroot … systemctl`',
      env: ['HOST_ROOT_MOUNT'],
      default: '/host',
    },
    {
      name: 'dropInConfig',
      flag: 'drop-in-config',
      kind: 'string',
      description:
        'write the runtimes to this drop-in file and only import it from the main config ("" edits in place)',
      env: ['RUNTIME_DROP_IN_CONFIG'],
      default: persona === 'installer' ? p?.dropIn : '',
    },
    {
      name: 'dropInConfigHostPath',
      flag: 'drop-in-config-host-path',
      kind: 'string',
      description: 'the drop-in path as the host sees it (for the imports entry)',
      env: ['RUNTIME_DROP_IN_CONFIG_HOST_PATH'],
      default: '',
    },
    {
      name: 'enableCdiInRuntime',
      flag: 'enable-cdi-in-runtime',
      kind: 'bool',
      description: 'enable CDI in the engine (containerd enable_cdi, docker features.cdi)',
      env: ['RUNTIME_ENABLE_CDI'],
      default: false,
    },
    {
      name: 'useLegacyConfig',
      flag: 'use-legacy-config',
      kind: 'bool',
      description:
        'containerd: write a version 1 config for a new file, and the legacy default_runtime table',
      env: ['CONTAINERD_USE_LEGACY_CONFIG'],
      default: false,
    },
    {
      name: 'runtimeType',
      flag: 'runtime-type',
      kind: 'string',
      description: 'containerd: runtime_type for runtimes with no template',
      env: ['CONTAINERD_RUNTIME_TYPE'],
      default: 'io.containerd.runc.v2',
    },
    {
      name: 'annotationPrefixes',
      flag: 'nvidia-container-runtime-modes.cdi.annotation-prefixes',
      kind: 'list',
      description: 'containerd: CDI annotation prefixes passed to the runtimes',
      env: ['NVIDIA_CONTAINER_RUNTIME_MODES_CDI_ANNOTATION_PREFIXES'],
      default: [],
    },
    {
      name: 'configMode',
      flag: 'config-mode',
      kind: 'string',
      description: 'cri-o: `config` (runtime entries) or `hook` (OCI hook file)',
      env: ['CRIO_CONFIG_MODE'],
      default: persona === 'installer' ? 'config' : 'hook',
      choices: ['hook', 'config'],
    },
    {
      name: 'hooksDir',
      flag: 'hooks-dir',
      kind: 'string',
      description: 'cri-o: OCI hooks directory',
      env: ['CRIO_HOOKS_DIR'],
      default: '/usr/share/containers/oci/hooks.d',
    },
    {
      name: 'hookFilename',
      flag: 'hook-filename',
      kind: 'string',
      description: 'cri-o: OCI hook file name',
      env: ['CRIO_HOOK_FILENAME'],
      default: 'oci-nvidia-hook.json',
    },
    ...nodeOptionSpecs(persona),
  ];
}

/**
 * Knowing the node (src/ops/node-profile.ts): which preset, and what to do when the engine disagrees. The
 * DaemonSet identifies its engine by default; the standalone CLIs keep the original's defaults unless asked.
 */
function nodeOptionSpecs(persona: RuntimePersona): OptionSpec[] {
  const verifyOnly: OptionSpec = {
    name: 'verifyOnly',
    flag: 'verify-only',
    kind: 'bool',
    description:
      'write nothing: check that the running engine already has the NVIDIA runtimes (exit 0) or not (exit 1)',
    env: ['RUNTIME_VERIFY_ONLY'],
    default: false,
  };
  return [
    {
      name: 'preset',
      flag: 'preset',
      kind: 'string',
      description:
        'node layout: auto (identify the engine on its socket), containerd, k3s, rke2, microk8s, k0s, docker or crio; flags given explicitly still win',
      env: ['RUNTIME_PRESET'],
      choices: PRESET_NAMES,
      ...(persona === 'installer' ? { default: 'auto' } : {}),
    },
    ...(persona === 'cli' ? [verifyOnly] : []),
    {
      name: 'ignoreEngineConfigMismatch',
      flag: 'ignore-engine-config-mismatch',
      kind: 'bool',
      description: 'edit --config even when the engine on the socket runs with another config file',
      default: false,
    },
  ];
}

/** Runtime flags that only one engine has; the others refuse them as unknown. */
const ONLY: Readonly<Record<string, EngineName>> = {
  useLegacyConfig: 'containerd',
  runtimeType: 'containerd',
  annotationPrefixes: 'containerd',
  configMode: 'crio',
  hooksDir: 'crio',
  hookFilename: 'crio',
};

/** The runtime flags of one engine (every engine's flags when `engine` is undefined). */
export function specsFor(engine: EngineName | undefined, persona: RuntimePersona): OptionSpec[] {
  return runtimeOptionSpecs(engine, persona).filter(
    (s) => engine === undefined || (ONLY[s.name] ?? engine) === engine,
  );
}

/** `--runtime`: which engine `runtime configure` and `run` configure. */
export const RUNTIME_ENGINE_SPEC: OptionSpec = {
  name: 'runtime',
  flag: 'runtime',
  kind: 'string',
  description: 'the container engine to configure',
  env: ['RUNTIME'],
  default: 'docker',
  choices: ENGINE_NAMES,
};

/** The flags of `runtime configure` besides the runtime flags. */
export const CONFIGURE_SPECS: readonly OptionSpec[] = [
  RUNTIME_ENGINE_SPEC,
  {
    name: 'cleanup',
    flag: 'cleanup',
    kind: 'bool',
    description: 'remove the NVIDIA runtimes instead of adding them',
    default: false,
  },
  {
    name: 'dryRun',
    flag: 'dry-run',
    kind: 'bool',
    description: 'print a unified diff of what would change and change nothing',
    default: false,
  },
  {
    name: 'output',
    flag: 'output',
    kind: 'string',
    description: 'text or json (a machine-readable summary on stdout)',
    default: 'text',
    choices: ['text', 'json'],
  },
  ...NVIDIA_CTK_SPECS,
];

/**
 * `runtime configure` is for node admins, like `nvidia-ctk runtime configure`: it does not make nvidia the
 * default unless asked (field-notes A-25), and cri-o gets runtime entries rather than the legacy OCI hook.
 */
const CONFIGURE_DEFAULTS: Readonly<Record<string, OptionSpec['default']>> = {
  setAsDefault: false,
  configMode: 'config',
  preset: 'auto',
};

/** The runtime flags of `runtime configure` for one engine (all engines' when undefined). */
export function configureSpecsFor(engine: EngineName | undefined): OptionSpec[] {
  return specsFor(engine, 'cli').map((s) => ({
    ...s,
    default: s.name in CONFIGURE_DEFAULTS ? CONFIGURE_DEFAULTS[s.name] : s.default,
    hidden: s.name === 'setAsDefault' ? false : s.hidden,
    aliases: [...(s.aliases ?? []), ...(NVIDIA_CTK_ALIASES[s.name] ?? [])],
    ...(s.name === 'configMode' && s.choices ? { choices: [...s.choices, OCI_HOOK_MODE] } : {}),
  }));
}
