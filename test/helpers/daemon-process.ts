/**
 * One long-running test daemon: spawn (argv array, output appended to a log file), wait until it answers,
 * stop it by PID. Optionally supervised like a systemd unit with Restart=always: when it exits on its own
 * (containerd exits on SIGHUP; a fake `systemctl restart` sends SIGTERM), it is started again after a delay.
 * Every daemon is registered for cleanup when the test process exits, even on an uncaught failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { claimHostLeftovers, releaseHostLeftovers } from './host-leftovers';

export interface ExitRecord {
  code: number | null;
  signal: string | null;
}

export interface DaemonSpec {
  name: string;
  cmd: string;
  args: string[];
  /** The environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  logPath: string;
  /** Resolves true once the daemon answers; called repeatedly until it does. */
  probe: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** Restart after an exit we did not ask for (delay in ms); undefined = do not. */
  superviseDelayMs?: number;
  /** Written with the current PID on every start (like a --pidfile). */
  pidFile?: string;
}

const live = new Set<DaemonProcess>();
const tempDirs = new Set<string>();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class DaemonProcess {
  readonly exits: ExitRecord[] = [];
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  private exitWaiters: (() => void)[] = [];
  private lastStartError: unknown;

  constructor(readonly spec: DaemonSpec) {}

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  log(): string {
    return existsSync(this.spec.logPath) ? readFileSync(this.spec.logPath, 'utf8') : '';
  }

  async start(): Promise<void> {
    this.stopping = false;
    claimHostLeftovers();
    live.add(this);
    const fd = openSync(this.spec.logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.spec.cmd, this.spec.args, { stdio: ['ignore', fd, fd], env: this.spec.env });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    // A test that forgets stop() must not hang its process: the exit handler below still kills the daemon.
    child.unref();
    const started = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.on('exit', (code, signal) => this.onExit(child, { code, signal }));
    await started;
    if (this.spec.pidFile) writeFileSync(this.spec.pidFile, `${child.pid}\n`);
    await this.waitReady(child);
  }

  private async waitReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + (this.spec.readyTimeoutMs ?? 15_000);
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `${this.spec.name} exited during start (${describe(this.exits.at(-1))}):\n${this.tail()}`,
        );
      }
      if (await this.spec.probe().catch(() => false)) return;
      if (Date.now() > deadline)
        throw new Error(`${this.spec.name} did not answer within the limit:\n${this.tail()}`);
      await sleep(20);
    }
  }

  private tail(): string {
    return this.log().split('\n').slice(-15).join('\n');
  }

  private onExit(child: ChildProcess, rec: ExitRecord): void {
    if (child !== this.child) return;
    this.exits.push(rec);
    for (const w of this.exitWaiters.splice(0)) w();
    const delay = this.spec.superviseDelayMs;
    // Like Restart=always with a start limit: a daemon that keeps dying is left dead.
    if (this.stopping || delay === undefined || this.restarts >= 20) return;
    this.restarts++;
    setTimeout(() => {
      if (this.stopping) return;
      this.start().catch((err: unknown) => {
        this.lastStartError = err;
      });
    }, delay);
  }

  /** Waits (bounded) until a process other than `previousPid` runs and answers; returns its PID. */
  async waitForRestart(previousPid: number, timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.running && this.pid !== previousPid && (await this.spec.probe().catch(() => false)))
        return this.pid;
      await sleep(20);
    }
    const why = this.lastStartError instanceof Error ? `: ${this.lastStartError.message}` : '';
    throw new Error(`${this.spec.name} was not restarted within ${timeoutMs} ms${why}\n${this.tail()}`);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(graceMs = 10_000): Promise<ExitRecord | undefined> {
    this.stopping = true;
    const child = this.child;
    if (child && this.running) {
      const exited = new Promise<void>((r) => this.exitWaiters.push(r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    live.delete(this);
    if (live.size === 0) releaseHostLeftovers();
    return this.exits.at(-1);
  }
}

function describe(rec: ExitRecord | undefined): string {
  if (!rec) return 'unknown status';
  return rec.signal ? `signal ${rec.signal}` : `exit status ${rec.code}`;
}

/** A temp dir removed at exit (and by the handle that created it). */
export function registerTempDir(dir: string): void {
  tempDirs.add(dir);
}

export function removeTempDir(dir: string): void {
  tempDirs.delete(dir);
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // a mount left by a crashed shim: nothing more we can do here
  }
}

function cleanupAtExit(): void {
  for (const d of live) {
    d.spec.superviseDelayMs = undefined;
    const pid = d.pid;
    if (d.running && pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  live.clear();
  for (const dir of [...tempDirs]) removeTempDir(dir);
  releaseHostLeftovers();
}

process.on('exit', cleanupAtExit);
for (const [sig, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(sig, () => {
    cleanupAtExit();
    process.exit(code);
  });
}
