/**
 * Random setup/cleanup sequences through planSetup/planCleanup, in memory, for every engine over the fixtures
 * and generated configs. Seeded: CTK_FUZZ_SEED (default in support.ts) and CTK_FUZZ_RUNS (2,000 per engine).
 * Invariants after every step: every written file parses; the main file's value outside what we own is
 * unchanged and no foreign line disappeared; every comment survives; our runtimes are there (and the default
 * when asked); an identical setup right after plans no writes. At the end, cleaning up every owner gives back
 * the original bytes (plus the unrelated edits made meanwhile). Every 50th containerd case is also checked by
 * the real `containerd config dump`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { isTable } from '../../src/edit/value';
import { emptyLedger, type Ledger, planCleanup, planSetup } from '../../src/engines/plan';
import type { EngineName } from '../../src/engines/types';
import { requireBinary } from '../helpers/daemons';
import { configArb } from './generators';
import {
  applyPlan,
  commentsOf,
  DEFAULT_CONTAINERD,
  type Disk,
  FUZZ_RUNS,
  FUZZ_SEED,
  type Layout,
  type OpOptions,
  parseValue,
  request,
  runtimeNamesOf,
  sameValue,
  stripOurs,
  strippedText,
  TK,
} from './support';

const work = mkdtempSync(join(tmpdir(), 'ctk-fuzz-'));
after(() => rmSync(work, { recursive: true, force: true }));
const hasContainerd = requireBinary('containerd');
const DUMP_EVERY = 50;

type Step = ({ kind: 'setup' } & OpOptions) | { kind: 'cleanup'; pick: number } | { kind: 'foreign' };

/** `nvidia-cdi` as a name makes owner `nvidia` with nvidia-cdi as its default: several owners per file. */
const NAMES = ['nvidia', 'gpu-a', 'nvidia-cdi', 'rt.b_2'];
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('setup' as const),
      name: fc.constantFrom(...NAMES),
      setAsDefault: fc.boolean(),
      cdi: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cleanup' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'foreign' as const }) },
);

const caseArb = (engine: EngineName) =>
  fc.record({
    original: configArb(engine),
    dropIn: engine === 'docker' ? fc.constant(false) : fc.boolean(),
    legacy: engine === 'containerd' ? fc.constantFrom(false, false, false, true) : fc.constant(false),
    prefixes: fc.constantFrom<string[]>([], ['cdi.k8s.io/'], ['cdi.k8s.io/', 'nvidia.cdi.k8s.io/']),
    steps: fc.array(step, { minLength: 1, maxLength: 5 }),
    order: fc.nat(),
  });

function layoutFor(engine: EngineName, dropIn: boolean, legacy: boolean, prefixes: string[]): Layout {
  const dir = join(work, engine);
  return {
    engine,
    main: join(dir, engine === 'docker' ? 'daemon.json' : 'config.toml'),
    ...(dropIn ? { dropIn: join(dir, 'conf.d', '99-nvidia.toml') } : {}),
    containerd: { ...DEFAULT_CONTAINERD, useLegacyConfig: legacy, annotationPrefixes: prefixes },
  };
}

/** The foreign edit: a line someone else adds on top (TOML comment; for JSON, leading whitespace). */
function foreignPrefix(engine: EngineName, n: number, eol: string): string {
  return engine === 'docker' ? eol : `# foreign edit ${n}${eol}`;
}

let cases = 0;
let steps = 0;

function checkStep(
  layout: Layout,
  before: Disk,
  disk: Disk,
  names: string[],
  engineOf: () => ReturnType<typeof planSetup>['engine'],
  action: 'setup' | 'cleanup',
): void {
  const format = layout.engine === 'docker' ? 'json' : 'toml';
  const b = before.get(layout.main) ?? '';
  const a = disk.get(layout.main) ?? '';
  for (const text of disk.values()) if (text !== null) parseValue(layout.engine, text);
  const engine = engineOf();
  const sb = stripOurs(engine, parseValue(layout.engine, b), names);
  const sa = stripOurs(engine, parseValue(layout.engine, a), names);
  assert.ok(sameValue(sb, sa), 'the value outside our keys is unchanged');
  assert.equal(
    strippedText(engine, a, layout.main, names),
    strippedText(engine, b, layout.main, names),
    `${action}: every byte outside our keys is unchanged`,
  );
  if (format === 'toml') {
    const lost = commentsOf(b).filter((c) => !a.includes(c));
    assert.deepEqual(lost, [], 'every comment kept');
  }
}

function runtimeFile(layout: Layout, disk: Disk): string {
  const d = layout.dropIn ? disk.get(layout.dropIn) : null;
  return d ?? disk.get(layout.main) ?? '';
}

/** `containerd config dump` of `main` as written to disk (with the drop-in beside it); null when accepted. */
function dumpError(main: string, files: Disk): string | null {
  for (const [path, text] of files) {
    if (text === null) rmSync(path, { force: true });
    else {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, text);
    }
  }
  const r = spawnSync('containerd', ['--config', main, 'config', 'dump'], { encoding: 'utf8' });
  return r.status === 0 ? null : r.stderr;
}

const dumps = { checked: 0, originalRejected: 0 };

/** The edited files must load wherever the original does (containerd 1.6 rejects some valid TOML). */
function checkDump(layout: Layout, original: string, disk: Disk): void {
  const before: Disk = new Map([...disk.keys()].map((k) => [k, k === layout.main ? original : null]));
  // containerd 1.6 (go-toml v1) rejects a local date unless it ends the file: probe with text after it too
  const probe: Disk = new Map(
    [...before].map(([k, v]) => [k, k === layout.main ? `${original}\n# probe\n` : v]),
  );
  if (dumpError(layout.main, before) !== null || dumpError(layout.main, probe) !== null) {
    dumps.originalRejected++;
    return;
  }
  dumps.checked++;
  const err = dumpError(layout.main, disk);
  assert.equal(
    err,
    null,
    `containerd config dump rejected the edited file: ${err}\n--- main:\n${disk.get(layout.main)}`,
  );
}

type Case = ReturnType<typeof caseArb> extends fc.Arbitrary<infer T> ? T : never;

function runCase(engine: EngineName, c: Case): void {
  cases++;
  const layout = layoutFor(engine, c.dropIn, c.legacy, c.prefixes);
  const disk: Disk = new Map([[layout.main, c.original]]);
  if (layout.dropIn) disk.set(layout.dropIn, null);
  const eol = c.original.includes('\r\n') ? '\r\n' : '\n';
  let ledger: Ledger = emptyLedger();
  let prefix = '';
  const active = new Map<string, OpOptions>(); // owner -> last setup options
  const seen = new Set<string>();
  for (const s of c.steps) {
    const before = new Map(disk);
    if (s.kind === 'foreign') {
      const p = foreignPrefix(engine, prefix.length, eol);
      prefix = p + prefix;
      disk.set(layout.main, p + (disk.get(layout.main) ?? ''));
      continue;
    }
    steps++;
    if (s.kind === 'setup') {
      const req = request(layout, disk, s);
      seen.add(s.name).add(req.owner);
      const names = runtimeNamesOf(seen);
      const plan = planSetup(req, ledger);
      applyPlan(disk, plan);
      ledger = plan.ledger;
      active.set(req.owner, s);
      checkStep(layout, before, disk, names, () => plan.engine, 'setup');
      const file = runtimeFile(layout, disk);
      const tree = parseValue(engine, file);
      for (const rt of req.runtimes) {
        assert.equal(plan.engine.binaryPath(tree, rt.name), rt.binary, `runtime ${rt.name} registered`);
        assert.ok(rt.binary.startsWith(`${TK}/`));
      }
      if (s.setAsDefault && !c.legacy)
        assert.equal(plan.engine.defaultRuntime(tree), s.name, 'the default runtime');
      const again = planSetup(request(layout, disk, s), ledger);
      assert.deepEqual(again.writes, [], 'an identical setup right after writes nothing');
      continue;
    }
    const owners = [...active.keys()];
    if (owners.length === 0) continue;
    const owner = owners[s.pick % owners.length]!;
    const plan = planCleanup(request(layout, disk, active.get(owner)!), ledger);
    applyPlan(disk, plan);
    ledger = plan.ledger;
    active.delete(owner);
    checkStep(layout, before, disk, runtimeNamesOf(seen), () => plan.engine, 'cleanup');
  }
  if (engine === 'containerd' && hasContainerd && cases % DUMP_EVERY === 0)
    checkDump(layout, c.original, disk);
  // Clean up every owner still there, in an order picked by the case.
  const rest = [...active.entries()];
  const rotated = rest.length
    ? [...rest.slice(c.order % rest.length), ...rest.slice(0, c.order % rest.length)]
    : [];
  for (const [, opts] of rotated) {
    const plan = planCleanup(request(layout, disk, opts), ledger);
    applyPlan(disk, plan);
    ledger = plan.ledger;
  }
  assert.equal(
    disk.get(layout.main),
    prefix + c.original,
    'cleanup of every owner gives back the original bytes',
  );
  if (layout.dropIn) assert.equal(disk.get(layout.dropIn) ?? null, null, 'the drop-in is gone');
  assert.deepEqual(ledger.files, {}, 'the ledger is empty');
}

describe(`fuzz: random setup/cleanup sequences (seed ${FUZZ_SEED}, ${FUZZ_RUNS} runs per engine)`, () => {
  for (const engine of ['containerd', 'crio', 'docker'] as const) {
    test(`${engine}: every step keeps the rest, and cleanup restores the original`, (t) => {
      const start = { cases, steps, checked: dumps.checked };
      fc.assert(
        fc.property(caseArb(engine), (c) => runCase(engine, c)),
        { seed: FUZZ_SEED, numRuns: FUZZ_RUNS, includeErrorInReport: true },
      );
      const dumped = dumps.checked - start.checked;
      t.diagnostic(
        `${engine}: ${cases - start.cases} sequences, ${steps - start.steps} setup/cleanup steps` +
          (engine === 'containerd' ? `, ${dumped} checked by containerd config dump` : ''),
      );
      if (engine === 'containerd' && hasContainerd)
        assert.ok(dumped >= Math.floor(FUZZ_RUNS / DUMP_EVERY / 2), `only ${dumped} dump checks ran`);
    });
  }
  test('generated inputs are valid for their engine (the generators themselves are checked)', () => {
    for (const engine of ['containerd', 'crio', 'docker'] as const) {
      fc.assert(
        fc.property(configArb(engine), (t) => {
          const v = parseValue(engine, t);
          assert.ok(isTable(v));
        }),
        { seed: FUZZ_SEED, numRuns: 300 },
      );
    }
  });
});
