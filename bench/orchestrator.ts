/**
 * The DaemonSet entrypoint at rest (bench/idle.ts): start to ready, and the memory of the waiting process,
 * beside that of a bare Node waiting on a timer (the floor of any Node daemon).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
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

export async function benchOrchestrator(): Promise<{ name: string; ms: number; note?: string }[]> {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await idleRun(process.execPath, CLI));
  runs.sort((a, b) => a.startMs - b.startMs);
  const idle = runs[1]!;
  const floor = await bareNode();
  return [
    {
      name: 'run (nvidia-toolkit): start to ready, toolkit installed, no engine (median of 3)',
      ms: idle.startMs,
      note: `idle rss ${idle.rssKb} KB, uss ${idle.ussKb} KB (bare node waiting: rss ${floor.rssKb} KB, uss ${floor.ussKb} KB)`,
    },
  ];
}
