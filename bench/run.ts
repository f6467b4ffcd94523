/**
 * `npm run bench`: every benchmark, measured in one run on this machine, printed as a table with ratios against
 * a bare `node -e 0` started the same way. Numbers are medians. Nothing here asserts a target: BENCHMARKS.md
 * records the figures with the machine and date. The whole table is printed twice: on the Node that runs the
 * bench, then on Node 24 LTS (what the image ships; scripts/node24.sh fetches it once into a cache), by
 * running this file again under it.
 *
 * NODE_EXTRA_CA_CERTS is removed for every process measured (and the floor): where it is set, Node parses a CA
 * bundle on every start (~40 ms on Node 20), which no production node pays.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyLedger, planSetup } from '../src/engines/plan';
import { runtimeSet } from '../src/runtimes/runtime-set';
import { containerdConfigWith } from './gen';

delete process.env.NODE_EXTRA_CA_CERTS;
const CLI = join(__dirname, '..', 'dist', 'ctk-installer.cjs');
const rows: { name: string; ms: number; note?: string }[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timeSpawn(args: string[], runs: number, before?: () => void): { ms: number; rssKb: number } {
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    before?.();
    const t = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.error)
      throw new Error(`cannot run /usr/bin/time (install the Debian package "time"): ${r.error.message}`);
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
    rss = Math.max(rss, Number(r.stderr.trim().split('\n').pop()));
  }
  return { ms: median(times), rssKb: rss };
}

/** `args` and `node -e 0` in turns, so that both see the same load; medians of each and their ratio. */
function paired(
  args: string[],
  runs: number,
  before: () => void,
): { ms: number; floorMs: number; rssKb: number } {
  const times: number[] = [];
  const floors: number[] = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    floors.push(timeSpawn(['-e', '0'], 1).ms);
    const r = timeSpawn(args, 1, before);
    times.push(r.ms);
    rss = Math.max(rss, r.rssKb);
  }
  return { ms: median(times), floorMs: median(floors), rssKb: rss };
}

function inProcess(text: string, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    planSetup(
      {
        engine: 'containerd',
        owner: 'nvidia',
        runtimes: runtimeSet({ name: 'nvidia', setAsDefault: true, dir: '/usr/local/nvidia/toolkit' }),
        enableCdi: false,
        containerd: { runtimeType: 'io.containerd.runc.v2', annotationPrefixes: [], useLegacyConfig: false },
        main: { path: '/etc/containerd/config.toml', text },
      },
      emptyLedger(),
    );
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(times);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ctk-bench-'));
  try {
    const floor = timeSpawn(['-e', '0'], 15);
    rows.push({ name: 'node -e 0 (floor)', ms: floor.ms, note: `rss ${floor.rssKb} KB` });

    const small = containerdConfigWith(6);
    const large = containerdConfigWith(3100);
    const s = inProcess(small, 15);
    const l = inProcess(large, 5);
    rows.push({ name: `in-process load+add 3+render, ${(small.length / 1024).toFixed(1)} KB`, ms: s });
    rows.push({
      name: `in-process load+add 3+render, ${(large.length / 1048576).toFixed(2)} MB`,
      ms: l,
      note: `ratio 1MB/2KB ${(l / s).toFixed(1)}`,
    });

    const cfg = join(dir, 'config.toml');
    let previous: { n: number; ms: number } | undefined;
    for (const n of [10, 100, 1000, 3100, 10000]) {
      const text = containerdConfigWith(n);
      const setup = paired(
        [CLI, 'containerd', 'setup', '--restart-mode', 'none', '--config', cfg, '/usr/local/nvidia/toolkit'],
        n >= 3000 ? 9 : 11,
        () => {
          rmSync(join(dir, '.ctk-installer'), { recursive: true, force: true });
          writeFileSync(cfg, text);
        },
      );
      rows.push({
        name: `containerd setup --restart-mode none, ${n} runtime tables (${(text.length / 1024).toFixed(0)} KB)`,
        ms: setup.ms,
        note: `x${(setup.ms / setup.floorMs).toFixed(2)} of paired floor, rss ${setup.rssKb} KB${previous ? `, x${(setup.ms / previous.ms).toFixed(2)} for ${(n / previous.n).toFixed(1)}x the tables` : ''}${n === 3100 ? ' (~1 MB; issue 11 target <= 3.6, where the Go original stands)' : ''}`,
      });
      previous = { n, ms: setup.ms };
    }
    const smallSetup = paired(
      [CLI, 'containerd', 'setup', '--restart-mode', 'none', '--config', cfg, '/usr/local/nvidia/toolkit'],
      21,
      () => {
        rmSync(join(dir, '.ctk-installer'), { recursive: true, force: true });
        cpSync(join(__dirname, '..', 'test', 'fixtures', 'containerd', 'comments-everywhere.toml'), cfg);
      },
    );
    rows.push({
      name: 'containerd setup --restart-mode none, 1.5 KB fixture',
      ms: smallSetup.ms,
      note: `x${(smallSetup.ms / smallSetup.floorMs).toFixed(2)} of paired floor (issue 11 target <= 1.4), rss ${smallSetup.rssKb} KB`,
    });
    const help = timeSpawn([CLI, '--help'], 15);
    rows.push({
      name: 'ctk-installer --help',
      ms: help.ms,
      note: `x${(help.ms / floor.ms).toFixed(2)} of floor`,
    });

    for (const mod of ['./docker', './cdi', './toolkit', './orchestrator']) {
      try {
        const m = await import(mod);
        const fn = Object.entries(m).find(
          ([k, v]) => k.startsWith('bench') && typeof v === 'function',
        )?.[1] as (() => Promise<{ name: string; ms: number; note?: string }[]>) | undefined;
        if (fn)
          for (const r of await fn())
            rows.push({ ...r, note: r.note ?? `x${(r.ms / floor.ms).toFixed(2)} of floor` });
      } catch (err) {
        rows.push({
          name: `${mod} (not measured)`,
          ms: Number.NaN,
          note: (err as Error).message.split('\n')[0],
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(
    `# ctk-installer bench — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} x ${cpu}`,
  );
  console.log('| benchmark | median ms | notes |\n|---|---:|---|');
  for (const r of rows)
    console.log(`| ${r.name} | ${Number.isNaN(r.ms) ? '-' : r.ms.toFixed(1)} | ${r.note ?? ''} |`);
  if (!process.version.startsWith('v24.')) onNode24();
}

/** The same bench under Node 24 (its table follows this one). */
function onNode24(): void {
  const found = spawnSync('bash', [join(__dirname, '..', 'scripts', 'node24.sh')], { encoding: 'utf8' });
  if (found.status !== 0) {
    console.log(
      `\n# Node 24 not measured: scripts/node24.sh failed: ${found.stderr.trim().split('\n').pop()}`,
    );
    return;
  }
  console.log('');
  spawnSync(found.stdout.trim(), ['--import', 'tsx', __filename], { stdio: 'inherit' });
}

void main();
