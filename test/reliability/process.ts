/** Child-process helpers for the suites that run the built CLI: async runs, timed SIGKILLs, file snapshots. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, watch } from 'node:fs';
import { join, relative } from 'node:path';
import { CLI, cleanEnv } from '../helpers/cli';

export interface RunResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs the CLI; with `killAfterMs`, SIGKILLs it that many ms after the spawn (if it is still running). */
export function runCli(
  args: readonly string[],
  opts: {
    env?: Record<string, string>;
    killAfterMs?: number;
    /** SIGKILL at the n-th file-system event under `dir` (inotify): lands inside the write sequence. */
    killOnEvent?: { dir: string; n: number };
    timeoutMs?: number;
    cwd?: string;
  } = {},
): Promise<RunResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  return new Promise((resolve, reject) => {
    let seen = 0;
    const watcher = opts.killOnEvent
      ? watch(opts.killOnEvent.dir, { recursive: true }, () => {
          if (++seen === opts.killOnEvent!.n) child.kill('SIGKILL');
        })
      : undefined;
    // Node 20's recursive watch rescans a directory on each event in it and reports ENOENT when the run removed
    // it meanwhile (the state directory, at the end of a cleanup): that only means no kill at that event.
    watcher?.on('error', () => {});
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      env: cleanEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const kill =
      opts.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
    const limit = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(kill);
      clearTimeout(limit);
      watcher?.close();
      resolve({ status, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** Runs `jobs` with at most `width` at a time, results in order. */
export async function pool<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return out;
}

/** Every entry under `dir` (files: mode, mtime and bytes; links: their target; dirs: mode), to compare runs. */
export function snapshotTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const rel = relative(dir, p);
      const st = lstatSync(p, { bigint: true });
      if (st.isSymbolicLink()) out.set(rel, `link -> ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.set(rel, `dir mode=${st.mode.toString(8)}`);
        walk(p);
      } else if (st.isFile()) {
        const sha = createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16);
        out.set(rel, `file mode=${st.mode.toString(8)} mtime=${st.mtimeNs} sha=${sha}`);
      } else out.set(rel, `other mode=${st.mode.toString(8)}`);
    }
  };
  walk(dir);
  return out;
}

/** The error lines on stderr: the logger's `level=error` lines, and commander's own `error: …` usage lines. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /\blevel=error\b/.test(l) || /^error: /.test(l));
}

/** The message of an error line (logrus `msg="…"` unquoted, or commander's line without `error: `). */
export function messageOf(line: string): string {
  const m = /\bmsg="((?:[^"\\]|\\.)*)"/.exec(line);
  if (!m) return line.replace(/^error: /, '');
  return JSON.parse(`"${m[1]}"`) as string;
}
