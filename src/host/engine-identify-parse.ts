/**
 * Pure readers for what /proc and `EXE --version` tell about a running engine: its command line (the config
 * it really runs with), its systemd unit (from its cgroup), its version, and whether a Kubernetes distribution
 * embeds it (k3s, RKE2, k0s and microk8s each lay their containerd out at a path of their own). Every input is
 * a recorded string, so each rule is unit-tested on what real nodes print (test/host/engine-identify-parse).
 */
import type { EngineName } from '../engines/types';

export type Distro = 'k3s' | 'rke2' | 'k0s' | 'microk8s';

export interface EngineVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** As the engine printed it (`1.7.23-k3s2`, `20.10.24+dfsg1`). */
  readonly text: string;
}

/** `/proc/PID/cmdline`: NUL-separated arguments, with a trailing NUL. */
export function parseCmdline(raw: string): string[] {
  const args = raw.split('\0');
  if (args.length > 0 && args[args.length - 1] === '') args.pop();
  return args;
}

/** The flags each engine reads its config file from (containerd `--config`/`-c`, dockerd `--config-file`). */
const CONFIG_FLAGS: Readonly<Record<EngineName, readonly string[]>> = {
  containerd: ['--config', '-c'],
  docker: ['--config-file'],
  crio: ['--config'],
};

/** The engines' compiled-in config paths, used when the command line names none. */
export const BUILT_IN_CONFIG: Readonly<Record<EngineName, string>> = {
  containerd: '/etc/containerd/config.toml',
  docker: '/etc/docker/daemon.json',
  crio: '/etc/crio/crio.conf',
};

/** The config path an engine's argv names (`--config X`, `--config=X`, `-c X`), or undefined. Last one wins, as in Go's flag parsing. */
export function configFromArgs(engine: EngineName, argv: readonly string[]): string | undefined {
  let found: string | undefined;
  const flags = CONFIG_FLAGS[engine];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    // Go's flag package accepts one or two dashes for every flag.
    const bare = a.replace(/^--?/, '');
    for (const f of flags) {
      const name = f.replace(/^--?/, '');
      if (bare === name && i + 1 < argv.length) found = argv[++i];
      else if (bare.startsWith(`${name}=`)) found = bare.slice(name.length + 1);
    }
  }
  return found;
}

/**
 * The systemd unit from `/proc/PID/cgroup`: the last `*.service` path segment of the v2 line (`0::`) or of the
 * v1 `name=systemd` hierarchy. k3s and RKE2 run containerd inside their own unit (`k3s.service`), microk8s in
 * `snap.microk8s.daemon-containerd.service`. undefined when the process is not in a service (a container, or
 * no systemd at all).
 */
export function systemdUnitFromCgroup(text: string): string | undefined {
  const lines = text.split('\n').filter((l) => l !== '');
  const paths = [
    ...lines.filter((l) => l.startsWith('0::')),
    ...lines.filter((l) => /^\d+:name=systemd:/.test(l)),
  ].map((l) => l.slice(l.indexOf(':', l.indexOf(':') + 1) + 1));
  for (const p of paths) {
    const units = p.split('/').filter((s) => s.endsWith('.service'));
    if (units.length > 0) return units[units.length - 1];
  }
  return undefined;
}

const VERSION = /\bv?(\d+)\.(\d+)(?:\.(\d+))?([-+~][0-9A-Za-z.~+-]*)?/;

/**
 * Parses `EXE --version` output: `containerd github.com/containerd/containerd v1.7.23 <commit>` (k3s prints
 * `…/k3s-io/containerd v1.7.23-k3s2`, Debian `1.6.20~ds1`), `Docker version 20.10.24+dfsg1, build 5d6db84`,
 * `crio version 1.28.1` or cri-o's table (`Version:  1.30.0`).
 */
export function parseVersionOutput(text: string): { engine: EngineName; version: EngineVersion } | undefined {
  const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
  let engine: EngineName | undefined;
  let source = first;
  if (/^containerd\s/.test(first)) {
    engine = 'containerd';
    // the module path (github.com/containerd/containerd, maybe /v2) may hold digits: take what follows it
    source = first.split(/\s+/).slice(2).join(' ');
  } else if (/^Docker version\s/.test(first)) engine = 'docker';
  else if (/^crio version\s/i.test(first)) engine = 'crio';
  else {
    const line = text.split('\n').find((l) => /^Version:\s/.test(l));
    if (line && /cri-?o/i.test(text)) {
      engine = 'crio';
      source = line;
    }
  }
  if (!engine) return undefined;
  const m = VERSION.exec(source);
  if (!m) return undefined;
  const text0 = `${m[1]}.${m[2]}${m[3] !== undefined ? `.${m[3]}` : ''}${m[4] ?? ''}`;
  return {
    engine,
    version: { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), text: text0 },
  };
}

/** Where each distribution keeps the engine it embeds, as path segments of the executable. */
const DISTRO_PATHS: readonly [Distro, RegExp][] = [
  ['k3s', /\/var\/lib\/rancher\/k3s\/data\//],
  ['rke2', /\/var\/lib\/rancher\/rke2\/(data|bin)\//],
  ['k0s', /\/var\/lib\/k0s\/bin\//],
  ['microk8s', /\/snap\/microk8s\//],
];

/** Parent process names the distributions give themselves (k3s renames itself `k3s-server`/`k3s-agent`). */
const DISTRO_PARENTS: readonly [Distro, RegExp][] = [
  ['k3s', /^k3s(-server|-agent)?$/],
  ['rke2', /^rke2$/],
  ['k0s', /^k0s$/],
];

/**
 * Which distribution embeds the engine: from its executable path, else its parent's executable or name, else
 * its systemd unit (microk8s runs containerd as `snap.microk8s.daemon-containerd`). undefined: standalone.
 */
export function distroOf(facts: {
  exe: string;
  parentExe?: string;
  parentName?: string;
  unit?: string;
}): Distro | undefined {
  for (const [d, re] of DISTRO_PATHS) if (re.test(facts.exe)) return d;
  for (const [d, re] of DISTRO_PATHS) if (facts.parentExe && re.test(facts.parentExe)) return d;
  for (const [d, re] of DISTRO_PARENTS) if (facts.parentName && re.test(facts.parentName)) return d;
  if (facts.unit?.startsWith('snap.microk8s.')) return 'microk8s';
  if (facts.unit && /^(k3s|k3s-agent)\.service$/.test(facts.unit)) return 'k3s';
  if (facts.unit && /^rke2-(server|agent)\.service$/.test(facts.unit)) return 'rke2';
  if (facts.unit && /^k0s(worker|controller)\.service$/.test(facts.unit)) return 'k0s';
  return undefined;
}

/** The engine an executable is, by its file name or argv[0] (k3s runs containerd as a link to its multi-call binary). */
export function engineFromExe(exe: string, argv0: string): EngineName | undefined {
  for (const name of [argv0.split('/').pop() ?? '', exe.split('/').pop() ?? '']) {
    if (name === 'containerd') return 'containerd';
    if (name === 'dockerd') return 'docker';
    if (name === 'crio') return 'crio';
  }
  return undefined;
}
