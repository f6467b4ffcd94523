/**
 * The DaemonSet entrypoint at rest: `run` with the toolkit installed (no engine configured), measured once it
 * has written its readiness file and waits for a signal: the time from start to ready, and the memory of the
 * waiting process, as resident set (VmRSS) and as private memory (USS: Private_Clean + Private_Dirty of
 * /proc/PID/smaps_rollup, what the node would get back if the process went away).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from './toolkit';

export interface Idle {
  readonly startMs: number;
  readonly rssKb: number;
  readonly ussKb: number;
}

/**
 * One `run` of `cli` under `node` with `nodeArgs` (V8 flags, as an image's NODE_OPTIONS would give).
 * `engineArgs(dir)`: flags that configure an engine in `dir` instead of --no-runtime-config.
 */
export async function idleRun(
  node: string,
  cli: string,
  nodeArgs: readonly string[] = [],
  engineArgs?: (dir: string) => string[],
): Promise<Idle> {
  const dir = fs.mkdtempSync(join(tmpdir(), 'ctk-bench-run-'));
  try {
    const source = fixture(join(dir, 'src'));
    const ready = join(dir, 'ready');
    const t = performance.now();
    const child = spawn(
      node,
      [
        ...nodeArgs,
        cli,
        'run',
        ...(engineArgs ? engineArgs(dir) : ['--no-runtime-config']),
        '--toolkit-source-root',
        source,
        '--pid-file',
        join(dir, 'run', 'toolkit.pid'),
        '--ready-file',
        ready,
        join(dir, 'root'),
      ],
      { stdio: 'ignore' },
    );
    while (!fs.existsSync(ready)) {
      if (child.exitCode !== null) throw new Error(`run exited early (${child.exitCode})`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const startMs = performance.now() - t;
    await new Promise((r) => setTimeout(r, 1000));
    const kb = (text: string, key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]);
    const rollup = fs.readFileSync(`/proc/${child.pid}/smaps_rollup`, 'utf8');
    const idle = {
      startMs,
      rssKb: kb(rollup, 'Rss'),
      ussKb: kb(rollup, 'Private_Clean') + kb(rollup, 'Private_Dirty'),
    };
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
    return idle;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
