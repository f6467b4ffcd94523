/**
 * Real containerd (1.6, 1.7, 2.x) and dockerd (20.10, 28) for tests, each in its own temp dir on its own unix
 * sockets; which binaries: engines.ts (facts and the original bash recipe: /work/shared/notes/real-daemons.md).
 * Nothing of the machine's own /etc/docker, /etc/containerd or /run/containerd.sock is read or written; the
 * hard-coded host paths the daemons create anyway are removed afterwards when they were not there before
 * (host-leftovers.ts).
 * Usage: `const ctd = await startContainerd(); after(() => ctd.stop());` — cleanup also runs at exit.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { grpcUnary } from '../../src/host/cri-client';
import { dockerInfo } from '../../src/host/engine-status';
import { type ProcessResult, runProcess } from '../../src/host/proc';
import { DaemonProcess, type ExitRecord, registerTempDir, removeTempDir } from './daemon-process';
import { CONTAINERD_1_6, type ContainerdEngine, DOCKER_20_10, type DockerEngine } from './engines';

export { daemonSkip, findBinary, inCI, requireBinary } from './binaries';
export * from './engines';
export { type FakeSystemctlOptions, fakeSystemctl, type HostRoot, makeHostRoot } from './host-root';

// Unix socket paths are limited to 107 bytes; keep temp dirs short.
function tempDir(dir: string | undefined, prefix: string): { dir: string; owned: boolean } {
  if (dir !== undefined) {
    mkdirSync(dir, { recursive: true });
    return { dir, owned: false };
  }
  const made = mkdtempSync(`/tmp/${prefix}`);
  registerTempDir(made);
  return { dir: made, owned: true };
}

function checkSocketPath(path: string): void {
  if (Buffer.byteLength(path) > 100) throw new Error(`socket path too long for a unix socket: ${path}`);
}

// ------------------------------------------------------------------------------------------ containerd

export interface ContainerdPaths {
  engine: ContainerdEngine;
  dir: string;
  root: string;
  state: string;
  socket: string;
  ttrpc: string;
  opt: string;
  /** containerd 2.x serves NRI; its socket is moved here from /var/run/nri. */
  nriSocket: string;
  configPath: string;
  logPath: string;
}

/** The TOML table path of the CRI runtimes map for the engine's config version. */
export function criRuntimesPath(engine: ContainerdEngine): string {
  return engine.configVersion === 3
    ? `plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes`
    : 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes';
}

/** A runc-v2 runtime table named `name` running `binary`, in the engine's config version. */
export function criRuntimeTable(engine: ContainerdEngine, name: string, binary: string): string {
  const table = `${criRuntimesPath(engine)}.${name}`;
  return [
    `  [${table}]`,
    '    runtime_type = "io.containerd.runc.v2"',
    `    [${table}.options]`,
    `      BinaryName = ${JSON.stringify(binary)}`,
  ].join('\n');
}

const defaults = new Map<string, string>();
/**
 * containerd 2.x's base config: its own `containerd config default` (version 3, the shape nodes run), with every
 * host path it would create moved under the temp dir. Each replaced line must be there, so a default that
 * changes shape fails here instead of letting a test daemon touch /run/containerd or /var/run/nri.
 */
function version3Config(p: ContainerdPaths): string {
  let text = defaults.get(p.engine.bin);
  if (text === undefined) {
    const r = spawnSync(p.engine.bin, ['config', 'default'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${p.engine.bin} config default failed: ${r.stderr}`);
    text = r.stdout;
    defaults.set(p.engine.bin, text);
  }
  const q = (v: string) => `'${v}'`;
  for (const [from, to] of [
    [/^root = '\/var\/lib\/containerd'$/m, `root = ${q(p.root)}`],
    [/^state = '\/run\/containerd'$/m, `state = ${q(p.state)}`],
    [/^ {2}address = '\/run\/containerd\/containerd\.sock'$/m, `  address = ${q(p.socket)}`],
    [/^(\[ttrpc\]\n {2}address = )''$/m, `$1${q(p.ttrpc)}`],
    [/^( {4}path = )'\/opt\/containerd'$/m, `$1${q(p.opt)}`],
    [/^( {4}bin_dir = )'\/opt\/containerd\/image-verifier\/bin'$/m, `$1${q(join(p.opt, 'verifiers'))}`],
    [/^( {4}socket_path = )'\/var\/run\/nri\/nri\.sock'$/m, `$1${q(p.nriSocket)}`],
  ] as const) {
    if (!from.test(text)) throw new Error(`${p.engine.label} config default has no line ${from}`);
    text = text.replace(from, to);
  }
  return text;
}

/**
 * The base config. For 1.6/1.7: version 2, every path under the temp dir, and the CRI plugin with `runc`
 * declared explicitly (a `runtimes` table replaces containerd's default map, and without runc the CRI plugin
 * fails). For 2.x: version 3 from its own defaults (version3Config). `extra` is appended verbatim (more runtime
 * tables from criRuntimeTable, for instance).
 */
export function containerdConfig(p: ContainerdPaths, extra = ''): string {
  if (p.engine.configVersion === 3) return `${version3Config(p)}${extra}\n`;
  const q = JSON.stringify;
  const cri = '[plugins."io.containerd.grpc.v1.cri".containerd';
  return [
    'version = 2',
    `root = ${q(p.root)}`,
    `state = ${q(p.state)}`,
    '[grpc]',
    `  address = ${q(p.socket)}`,
    '[ttrpc]',
    `  address = ${q(p.ttrpc)}`,
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q(p.opt)}`,
    `${cri}]`,
    '  default_runtime_name = "runc"',
    `  ${cri}.runtimes.runc]`,
    '    runtime_type = "io.containerd.runc.v2"',
    extra,
  ].join('\n');
}

export interface ContainerdOptions {
  /** Which containerd (default: Debian 12's 1.6). */
  engine?: ContainerdEngine;
  /** Directory to use (default: a new temp dir, removed by stop()). */
  dir?: string;
  /** The whole config text (default `containerdConfig(paths)`); written once, before the first start. */
  config?: (paths: ContainerdPaths) => string;
  /** Behave like a service manager with Restart=always: start again this many ms after an exit we did not ask for. */
  supervise?: boolean | { restartDelayMs?: number };
  /** Also write the current PID here on every start (e.g. into a fake host root for a fake systemctl). */
  pidFile?: string;
}

export interface ContainerdHandle {
  engine: ContainerdEngine;
  dir: string;
  socket: string;
  configPath: string;
  paths: ContainerdPaths;
  /** The current daemon's PID (changes after restart()). */
  readonly pid: number;
  /** How earlier daemon processes ended (SIGHUP gives exit status 129). */
  readonly exits: readonly ExitRecord[];
  log(): string;
  /** Stop it for good and remove the temp dir it created. */
  stop(): Promise<void>;
  /** SIGTERM, then start again with the same config file (as edited by the test meanwhile). */
  restart(): Promise<void>;
  /** With `supervise`: wait until a new process (not `previousPid`) answers; returns its PID. */
  waitForRestart(previousPid: number, timeoutMs?: number): Promise<number>;
}

/** Ready = containerd's own Version service answers (independent of whether the CRI plugin loaded). */
const containerdAnswers = (socket: string) => () =>
  grpcUnary(socket, '/containerd.services.version.v1.Version/Version', Buffer.alloc(0), 1000).then(
    () => true,
  );

export async function startContainerd(opts: ContainerdOptions = {}): Promise<ContainerdHandle> {
  const { dir, owned } = tempDir(opts.dir, 'ctk-ctd-');
  const engine = opts.engine ?? CONTAINERD_1_6;
  const paths: ContainerdPaths = {
    engine,
    dir,
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    socket: join(dir, 'containerd.sock'),
    ttrpc: join(dir, 'containerd.sock.ttrpc'),
    opt: join(dir, 'opt'),
    nriSocket: join(dir, 'nri.sock'),
    configPath: join(dir, 'config.toml'),
    logPath: join(dir, 'containerd.log'),
  };
  checkSocketPath(paths.ttrpc);
  writeFileSync(paths.configPath, (opts.config ?? containerdConfig)(paths));
  const sup = opts.supervise;
  const daemon = new DaemonProcess({
    name: engine.label,
    cmd: engine.bin,
    args: ['--config', paths.configPath],
    // Its own shim first: containerd looks containerd-shim-runc-v2 up on PATH.
    env: { ...process.env, PATH: `${engine.binDir}:${process.env.PATH ?? ''}` },
    logPath: paths.logPath,
    probe: containerdAnswers(paths.socket),
    superviseDelayMs:
      sup === undefined || sup === false ? undefined : sup === true ? 100 : (sup.restartDelayMs ?? 100),
    pidFile: opts.pidFile,
  });
  try {
    await daemon.start();
  } catch (err) {
    await daemon.stop(2000);
    if (owned) removeTempDir(dir);
    throw err;
  }
  return {
    engine,
    dir,
    socket: paths.socket,
    configPath: paths.configPath,
    paths,
    get pid() {
      return daemon.pid;
    },
    get exits() {
      return daemon.exits;
    },
    log: () => daemon.log(),
    stop: async () => {
      await daemon.stop();
      if (owned) removeTempDir(dir);
    },
    restart: async () => {
      await daemon.stop();
      await daemon.start();
    },
    waitForRestart: (previousPid, timeoutMs) => daemon.waitForRestart(previousPid, timeoutMs),
  };
}

// ------------------------------------------------------------------------------------------ dockerd

export interface DockerPaths {
  dir: string;
  socket: string;
  configPath: string;
  pidFile: string;
  dataRoot: string;
  execRoot: string;
  /** Must be in daemon.json as "deprecated-key-path", or dockerd 20.10 writes the host's /etc/docker/key.json. */
  keyPath: string;
  logPath: string;
}

/** A daemon.json text with the key path kept in the temp dir, plus `extra` keys (e.g. runtimes). */
export function daemonJson(p: DockerPaths, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ 'deprecated-key-path': p.keyPath, ...extra }, null, 2)}\n`;
}

export interface DockerOptions {
  /** Which dockerd (default: Debian 12's 20.10). */
  engine?: DockerEngine;
  dir?: string;
  /** The daemon.json text (default `daemonJson(paths)`); must keep "deprecated-key-path" inside the temp dir. */
  config?: (paths: DockerPaths) => string;
  /** More dockerd flags (e.g. --cdi-spec-dir). */
  args?: readonly string[];
  /** The containerd dockerd uses. Default: a dedicated one started here (stopping dockerd then takes ms, not 1 s). */
  containerd?: ContainerdHandle;
}

export interface DockerHandle {
  engine: DockerEngine;
  dir: string;
  socket: string;
  configPath: string;
  pidFile: string;
  paths: DockerPaths;
  readonly pid: number;
  /** The containerd it runs containers with. */
  containerd: ContainerdHandle;
  log(): string;
  /** Stops dockerd (and the containerd started for it) and removes the temp dir it created. */
  stop(): Promise<void>;
  /** Runs the docker client of the daemon's release against it. */
  docker(args: readonly string[], opts?: { input?: string; timeoutMs?: number }): Promise<ProcessResult>;
}

function guardKeyPath(text: string, p: DockerPaths): void {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return; // a malformed file makes dockerd exit before it writes any key
  }
  const key = (json as Record<string, unknown> | null)?.['deprecated-key-path'];
  if (typeof key !== 'string' || !key.startsWith(`${p.dir}/`)) {
    throw new Error('test daemon.json must set "deprecated-key-path" inside the temp dir (see daemonJson())');
  }
}

export async function startDockerd(opts: DockerOptions = {}): Promise<DockerHandle> {
  const { dir, owned } = tempDir(opts.dir, 'ctk-dkd-');
  const engine = opts.engine ?? DOCKER_20_10;
  const paths: DockerPaths = {
    dir,
    socket: join(dir, 'docker.sock'),
    configPath: join(dir, 'daemon.json'),
    pidFile: join(dir, 'docker.pid'),
    dataRoot: join(dir, 'data'),
    execRoot: join(dir, 'exec'),
    keyPath: join(dir, 'key.json'),
    logPath: join(dir, 'dockerd.log'),
  };
  checkSocketPath(paths.socket);
  const text = (opts.config ?? daemonJson)(paths);
  guardKeyPath(text, paths);
  writeFileSync(paths.configPath, text);
  const ownContainerd = opts.containerd === undefined;
  const containerd =
    opts.containerd ?? (await startContainerd({ engine: engine.containerd, dir: join(dir, 'containerd') }));
  const daemon = new DaemonProcess({
    name: engine.label,
    cmd: engine.dockerd,
    args: [
      ...['--config-file', paths.configPath, '--data-root', paths.dataRoot, '--exec-root', paths.execRoot],
      ...['--pidfile', paths.pidFile, '-H', `unix://${paths.socket}`, '--containerd', containerd.socket],
      ...['--iptables=false', '--ip6tables=false', '--bridge=none', '--storage-driver=vfs'],
      ...(opts.args ?? []),
    ],
    logPath: paths.logPath,
    probe: () => dockerInfo(paths.socket, 1000).then(() => true),
  });
  const stopAll = async () => {
    await daemon.stop();
    if (ownContainerd) await containerd.stop();
    if (owned) removeTempDir(dir);
  };
  try {
    await daemon.start();
  } catch (err) {
    await stopAll();
    throw err;
  }
  const cliEnv = { ...process.env, DOCKER_CONFIG: join(dir, 'cli') }; // never the user's ~/.docker
  return {
    engine,
    dir,
    socket: paths.socket,
    configPath: paths.configPath,
    pidFile: paths.pidFile,
    paths,
    containerd,
    get pid() {
      return daemon.pid;
    },
    log: () => daemon.log(),
    stop: stopAll,
    docker: (args, o = {}) =>
      runProcess(engine.cli, ['-H', `unix://${paths.socket}`, ...args], {
        env: cliEnv,
        input: o.input,
        timeoutMs: o.timeoutMs ?? 60_000,
      }),
  };
}

/**
 * Imports a one-binary image (`/bin/hello` prints "hello", built with `gcc -static`) into the daemon, without a
 * registry. Run it with `docker run --rm --network none --runtime nvidia TAG /bin/hello`.
 */
export async function buildHelloImage(d: DockerHandle, tag = 'hello:1'): Promise<string> {
  const rootfs = join(d.dir, 'hello-rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  const src = join(d.dir, 'hello.c');
  writeFileSync(src, '#include <stdio.h>\nint main(void){puts("hello");return 0;}\n');
  const cc = await runProcess('gcc', ['-static', '-O2', '-o', join(rootfs, 'bin/hello'), src]);
  if (cc.code !== 0) throw new Error(`gcc -static failed: ${cc.stderr.trim()}`);
  return importRootfs(d, rootfs, tag);
}

/** An image whose only file is a static busybox at /bin/busybox (run `/bin/busybox sh -c …`). */
export async function buildBusyboxImage(
  d: DockerHandle,
  busybox: string,
  tag = 'busybox:1',
): Promise<string> {
  const rootfs = join(d.dir, 'busybox-rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync(busybox, join(rootfs, 'bin/busybox'));
  chmodSync(join(rootfs, 'bin/busybox'), 0o755);
  return importRootfs(d, rootfs, tag);
}

/** `tar -C rootfs -c . | docker import - TAG`: an image from a directory, no registry. */
async function importRootfs(d: DockerHandle, rootfs: string, tag: string): Promise<string> {
  const env = { ...process.env, DOCKER_CONFIG: join(d.dir, 'cli') };
  const tar = spawn('tar', ['-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const imp = spawn(d.engine.cli, ['-H', `unix://${d.socket}`, 'import', '-', tag], {
    env,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  tar.stdout.pipe(imp.stdin);
  let err = '';
  imp.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const status = (p: ReturnType<typeof spawn>) =>
    new Promise<number | null>((resolve, reject) => {
      p.once('error', reject);
      p.once('close', (code) => resolve(code));
    });
  const [t, i] = await Promise.all([status(tar), status(imp)]);
  if (t !== 0 || i !== 0) throw new Error(`docker import failed (tar ${t}, import ${i}): ${err.trim()}`);
  return tag;
}
