/**
 * The Kubernetes objects of deploy/kubernetes/, written as typed objects (the kubernetes-models interfaces, so
 * the compiler rejects a misspelt or misplaced field) and rendered to YAML. The YAML files are generated:
 * edit this file, then run `node --import tsx deploy/manifests.ts`; test/deploy checks both are in sync and
 * validates every object against the Kubernetes schemas.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IRuntimeClass } from 'kubernetes-models/node.k8s.io/v1/RuntimeClass';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { stringify } from 'yaml';

export const NAMESPACE = 'ctk-installer';
export const NAME = 'ctk-installer';
export const IMAGE = 'registry.example.com/ctk-installer:0.1.0';
/** Nodes labelled like this (by GPU feature discovery, or by hand) get the installer and the runtime classes. */
export const GPU_NODE_LABEL = { 'nvidia.com/gpu.present': 'true' } as const;
/** Inside the container; the readinessProbe looks for it (the container's own filesystem: fresh per start). */
export const READY_FILE = '/run/ctk-installer/ready';

/**
 * The environment contract (deploy/README.md lists it): containerd through a drop-in file, signal restarts
 * (hostPID), runtimes NOT made the default (pods choose them through the RuntimeClasses), and no cleanup on
 * SIGTERM, so a pod restart, an upgrade or a node shutdown never rewrites /etc or restarts containerd.
 */
export const ENV: readonly IEnvVar[] = [
  { name: 'RUNTIME', value: 'containerd' },
  { name: 'CONTAINERD_CONFIG', value: '/runtime/config-dir/config.toml' },
  { name: 'RUNTIME_DROP_IN_CONFIG', value: '/runtime/config-dir/conf.d/99-nvidia.toml' },
  { name: 'RUNTIME_DROP_IN_CONFIG_HOST_PATH', value: '/etc/containerd/conf.d/99-nvidia.toml' },
  { name: 'CONTAINERD_SOCKET', value: '/runtime/sock-dir/containerd.sock' },
  { name: 'RUNTIME_RESTART_MODE', value: 'signal' },
  { name: 'CONTAINERD_RUNTIME_CLASS', value: 'nvidia' },
  { name: 'CONTAINERD_SET_AS_DEFAULT', value: 'false' },
  { name: 'TOOLKIT_INSTALL_DIR', value: '/usr/local/nvidia' },
  { name: 'TOOLKIT_PID_FILE', value: '/run/nvidia/toolkit/toolkit.pid' },
  { name: 'TOOLKIT_READY_FILE', value: READY_FILE },
  { name: 'HOST_ROOT_MOUNT', value: '/host' },
  { name: 'NVIDIA_DRIVER_ROOT', value: '/' },
  { name: 'DRIVER_ROOT_CTR_PATH', value: '/host' },
  { name: 'CDI_ENABLED', value: 'false' },
  { name: 'NO_CLEANUP_ON_EXIT', value: 'true' },
];

const hostPath = (name: string, path: string, type: 'Directory' | 'DirectoryOrCreate') => ({
  name,
  hostPath: { path, type },
});

export const namespace: INamespace = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: NAMESPACE, labels: { 'app.kubernetes.io/name': NAME } },
};

// The pod never talks to the API server: no RBAC, and no token mounted.
export const serviceAccount: IServiceAccount = {
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name: NAME, namespace: NAMESPACE },
  automountServiceAccountToken: false,
};

const labels = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/component': 'toolkit-installer' };

export const daemonSet: IDaemonSet = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: NAME, namespace: NAMESPACE, labels },
  spec: {
    selector: { matchLabels: labels },
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
    template: {
      metadata: { labels },
      spec: {
        serviceAccountName: NAME,
        automountServiceAccountToken: false,
        // signal mode finds containerd's (or dockerd's) PID through /proc and sends it SIGHUP.
        hostPID: true,
        priorityClassName: 'system-node-critical',
        nodeSelector: { ...GPU_NODE_LABEL },
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
        // Cleanup (when enabled) may restart containerd and wait for it: up to 6 signal attempts 5 s apart,
        // then 30 s of verification. Kubernetes must not SIGKILL it halfway.
        terminationGracePeriodSeconds: 120,
        containers: [
          {
            name: 'installer',
            image: IMAGE,
            imagePullPolicy: 'IfNotPresent',
            command: ['nvidia-toolkit'],
            env: [...ENV],
            securityContext: { privileged: true },
            resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
            readinessProbe: {
              exec: { command: ['test', '-f', READY_FILE] },
              initialDelaySeconds: 2,
              periodSeconds: 5,
              failureThreshold: 1,
            },
            volumeMounts: [
              { name: 'containerd-config', mountPath: '/runtime/config-dir' },
              { name: 'containerd-socket', mountPath: '/runtime/sock-dir' },
              { name: 'run-nvidia', mountPath: '/run/nvidia', mountPropagation: 'HostToContainer' },
              { name: 'toolkit-install-dir', mountPath: '/usr/local/nvidia' },
              { name: 'cdi-specs', mountPath: '/var/run/cdi' },
              { name: 'host-root', mountPath: '/host', readOnly: true, mountPropagation: 'HostToContainer' },
            ],
          },
        ],
        volumes: [
          hostPath('containerd-config', '/etc/containerd', 'DirectoryOrCreate'),
          hostPath('containerd-socket', '/run/containerd', 'Directory'),
          hostPath('run-nvidia', '/run/nvidia', 'DirectoryOrCreate'),
          hostPath('toolkit-install-dir', '/usr/local/nvidia', 'DirectoryOrCreate'),
          hostPath('cdi-specs', '/var/run/cdi', 'DirectoryOrCreate'),
          hostPath('host-root', '/', 'Directory'),
        ],
      },
    },
  },
};

/** One RuntimeClass per runtime the installer registers; the handler is the engine's runtime name. */
export const runtimeClasses: IRuntimeClass[] = ['nvidia', 'nvidia-cdi', 'nvidia-legacy'].map((name) => ({
  apiVersion: 'node.k8s.io/v1',
  kind: 'RuntimeClass',
  metadata: { name, labels: { 'app.kubernetes.io/name': NAME } },
  handler: name,
  scheduling: { nodeSelector: { ...GPU_NODE_LABEL } },
}));

export const FILES: Readonly<Record<string, readonly object[]>> = {
  'ctk-installer.yaml': [namespace, serviceAccount, daemonSet],
  'runtime-classes.yaml': runtimeClasses,
};

const HEADER =
  '# Generated from deploy/manifests.ts (edit that, then: node --import tsx deploy/manifests.ts)\n';

export function render(objects: readonly object[]): string {
  return (
    HEADER +
    objects.map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('')
  );
}

export function writeAll(dir = join(__dirname, 'kubernetes')): void {
  for (const [file, objects] of Object.entries(FILES)) writeFileSync(join(dir, file), render(objects));
}

if (require.main === module) writeAll();
