/**
 * The DaemonSet entrypoint at rest: `run` with the toolkit installed (no engine configured), measured once it
 * has written its readiness file and waits for a signal. Reports the resident set size (VmRSS) of that idle
 * process and the time from start to ready.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fixture } from './toolkit';

const CLI = resolve(__dirname, '..', 'dist', 'ctk-installer.cjs');

export async function benchOrchestrator(): Promise<{ name: string; ms: number; note?: string }[]> {
  const dir = fs.mkdtempSync(join(tmpdir(), 'ctk-bench-run-'));
  try {
    const source = fixture(join(dir, 'src'));
    const ready = join(dir, 'ready');
    const t = performance.now();
    const child = spawn(
      process.execPath,
      [
        CLI,
        'run',
        '--no-runtime-config',
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
    await new Promise((r) => setTimeout(r, 300));
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
    return [
      {
        name: 'run (nvidia-toolkit): start to ready, toolkit installed, no engine',
        ms: startMs,
        note: `idle rss ${rssKb} KB`,
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
