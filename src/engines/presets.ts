/**
 * Per-engine defaults as data: the one table that knows each engine's paths, socket, restart mode, service
 * unit and the environment variable names the original's CLIs read (upstream-behaviour §1.1, §1.4).
 */
import type { EngineName } from './types';

export interface EnginePreset {
  readonly config: string;
  /** Default drop-in path for the DaemonSet entrypoint (the standalone CLIs edit in place by default). */
  readonly dropIn: string;
  readonly socket: string;
  readonly restartMode: 'signal' | 'systemd';
  readonly unit: string;
  /** Old per-engine env names, read after the generic RUNTIME_* / NVIDIA_* ones. */
  readonly env: {
    readonly config: string;
    readonly socket: string;
    readonly restartMode: string;
    readonly runtimeName: string;
    readonly setAsDefault: string;
  };
}

export const PRESETS: Readonly<Record<EngineName, EnginePreset>> = {
  docker: {
    config: '/etc/docker/daemon.json',
    dropIn: '',
    socket: '/var/run/docker.sock',
    restartMode: 'signal',
    unit: 'docker',
    env: {
      config: 'DOCKER_CONFIG',
      socket: 'DOCKER_SOCKET',
      restartMode: 'DOCKER_RESTART_MODE',
      runtimeName: 'DOCKER_RUNTIME_NAME',
      setAsDefault: 'DOCKER_SET_AS_DEFAULT',
    },
  },
  containerd: {
    config: '/etc/containerd/config.toml',
    dropIn: '/etc/containerd/conf.d/99-nvidia.toml',
    socket: '/run/containerd/containerd.sock',
    restartMode: 'signal',
    unit: 'containerd',
    env: {
      config: 'CONTAINERD_CONFIG',
      socket: 'CONTAINERD_SOCKET',
      restartMode: 'CONTAINERD_RESTART_MODE',
      runtimeName: 'CONTAINERD_RUNTIME_CLASS',
      setAsDefault: 'CONTAINERD_SET_AS_DEFAULT',
    },
  },
  crio: {
    config: '/etc/crio/crio.conf',
    dropIn: '/etc/crio/crio.conf.d/99-nvidia.toml',
    socket: '/var/run/crio/crio.sock',
    restartMode: 'systemd',
    unit: 'crio',
    env: {
      config: 'CRIO_CONFIG',
      socket: 'CRIO_SOCKET',
      restartMode: 'CRIO_RESTART_MODE',
      runtimeName: 'CRIO_RUNTIME_CLASS',
      setAsDefault: 'CRIO_SET_AS_DEFAULT',
    },
  },
};

export const ENGINE_NAMES: readonly EngineName[] = ['docker', 'containerd', 'crio'];

/**
 * Node presets (`--preset`): where each distribution keeps the engine's files and how it is restarted
 * (field-notes ). Names in `template`/`dropInDir` are relative to the directory of `config`, so a
 * config found on the engine's own command line (engine identification) carries them along; `v3` names are
 * for containerd 2.x, whose distributions render a version 3 config from a template of their own.
 */
export const PRESET_NAMES = [
  'auto',
  'containerd',
  'k3s',
  'rke2',
  'microk8s',
  'k0s',
  'docker',
  'crio',
] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
export type NodePresetName = Exclude<PresetName, 'auto'>;

export interface NodePreset {
  readonly engine: EngineName;
  /** The config the engine runs with (what its `--config` names). */
  readonly config: string;
  readonly socket: string;
  /**
   * What we write: `config` the engine's config itself (a drop-in beside it where the engine version allows),
   * `template` the file the distribution renders the config from, `drop-in` a file in a directory the engine
   * (or the distribution) imports by itself.
   */
  readonly writes: 'config' | 'template' | 'drop-in';
  readonly template?: { readonly v2: string; readonly v3: string };
  readonly dropInDir?: { readonly v2: string; readonly v3: string };
  readonly restartMode: 'signal' | 'systemd' | 'none';
  readonly unit: string;
  /** The engine (or its distribution) picks up a changed drop-in by itself: no restart. */
  readonly reloadsDropIns: boolean;
}

const k3sLike = (root: string, unit: string): NodePreset => ({
  engine: 'containerd',
  config: `${root}/agent/etc/containerd/config.toml`,
  socket: '/run/k3s/containerd/containerd.sock',
  writes: 'drop-in',
  template: { v2: 'config.toml.tmpl', v3: 'config-v3.toml.tmpl' },
  dropInDir: { v2: 'config.toml.d', v3: 'config-v3.toml.d' },
  restartMode: 'systemd',
  unit,
  reloadsDropIns: false,
});

export const NODE_PRESETS: Readonly<Record<NodePresetName, NodePreset>> = {
  containerd: {
    engine: 'containerd',
    config: PRESETS.containerd.config,
    socket: PRESETS.containerd.socket,
    writes: 'config',
    dropInDir: { v2: 'conf.d', v3: 'conf.d' },
    restartMode: 'systemd',
    unit: 'containerd',
    reloadsDropIns: false,
  },
  k3s: k3sLike('/var/lib/rancher/k3s', 'k3s'),
  rke2: k3sLike('/var/lib/rancher/rke2', 'rke2-server'),
  microk8s: {
    engine: 'containerd',
    config: '/var/snap/microk8s/current/args/containerd.toml',
    socket: '/var/snap/microk8s/common/run/containerd.sock',
    writes: 'template',
    template: { v2: 'containerd-template.toml', v3: 'containerd-template.toml' },
    restartMode: 'systemd',
    unit: 'snap.microk8s.daemon-containerd',
    reloadsDropIns: false,
  },
  k0s: {
    engine: 'containerd',
    config: '/etc/k0s/containerd.toml',
    socket: '/run/k0s/containerd.sock',
    writes: 'drop-in',
    dropInDir: { v2: 'containerd.d', v3: 'containerd.d' },
    restartMode: 'none',
    unit: '',
    reloadsDropIns: true,
  },
  docker: {
    engine: 'docker',
    config: PRESETS.docker.config,
    socket: PRESETS.docker.socket,
    writes: 'config',
    restartMode: 'signal',
    unit: PRESETS.docker.unit,
    reloadsDropIns: false,
  },
  crio: {
    engine: 'crio',
    config: PRESETS.crio.config,
    socket: PRESETS.crio.socket,
    writes: 'config',
    dropInDir: { v2: 'crio.conf.d', v3: 'crio.conf.d' },
    restartMode: 'systemd',
    unit: PRESETS.crio.unit,
    reloadsDropIns: false,
  },
};

/** The presets `auto` tries for an engine, in this order (their sockets are probed; see src/ops/node-profile.ts). */
export function presetsFor(engine: EngineName): NodePresetName[] {
  return (Object.keys(NODE_PRESETS) as NodePresetName[]).filter((n) => NODE_PRESETS[n].engine === engine);
}
