/**
 * Child processes, always from an argument array: no shell ever sees our arguments, so a unit name or a
 * host-root path can never be interpreted as shell syntax (the original ran `chroot` the same way).
 */
import type { spawn } from 'node:child_process';
import { HostError } from '../errors';

/**
 * node:child_process brings net, dgram and the stream modules with it (~5 ms of every start); most engine
 * commands (`--restart-mode none`, signal restarts) never start a process, so it is loaded on first use.
 */
function childProcess(): typeof import('node:child_process') {
  return require('node:child_process') as typeof import('node:child_process');
}

export interface ProcessOptions {
  /** Kill the process (SIGKILL) after this many milliseconds; the result then has `timedOut: true`. */
  timeoutMs?: number;
  /** The complete environment of the child (default: ours). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the child's stdin, which is then closed. Without it stdin is /dev/null. */
  input?: string | Buffer;
}

export interface ProcessResult {
  /** Exit status, or null when a signal ended the process. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

function startError(cmd: string, err: unknown): HostError {
  const why = err instanceof Error ? err.message : String(err);
  return new HostError(`cannot run ${cmd}: ${why}`, { cause: err });
}

/**
 * Runs `cmd` with `args` and collects its output. Resolves for every exit status (the caller decides what a
 * non-zero status means); rejects with a HostError only when the program cannot be started at all.
 */
export function runProcess(
  cmd: string,
  args: readonly string[],
  opts: ProcessOptions = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = childProcess().spawn(cmd, [...args], {
        env: opts.env,
        cwd: opts.cwd,
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        shell: false,
      });
    } catch (err) {
      reject(startError(cmd, err));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs);
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      reject(startError(cmd, e));
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
    if (opts.input !== undefined && child.stdin) {
      // A child that exits without reading its stdin makes the write fail with EPIPE: that is not our error.
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input);
    }
  });
}

/** Synchronous twin of runProcess, for the few places that cannot await (exit handlers, tiny probes). */
export function runProcessSync(
  cmd: string,
  args: readonly string[],
  opts: ProcessOptions = {},
): ProcessResult {
  const r = childProcess().spawnSync(cmd, [...args], {
    env: opts.env,
    cwd: opts.cwd,
    input: opts.input,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    timeout: opts.timeoutMs,
    killSignal: 'SIGKILL',
    shell: false,
    maxBuffer: 64 * 1024 * 1024,
  });
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
  if (r.error && code !== 'ETIMEDOUT') throw startError(cmd, r.error);
  return {
    code: r.status,
    signal: r.signal,
    stdout: r.stdout?.toString('utf8') ?? '',
    stderr: r.stderr?.toString('utf8') ?? '',
    timedOut: code === 'ETIMEDOUT',
  };
}

/** The last non-empty line(s) of a process's output, for one-line error messages. */
export function outputSummary(r: Pick<ProcessResult, 'stdout' | 'stderr'>, max = 300): string {
  const text = (r.stderr.trim() || r.stdout.trim()).replace(/\s*\n\s*/g, '; ');
  return text.length > max ? `…${text.slice(text.length - max)}` : text;
}
