/**
 * Mutated inputs: byte flips, truncations, insertions of TOML/JSON punctuation, deleted ranges and duplicated
 * lines of valid configs (seeded: CTK_FUZZ_SEED; CTK_MUTATION_RUNS per engine, default 1,000). planSetup must
 * either produce a correct edit (every written file parses, our runtimes are there, cleanup gives the mutated
 * bytes back) or throw ConfigError/UsageError, never anything else. Through the built CLI (a seeded sample of
 * CTK_MUTATION_CLI cases, default 100): exit 0 with a correct file, or exit 1/2 with exactly one error line,
 * no stack trace, and the file and its directory untouched (bytes and mtime).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { emptyLedger, planCleanup, planSetup } from '../../src/engines/plan';
import type { EngineName } from '../../src/engines/types';
import { ConfigError, UsageError } from '../../src/errors';
import { configArb } from './generators';
import { errorLines, pool, runCli, snapshotTree } from './process';
import {
  applyPlan,
  DEFAULT_CONTAINERD,
  type Disk,
  envInt,
  FUZZ_SEED,
  type Layout,
  parseValue,
  request,
  TK,
} from './support';

const RUNS = envInt('CTK_MUTATION_RUNS', 1000);
const CLI_CASES = envInt('CTK_MUTATION_CLI', 100);
const ENGINES = ['containerd', 'crio', 'docker'] as const;
const work = mkdtempSync(join(tmpdir(), 'ctk-mut-'));
after(() => rmSync(work, { recursive: true, force: true }));

const TOKENS = [
  '[',
  ']',
  '[[',
  '"',
  "'",
  "'''",
  '"""',
  '=',
  '{',
  '}',
  ',',
  '#',
  '\\',
  '\n',
  '\r',
  '\r\n',
  '\t',
  '\0',
  ' = 1',
  'x',
  '.',
  '\uFEFF',
  'é',
  '\uD800',
];

type Mutation =
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; token: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicateLine'; at: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), token: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('duplicateLine' as const), at: fc.nat() }),
);

/** The mutated bytes (a Buffer: a flip may make invalid UTF-8, which the CLI must refuse). */
function mutate(text: string, m: Mutation): Buffer {
  const b = Buffer.from(text, 'utf8');
  const at = b.length === 0 ? 0 : m.at % (b.length + 1);
  switch (m.kind) {
    case 'flip':
      if (b.length === 0) return Buffer.from([m.byte]);
      b[at % b.length] = m.byte;
      return b;
    case 'truncate':
      return b.subarray(0, at);
    case 'insert':
      return Buffer.concat([b.subarray(0, at), Buffer.from(m.token, 'utf8'), b.subarray(at)]);
    case 'delete':
      return Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
    case 'duplicateLine': {
      const lines = text.split('\n');
      const i = m.at % lines.length;
      lines.splice(i, 0, lines[i]!);
      return Buffer.from(lines.join('\n'), 'utf8');
    }
  }
}

const MAIN: Record<EngineName, string> = {
  containerd: 'config.toml',
  crio: 'crio.conf',
  docker: 'daemon.json',
};

function layout(engine: EngineName): Layout {
  return { engine, main: `/etc/${engine}/${MAIN[engine]}`, containerd: DEFAULT_CONTAINERD };
}

/** planSetup on the mutated text: a correct edit (and a clean way back) or a ConfigError/UsageError. */
function checkInMemory(engine: EngineName, text: string, outcome: { ok: number; refused: number }): void {
  const l = layout(engine);
  const disk: Disk = new Map([[l.main, text]]);
  const op = { name: 'nvidia', setAsDefault: true, cdi: true };
  let plan: ReturnType<typeof planSetup>;
  try {
    plan = planSetup(request(l, disk, op), emptyLedger());
  } catch (err) {
    assert.ok(
      err instanceof ConfigError || err instanceof UsageError,
      `planSetup threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.stack ?? String(err)}`,
    );
    assert.doesNotMatch((err as Error).message, /\n/, 'the message is one line');
    outcome.refused++;
    return;
  }
  applyPlan(disk, plan);
  const tree = parseValue(engine, disk.get(l.main) ?? '');
  for (const name of ['nvidia', 'nvidia-cdi', 'nvidia-legacy'])
    assert.ok(plan.engine.binaryPath(tree, name)?.startsWith(`${TK}/`), `${name} registered`);
  applyPlan(disk, planCleanup(request(l, disk, op), plan.ledger));
  assert.equal(disk.get(l.main), text, 'cleanup gives back the mutated bytes');
  outcome.ok++;
}

describe(`mutation: damaged configs (seed ${FUZZ_SEED})`, () => {
  for (const engine of ENGINES) {
    test(`${engine}: ${RUNS} mutated configs give a correct edit or a ConfigError/UsageError`, (t) => {
      const outcome = { ok: 0, refused: 0 };
      fc.assert(
        fc.property(configArb(engine), mutationArb, (text, m) => {
          // in memory the text is what the CLI would read once it passed the UTF-8 check
          checkInMemory(engine, mutate(text, m).toString('utf8'), outcome);
        }),
        { seed: FUZZ_SEED, numRuns: RUNS, includeErrorInReport: true },
      );
      t.diagnostic(
        `${engine}: ${outcome.ok} edited correctly, ${outcome.refused} refused with a clean error`,
      );
      assert.ok(outcome.refused > RUNS / 10, 'the mutations do break configs');
    });
  }

  test(`through the CLI: ${CLI_CASES} mutated configs exit 0 with a correct file, or 1/2 with one error line and nothing touched`, async (t) => {
    const samples = fc.sample(fc.tuple(fc.constantFrom(...ENGINES), fc.nat(), mutationArb), {
      seed: FUZZ_SEED,
      numRuns: CLI_CASES,
    });
    const counts = { ok: 0, exit1: 0, exit2: 0 };
    const jobs = samples.map(([engine, pick, m], i) => async () => {
      const base = fc.sample(configArb(engine), { seed: FUZZ_SEED + pick, numRuns: 1 })[0]!;
      const bytes = mutate(base, m);
      const dir = join(work, `cli-${i}`);
      mkdirSync(dir, { recursive: true });
      const config = join(dir, MAIN[engine]);
      writeFileSync(config, bytes);
      const before = snapshotTree(dir);
      const r = await runCli([
        engine,
        'setup',
        '--config',
        config,
        '--restart-mode',
        'none',
        ...(engine === 'crio' ? ['--config-mode', 'config'] : []),
        TK,
      ]);
      const label = `case ${i} (${engine}, ${m.kind}; seed ${FUZZ_SEED})`;
      assert.doesNotMatch(r.stderr, /^\s+at /m, `${label}: no stack trace`);
      if (r.status === 0) {
        counts.ok++;
        parseValue(engine, readFileSync(config, 'utf8'));
        return;
      }
      assert.ok(r.status === 1 || r.status === 2, `${label}: exit ${r.status}: ${r.stderr}`);
      counts[r.status === 1 ? 'exit1' : 'exit2']++;
      assert.equal(errorLines(r.stderr).length, 1, `${label}: exactly one error line: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `${label}: nothing else on stderr: ${r.stderr}`);
      assert.deepEqual(snapshotTree(dir), before, `${label}: the file and its directory are untouched`);
    });
    await pool(jobs, 4);
    t.diagnostic(`CLI: ${counts.ok} exit 0, ${counts.exit1} exit 1, ${counts.exit2} exit 2`);
  });
});
