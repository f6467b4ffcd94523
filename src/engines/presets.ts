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
