/**
 * The orchestrator (`nvidia-toolkit`) as a child process for tests: the real CLI bundle named
 * `nvidia-toolkit.cjs`, and a process handle that collects stderr and waits for log lines and the exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLI } from './cli';

/** What the CLI loader (dist/ctk-installer.cjs) loads from its own directory; the addon is optional. */
export const CLI_PARTS = ['ctk-installer-all.cjs', 'ctk-installer-engines.cjs', 'ctk-native.node'] as const;

/**
 * The built CLI (dist/ctk-installer.cjs, made by `npm test`'s build step) copied into `dir` under `name`, with the
 * bundles it loads beside it, so the persona is picked by file name exactly as through the image's links.
 */
export function buildCliBundle(dir: string, name = 'nvidia-toolkit.cjs'): string {
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, name);
  copyFileSync(CLI, outfile);
  chmodSync(outfile, 0o755);
  for (const part of CLI_PARTS) {
    const from = join(dirname(CLI), part);
    if (existsSync(from)) copyFileSync(from, join(dir, part));
  }
  return outfile;
}

/** Only what the test passes: a developer's RUNTIME=… or DOCKER_CONFIG=… must not leak into a test run. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...extra };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface OrchestratorProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  stderr(): string;
  stdout(): string;
  /** Resolves when stderr matches; rejects on exit or after `timeoutMs` with the output so far. */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<void>;
  readonly exited: Promise<Exit>;
  /** Waits for the exit (bounded); SIGKILLs and rejects on timeout. */
  waitExit(timeoutMs?: number): Promise<Exit>;
  kill(signal: NodeJS.Signals): void;
}

const live = new Set<ChildProcess>();
/** SIGKILLs every orchestrator still running (for afterEach: a failed test must not leave one behind). */
export function killOrchestrators(): void {
  for (const c of live) c.kill('SIGKILL');
}
process.on('exit', killOrchestrators);

export function startOrchestrator(
  bundle: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): OrchestratorProcess {
  const child = spawn(process.execPath, [bundle, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let err = '';
  let out = '';
  const watchers = new Set<() => void>();
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
    for (const w of watchers) w();
  });
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  let done = false;
  const exited = new Promise<Exit>((res) => {
    child.once('close', (code, signal) => {
      live.delete(child);
      done = true;
      res({ code, signal });
      for (const w of watchers) w();
    });
  });
  const handle: OrchestratorProcess = {
    pid: child.pid ?? -1,
    child,
    stderr: () => err,
    stdout: () => out,
    exited,
    waitForLog(re, timeoutMs = 20_000) {
      return new Promise((res, rej) => {
        const timer = setTimeout(
          () => finish(new Error(`no log line matching ${re} within ${timeoutMs} ms:\n${err}`)),
          timeoutMs,
        );
        const check = () => {
          if (re.test(err)) finish();
          else if (done) finish(new Error(`exited before a log line matched ${re}:\n${err}`));
        };
        function finish(e?: Error) {
          clearTimeout(timer);
          watchers.delete(check);
          if (e) rej(e);
          else res();
        }
        watchers.add(check);
        check();
      });
    },
    async waitExit(timeoutMs = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, rej) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          rej(new Error(`orchestrator did not exit within ${timeoutMs} ms:\n${err}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    kill: (signal) => {
      child.kill(signal);
    },
  };
  return handle;
}

/** Runs to completion (for --no-daemon and error cases). */
export async function runOrchestratorOnce(
  bundle: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<Exit & { stderr: string; stdout: string }> {
  const p = startOrchestrator(bundle, args, env);
  const exit = await p.waitExit(timeoutMs);
  return { ...exit, stderr: p.stderr(), stdout: p.stdout() };
}
