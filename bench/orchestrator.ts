/**
 * The DaemonSet entrypoint at rest (bench/idle.ts): start to ready, and the memory of the waiting process,
 * beside that of a bare Node waiting on a timer (the floor of any Node daemon).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { idleRun } from './idle';

const CLI = resolve(__dirname, '..', 'dist', 'ctk-installer.cjs');

async function bareNode(): Promise<{ rssKb: number; ussKb: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000));
  const rollup = readFileSync(`/proc/${child.pid}/smaps_rollup`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1]);
  child.kill();
  return { rssKb: kb('Rss'), ussKb: kb('Private_Clean') + kb('Private_Dirty') };
}

/** docker with a daemon.json and no engine to restart: the configured node's waiting process. */
const docker = (reconcile: boolean) => (dir: string) => {
  writeFileSync(join(dir, 'daemon.json'), '{}\n');
  return [
    ...['-r', 'docker', '--config', join(dir, 'daemon.json'), '--restart-mode', 'none'],
    `--reconcile=${reconcile}`,
  ];
};

async function median(engineArgs?: (dir: string) => string[]) {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await idleRun(process.execPath, CLI, [], engineArgs));
  runs.sort((a, b) => a.startMs - b.startMs);
  return runs[1]!;
}

export async function benchOrchestrator(): Promise<{ name: string; ms: number; note?: string }[]> {
  const idle = await median();
  const floor = await bareNode();
  const watching = await median(docker(true));
  const still = await median(docker(false));
  return [
    {
      name: 'run (nvidia-toolkit): start to ready, toolkit installed, no engine (median of 3)',
      ms: idle.startMs,
      note: `idle rss ${idle.rssKb} KB, uss ${idle.ussKb} KB (bare node waiting: rss ${floor.rssKb} KB, uss ${floor.ussKb} KB)`,
    },
    {
      name: 'run -r docker: start to ready, daemon.json configured, reconcile watching (median of 3)',
      ms: watching.startMs,
      note: `idle rss ${watching.rssKb} KB, uss ${watching.ussKb} KB (--reconcile=false: rss ${still.rssKb} KB, uss ${still.ussKb} KB)`,
    },
  ];
}
