/**
 * The engine matrix of the real-daemon tests: Debian 12's own containerd 1.6 and dockerd 20.10 (/usr/bin,
 * /usr/sbin), and today's containerd 1.7, 2.x and docker 28 unpacked by scripts/fetch-engines.sh into a cache
 * outside the checkout. The cache is found through CTK_CONTAINERD_1_7 / CTK_CONTAINERD_2 / CTK_DOCKERD_28 /
 * CTK_BUSYBOX_STATIC, else through the engines.env that script leaves in $CTK_ENGINE_CACHE (default
 * ~/.cache/ctk-installer/engines). Locally a missing engine skips its describe block with the reason; with
 * CI=true it is a failure, so a CI run cannot pass without having tested every version.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { findBinary, inCI } from './binaries';

export type ContainerdVersion = '1.6' | '1.7' | '2';
export type DockerVersion = '20.10' | '28';

export interface ContainerdEngine {
  label: string;
  version: ContainerdVersion;
  /** The containerd binary; its directory also holds the matching containerd-shim-runc-v2. */
  bin: string;
  binDir: string;
  /** The config version this engine is tested with (2.x reads version 3; 1.6/1.7 version 2). */
  configVersion: 2 | 3;
}

export interface DockerEngine {
  label: string;
  version: DockerVersion;
  dockerd: string;
  /** The docker client of the same release (the machine's /usr/local/bin/docker may be another one). */
  cli: string;
  /** The containerd dockerd is pointed at with --containerd (docker 28 wants >= 1.7). */
  containerd: ContainerdEngine;
}

export interface MatrixEntry<E> {
  label: string;
  engine: E;
  /** Why this engine cannot run here (undefined: it can). Never set with CI=true: that throws instead. */
  skip: string | undefined;
}

const cacheDir = () => process.env.CTK_ENGINE_CACHE ?? join(homedir(), '.cache', 'ctk-installer', 'engines');

let cachedEnv: Record<string, string> | undefined;
/** The variables scripts/fetch-engines.sh printed, from the environment or its engines.env file. */
function fetched(name: string): string | undefined {
  if (process.env[name]) return process.env[name];
  if (cachedEnv === undefined) {
    cachedEnv = {};
    const file = join(cacheDir(), 'engines.env');
    if (existsSync(file)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/^export (\w+)=(\S+)$/gm)) {
        cachedEnv[m[1] as string] = m[2] as string;
      }
    }
  }
  return cachedEnv[name];
}

function fromTree(variable: string, rel: string): string {
  const root = fetched(variable);
  return root ? join(root, rel) : `(${variable} not set: run scripts/fetch-engines.sh)/${rel}`;
}

export const CONTAINERD_1_6: ContainerdEngine = {
  label: 'containerd 1.6',
  version: '1.6',
  bin: '/usr/bin/containerd',
  binDir: '/usr/bin',
  configVersion: 2,
};

function fetchedContainerd(version: '1.7' | '2', variable: string): ContainerdEngine {
  const bin = fromTree(variable, 'usr/bin/containerd');
  return {
    label: `containerd ${version}`,
    version,
    bin,
    binDir: join(bin, '..'),
    configVersion: version === '2' ? 3 : 2,
  };
}

export const CONTAINERD_1_7 = fetchedContainerd('1.7', 'CTK_CONTAINERD_1_7');
export const CONTAINERD_2 = fetchedContainerd('2', 'CTK_CONTAINERD_2');

export const DOCKER_20_10: DockerEngine = {
  label: 'dockerd 20.10',
  version: '20.10',
  dockerd: '/usr/sbin/dockerd',
  cli: '/usr/bin/docker',
  containerd: CONTAINERD_1_6,
};

export const DOCKER_28: DockerEngine = {
  label: 'dockerd 28',
  version: '28',
  dockerd: fromTree('CTK_DOCKERD_28', 'usr/sbin/dockerd'),
  cli: fromTree('CTK_DOCKERD_28', 'usr/bin/docker'),
  containerd: CONTAINERD_1_7,
};

/** busybox-static, a one-file rootfs for `docker import` (fetched with the engines). */
export const busyboxStatic = (): string | undefined => {
  const p = fetched('CTK_BUSYBOX_STATIC');
  return p && existsSync(p) ? p : undefined;
};

function missing(paths: string[], extra: string[]): string | undefined {
  const gone = [...paths.filter((p) => findBinary(p) === undefined), ...extra.filter((n) => !findBinary(n))];
  const reasons = [
    ...(gone.length > 0 ? [`not available: ${gone.join(', ')} (scripts/fetch-engines.sh fetches them)`] : []),
    ...(process.getuid?.() !== 0 ? ['the real daemons need root'] : []),
  ];
  if (reasons.length === 0) return undefined;
  if (inCI()) throw new Error(`real-daemon tests cannot run in CI: ${reasons.join('; ')}`);
  return reasons.join('; ');
}

/**
 * The containerd versions to run a describe block on: `for (const m of containerdMatrix()) describe(m.label,
 * { skip: m.skip }, () => …)`. `also` names other programs the tests need (chroot, flock…).
 */
export function containerdMatrix(...also: string[]): MatrixEntry<ContainerdEngine>[] {
  return [CONTAINERD_1_6, CONTAINERD_1_7, CONTAINERD_2].map((engine) => ({
    label: engine.label,
    engine,
    skip: missing([engine.bin, join(engine.binDir, 'containerd-shim-runc-v2'), 'runc'], also),
  }));
}

/** The dockerd versions, each with its client and the containerd it runs on. */
export function dockerMatrix(...also: string[]): MatrixEntry<DockerEngine>[] {
  return [DOCKER_20_10, DOCKER_28].map((engine) => ({
    label: engine.label,
    engine,
    skip: missing([engine.dockerd, engine.cli, engine.containerd.bin, 'runc'], also),
  }));
}
