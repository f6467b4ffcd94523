/**
 * `toolkit install` timings on a fixture artifact tree (7 executables, 2 libraries): in process (first install
 * and reinstall over an existing tree, every file and directory fsynced), and end to end as a fresh process
 * (`toolkit install` through the built CLI, dist/ctk-installer.cjs). Target: ≤ 200 ms end to end.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TOOLKIT_COMMAND_SPECS } from '../src/options/toolkit-options';
import { installToolkit } from '../src/toolkit/install';
import { toolkitOptionsFrom } from '../src/toolkit/options';
import { EXECUTABLES } from '../src/toolkit/plan';

const RUNS = 15;

export function fixture(dir: string): string {
  fs.mkdirSync(join(dir, 'usr/bin'), { recursive: true });
  fs.mkdirSync(join(dir, 'usr/lib64'), { recursive: true });
  // Sizes in the range of the real binaries' order of magnitude would only measure the disk; keep them small
  // but not empty.
  const body = `#!/bin/sh\n${'# padding\n'.repeat(2000)}`;
  for (const { name } of EXECUTABLES) fs.writeFileSync(join(dir, 'usr/bin', name), body, { mode: 0o755 });
  for (const lib of ['libnvidia-container', 'libnvidia-container-go']) {
    fs.writeFileSync(join(dir, 'usr/lib64', `${lib}.so.1.17.8`), Buffer.alloc(256 * 1024, 1));
    fs.symlinkSync(`${lib}.so.1.17.8`, join(dir, 'usr/lib64', `${lib}.so.1`));
  }
  return dir;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function options(root: string, source: string) {
  const values: Record<string, unknown> = {};
  const sources: Record<string, 'cli' | 'default'> = {};
  for (const s of TOOLKIT_COMMAND_SPECS) {
    values[s.name] = s.default;
    sources[s.name] = 'default';
  }
  Object.assign(values, { toolkitRoot: root, toolkitSourceRoot: source });
  return toolkitOptionsFrom({ values, sources } as Parameters<typeof toolkitOptionsFrom>[0]);
}

const CLI = resolve(__dirname, '..', 'dist', 'ctk-installer.cjs');

export async function benchToolkit(): Promise<{ name: string; ms: number }[]> {
  const dir = fs.mkdtempSync(join(tmpdir(), 'ctk-bench-toolkit-'));
  try {
    const source = fixture(join(dir, 'src'));
    const first: number[] = [];
    const again: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const root = join(dir, `r${i}`, 'toolkit');
      let t = performance.now();
      await installToolkit(options(root, source));
      first.push(performance.now() - t);
      t = performance.now();
      await installToolkit(options(root, source));
      again.push(performance.now() - t);
    }

    const e2e: number[] = [];
    const root = join(dir, 'e2e', 'toolkit');
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const r = spawnSync(
        process.execPath,
        [CLI, 'toolkit', 'install', '--toolkit-root', root, '--toolkit-source-root', source],
        {
          encoding: 'utf8',
        },
      );
      e2e.push(performance.now() - t);
      if (r.status !== 0) throw new Error(`toolkit install failed: ${r.stderr}`);
    }
    return [
      { name: 'toolkit install (in process, fresh root)', ms: median(first) },
      { name: 'toolkit install (in process, over an existing tree)', ms: median(again) },
      { name: 'toolkit install (new process, end to end)', ms: median(e2e) },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchToolkit().then(
    (rows) => {
      for (const r of rows) process.stdout.write(`${r.name}: ${r.ms.toFixed(1)} ms\n`);
    },
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
