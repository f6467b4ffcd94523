/**
 * Which engine really answers on a socket (field-notes A-16): the process listening on it (socket-owner.ts),
 * its executable and command line (the config it runs with), its version (`EXE --version`, run through
 * `chroot HOST_ROOT` when the binary lives under the host root), the distribution embedding it (k3s, RKE2, k0s,
 * microk8s) and its systemd unit. Everything read here is parsed by engine-identify-parse.ts.
 */
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { EngineName } from '../engines/types';
import { HostError } from '../errors';
import {
  BUILT_IN_CONFIG,
  configFromArgs,
  type Distro,
  distroOf,
  type EngineVersion,
  engineFromExe,
  parseCmdline,
  parseVersionOutput,
  systemdUnitFromCgroup,
} from './engine-identify-parse';
import { outputSummary, runProcess } from './proc';
import { findSocketOwner } from './socket-owner';

export interface IdentifiedEngine {
  readonly socket: string;
  readonly pid: number;
  readonly engine: EngineName;
  /** The executable as /proc shows it (the engine's own mount namespace). */
  readonly exe: string;
  readonly argv: readonly string[];
  /** The config file the engine runs with: its `--config`, else its built-in default. */
  readonly config: string;
  /** true when the command line names the config (false: the engine's built-in default). */
  readonly configFromCmdline: boolean;
  /** undefined when `--version` could not be run or read; the reason is in versionProblem. */
  readonly version?: EngineVersion;
  readonly versionProblem?: string;
  readonly distro?: Distro;
  /** systemd unit from the cgroup; undefined outside systemd. */
  readonly unit?: string;
}

export interface IdentifyOptions {
  procRoot?: string;
  /** Where the host's root is mounted (the DaemonSet's /host); '' or '/' when we run on the host itself. */
  hostRoot?: string;
  versionTimeoutMs?: number;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function link(file: string): string | undefined {
  try {
    return readlinkSync(file);
  } catch {
    return undefined;
  }
}

/** `EXE --version`, argv only. A multi-call binary (k3s) is run through the link named like argv[0] beside it. */
async function versionOf(
  exe: string,
  argv0: string,
  hostRoot: string,
  timeoutMs: number,
): Promise<{ version?: EngineVersion; problem?: string }> {
  const root = hostRoot === '/' ? '' : hostRoot;
  const underRoot = root !== '' && existsSync(join(root, exe));
  const sibling = join(dirname(exe), basename(argv0));
  const bin =
    basename(argv0) !== basename(exe) && existsSync(join(underRoot ? root : '/', sibling)) ? sibling : exe;
  const [cmd, args] = underRoot ? ['chroot', [root, bin, '--version']] : [bin, ['--version']];
  try {
    const r = await runProcess(cmd, args, { timeoutMs });
    const parsed = parseVersionOutput(r.stdout || r.stderr);
    if (r.code === 0 && parsed) return { version: parsed.version };
    return {
      problem: `${[cmd, ...args].join(' ')} printed no version (${outputSummary(r) || `exit ${r.code}`})`,
    };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

/** Identifies the engine listening on `socket`. HostError (one line) when nobody listens or it is no engine we know. */
export async function identifyEngine(socket: string, opts: IdentifyOptions = {}): Promise<IdentifiedEngine> {
  const procRoot = opts.procRoot ?? '/proc';
  const pid = await findSocketOwner(socket, { procRoot });
  const exe = (link(`${procRoot}/${pid}/exe`) ?? '').replace(/ \(deleted\)$/, '');
  const argv = parseCmdline(read(`${procRoot}/${pid}/cmdline`) ?? '');
  const engine = engineFromExe(exe, argv[0] ?? '');
  if (!engine) {
    throw new HostError(
      `the process listening on ${socket} (PID ${pid}, ${exe || argv[0] || 'unknown executable'}) is not containerd, dockerd or crio`,
    );
  }
  const status = read(`${procRoot}/${pid}/status`) ?? '';
  const ppid = Number(/^PPid:\s*(\d+)/m.exec(status)?.[1] ?? 0);
  const parentName =
    ppid > 0 ? /^Name:\s*(.*)$/m.exec(read(`${procRoot}/${ppid}/status`) ?? '')?.[1]?.trim() : undefined;
  const parentExe = ppid > 0 ? link(`${procRoot}/${ppid}/exe`) : undefined;
  const unit = systemdUnitFromCgroup(read(`${procRoot}/${pid}/cgroup`) ?? '');
  const named = configFromArgs(engine, argv);
  const { version, problem } = await versionOf(
    exe,
    argv[0] ?? exe,
    opts.hostRoot ?? '',
    opts.versionTimeoutMs ?? 5000,
  );
  const distro = distroOf({ exe, parentExe, parentName, unit });
  return {
    socket,
    pid,
    engine,
    exe,
    argv,
    config: named ?? BUILT_IN_CONFIG[engine],
    configFromCmdline: named !== undefined,
    ...(version ? { version } : {}),
    ...(problem ? { versionProblem: problem } : {}),
    ...(distro ? { distro } : {}),
    ...(unit ? { unit } : {}),
  };
}

/** One line for logs and the dry-run header: `containerd 1.7.23 (PID 812, /usr/bin/containerd --config …)`. */
export function describeEngine(id: IdentifiedEngine): string {
  const parts = [
    `${id.engine} ${id.version?.text ?? '(version unknown)'}`,
    `PID ${id.pid}`,
    `exe ${id.exe}`,
    `config ${id.config}${id.configFromCmdline ? '' : ' (built-in default)'}`,
  ];
  if (id.distro) parts.push(`embedded in ${id.distro}`);
  if (id.unit) parts.push(`unit ${id.unit}`);
  return parts.join(', ');
}
