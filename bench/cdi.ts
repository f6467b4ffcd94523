/**
 * CDI generation time for the largest common node: 8 GPUs, each split into 7 MIG instances (56 MIG devices),
 * libraries found through an ld.so.cache. Target: ≤ 150 ms end to end.
 *
 * - process: a fresh `node` running an esbuild bundle of the generator (as the shipped CLI is bundled) that
 *   discovers, builds, validates, renders YAML and writes the file atomically; includes node's own startup.
 * - in process: the same work again once modules are loaded.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { generateSpec } from '../src/cdi/generate';
import { writeSpec } from '../src/cdi/write-spec';
import { buildFixture, gpuList } from '../test/cdi/fixture-tree';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const ENTRY = `
import { generateSpec } from './src/cdi/generate';
import { writeSpec } from './src/cdi/write-spec';
import { nodeHostFs } from './src/host/host-fs';
const [driverRoot, procRoot, output] = process.argv.slice(2);
const spec = generateSpec({ driverRoot, procRoot, hostDriverRoot: '/run/nvidia/driver' }, nodeHostFs());
writeSpec(output, spec, 'yaml');
`;

export async function benchCdi(): Promise<{ name: string; ms: number }[]> {
  const mig = (i: number) =>
    Array.from({ length: 7 }, (_, g) => ({
      gi: g + 1,
      giMinor: 10 + i * 100 + g * 2,
      cis: [{ ci: 0, minor: 11 + i * 100 + g * 2 }],
    }));
  const f = await buildFixture({ gpus: gpuList(8, mig), ldCache: 'new', persistencedSocket: true });
  const out = mkdtempSync(join(tmpdir(), 'ctk-bench-cdi-'));
  const rows: { name: string; ms: number }[] = [];
  try {
    if (f.realNodes) {
      const bundle = join(out, 'cdi-generate.cjs');
      await build({
        stdin: { contents: ENTRY, resolveDir: resolve(__dirname, '..'), loader: 'ts' },
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        minify: true,
        mainFields: ['module', 'main'],
        outfile: bundle,
        logLevel: 'warning',
      });
      const runs: number[] = [];
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        const r = spawnSync(process.execPath, [bundle, f.driverRoot, f.procRoot, join(out, 'nvidia.yaml')], {
          encoding: 'utf8',
        });
        runs.push(performance.now() - t0);
        if (r.status !== 0) throw new Error(`bundled generator failed: ${r.stderr}`);
      }
      const starts: number[] = [];
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        spawnSync(process.execPath, ['-e', '0']);
        starts.push(performance.now() - t0);
      }
      const nodeStart = median(starts);
      rows.push({
        name: 'cdi generate 8 GPU x 7 MIG: new node process, end to end (median of 7)',
        ms: median(runs),
      });
      rows.push({ name: '  of which node startup (node -e 0, median of 7)', ms: nodeStart });
    }
    const warm: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const spec = generateSpec(
        { driverRoot: f.driverRoot, procRoot: f.procRoot, hostDriverRoot: '/run/nvidia/driver' },
        f.fs,
      );
      writeSpec(join(out, 'nvidia.yaml'), spec, 'yaml');
      warm.push(performance.now() - t0);
    }
    rows.push({
      name: 'cdi generate 8 GPU x 7 MIG: in process, modules loaded (median of 20)',
      ms: median(warm),
    });
    return rows;
  } finally {
    rmSync(out, { recursive: true, force: true });
    await f.cleanup();
  }
}

if (require.main === module) {
  benchCdi().then(
    (rows) => {
      for (const r of rows) process.stdout.write(`${r.name}: ${r.ms.toFixed(1)} ms\n`);
    },
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
