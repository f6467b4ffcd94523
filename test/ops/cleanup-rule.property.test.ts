/**
 * The cleanup rule as a property (issue 10 item 5): seeded random sequences of setups and cleanups by one to
 * three owners (runtime names), with foreign edits in between, through the real transaction (src/ops) on an
 * in-memory host, for every engine x mode, on the fixtures and generated corpus-like configs. After every
 * cleanup by owner O (with a ledger present, i.e. not a migration from the Go original):
 * - every entry O's setups did not change is unchanged (values compared leaf by leaf);
 * - a file O's setups did not write is byte-identical;
 * (what O's setup made that another owner still needs is handed over to it by O's cleanup, owners.ts, and
 * then counts as that owner's change);
 * - the ledger names only files that still hold records, and none of O's.
 * A sequence without foreign edits whose owners all cleaned up leaves every file byte-identical to the start.
 * CTK_RULE_SEED and CTK_RULE_RUNS override the seed and the count (printed).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isTable } from '../../src/edit/value';
import { parseConfig } from '../../src/engines/document';
import type { Tree } from '../../src/engines/tree';
import type { EngineName } from '../../src/engines/types';
import { ledgerPaths } from '../../src/host/ledger-store';
import { memoryLogger } from '../../src/log';
import { runEngineOp } from '../../src/ops/transaction';
import { configArb } from '../reliability/generators';
import { envInt } from '../reliability/support';
import { FakeHost, opts } from './fake-host';

const SEED = envInt('CTK_RULE_SEED', 20261207);
const RUNS = envInt('CTK_RULE_RUNS', 1000);
const OWNERS = ['nvidia', 'acme', 'gpu-b'];

interface Mode {
  readonly engine: EngineName;
  readonly dropIn: boolean;
}
const MODES: Mode[] = [
  { engine: 'containerd', dropIn: false },
  { engine: 'containerd', dropIn: true },
  { engine: 'crio', dropIn: false },
  { engine: 'crio', dropIn: true },
  { engine: 'docker', dropIn: false },
];

type Step =
  | { kind: 'setup'; owner: number; setAsDefault: boolean; cdi: boolean }
  | { kind: 'cleanup'; owner: number }
  | { kind: 'foreign'; file: number; op: 'add' | 'change' | 'remove'; value: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('setup' as const),
      owner: fc.nat({ max: 2 }),
      setAsDefault: fc.boolean(),
      cdi: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('cleanup' as const), owner: fc.nat({ max: 2 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('foreign' as const),
      file: fc.nat({ max: 1 }),
      op: fc.constantFrom('add' as const, 'change' as const, 'remove' as const),
      value: fc.nat({ max: 99 }),
    }),
  },
);

/** Leaves of a value tree by path (an empty table and every array are leaves). */
function leaves(tree: Tree, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  const keys = Object.keys(tree);
  if (keys.length === 0 && prefix !== '') out.set(prefix, '{}');
  for (const k of keys) {
    const p = `${prefix}\u0000${k}`;
    const v = tree[k];
    if (isTable(v)) leaves(v, p, out);
    else
      out.set(
        p,
        JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)),
      );
  }
  return out;
}

function treeOf(engine: EngineName, path: string, text: string | null): Map<string, unknown> {
  if (text === null) return new Map();
  return leaves(parseConfig(engine === 'docker' ? 'json' : 'toml', text, path).tree);
}

/** Paths whose leaf differs between two leaf maps. */
function changedPaths(a: Map<string, unknown>, b: Map<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(k);
  for (const k of b.keys()) if (!a.has(k)) out.push(k);
  return out;
}

/** An edit by someone else: a root key of their own added, changed or removed (format-preserving). */
function foreignEdit(engine: EngineName, path: string, text: string, s: Extract<Step, { kind: 'foreign' }>) {
  const doc = parseConfig(engine === 'docker' ? 'json' : 'toml', text, path);
  const keys = Object.keys(doc.tree).filter((k) => k.startsWith('foreign_'));
  const tree: Tree = { ...doc.tree };
  if (s.op === 'add' || keys.length === 0) tree[`foreign_${s.value}`] = s.value;
  else if (s.op === 'change') tree[keys[s.value % keys.length]!] = s.value + 1000;
  else delete tree[keys[s.value % keys.length]!];
  return doc.render(tree);
}

let cleanupsChecked = 0;

async function runSequence(mode: Mode, original: string, steps: Step[]): Promise<void> {
  const main =
    mode.engine === 'docker'
      ? '/etc/docker/daemon.json'
      : mode.engine === 'crio'
        ? '/etc/crio/crio.conf'
        : '/etc/containerd/config.toml';
  const dropIn = mode.dropIn ? `${main.slice(0, main.lastIndexOf('/'))}/conf.d/99-nvidia.toml` : '';
  const files = [main, ...(dropIn ? [dropIn] : [])];
  const ledgerPath = ledgerPaths(main).ledger;
  const h = new FakeHost();
  h.files.set(main, original);
  const start = new Map(h.files);
  // per owner since its last cleanup: the leaf paths its setups changed, and the files they wrote
  const touched = OWNERS.map(() => new Map<string, Set<string>>());
  const wrote = OWNERS.map(() => new Set<string>());
  const active = new Set<number>();
  let foreign = false;
  const base = {
    engine: mode.engine,
    config: main,
    dropInConfig: dropIn,
    restartMode: 'none' as const,
    configMode: 'config' as const,
  };
  for (const s of steps) {
    const before = new Map(files.map((f) => [f, h.files.get(f) ?? null]));
    if (s.kind === 'foreign') {
      const f = files[s.file % files.length]!;
      const text = h.files.get(f);
      if (text === undefined) continue;
      h.files.set(f, foreignEdit(mode.engine, f, text, s));
      foreign = true;
      continue;
    }
    const owner = OWNERS[s.owner]!;
    if (s.kind === 'setup') {
      const r = await runEngineOp(
        opts({ ...base, runtimeName: owner, setAsDefault: s.setAsDefault, enableCdi: s.cdi }),
        memoryLogger('error'),
        h,
      );
      active.add(s.owner);
      for (const f of r.changed) wrote[s.owner]!.add(f);
      for (const f of files) {
        const paths = changedPaths(
          treeOf(mode.engine, f, before.get(f) ?? null),
          treeOf(mode.engine, f, h.files.get(f) ?? null),
        );
        const set = touched[s.owner]!.get(f) ?? new Set<string>();
        for (const p of paths) set.add(p);
        touched[s.owner]!.set(f, set);
      }
      continue;
    }
    const hadLedger = h.ledgers.has(ledgerPath);
    await runEngineOp(opts({ ...base, action: 'cleanup', runtimeName: owner }), memoryLogger('error'), h);
    const ledger = h.ledgers.get(ledgerPath);
    for (const [file, entry] of Object.entries(ledger?.files ?? {})) {
      assert.ok(Object.keys(entry.owners).length > 0, `${file}: the ledger names a file without records`);
      assert.ok(!(owner in entry.owners), `${file}: ${owner} still recorded after its cleanup`);
    }
    if (hadLedger) {
      cleanupsChecked++;
      for (const f of files) {
        const now = h.files.get(f) ?? null;
        if (!wrote[s.owner]!.has(f)) {
          assert.equal(now, before.get(f), `${f}: ${owner}'s setup never wrote it, its cleanup did`);
          continue;
        }
        const mine: Set<string> = touched[s.owner]!.get(f) ?? new Set<string>();
        const a = treeOf(mode.engine, f, before.get(f) ?? null);
        const b = treeOf(mode.engine, f, now);
        const wrong: string[] = changedPaths(a, b).filter((p) => !mine.has(p));
        assert.deepEqual(
          wrong.map((p) => p.split('\u0000').slice(1).join('.')),
          [],
          `${f}: entries ${owner}'s setup did not change were changed by its cleanup`,
        );
      }
    }
    // what this owner's setup made that others still need stays, and becomes theirs to take back (owners.ts)
    active.delete(s.owner);
    for (const heir of active) {
      for (const [f, paths] of touched[s.owner]!) {
        const set = touched[heir]!.get(f) ?? new Set<string>();
        for (const p of paths) set.add(p);
        touched[heir]!.set(f, set);
      }
      for (const f of wrote[s.owner]!) wrote[heir]!.add(f);
    }
    touched[s.owner] = new Map();
    wrote[s.owner]!.clear();
  }
  if (!foreign && active.size === 0) {
    for (const f of files)
      assert.equal(h.files.get(f) ?? null, start.get(f) ?? null, `${f}: every owner cleaned up`);
  }
}

describe('the cleanup rule, random sequences through the transaction', () => {
  for (const mode of MODES) {
    test(`${mode.engine} ${mode.dropIn ? 'drop-in' : 'in place'}: ${RUNS} sequences, seed ${SEED}`, async () => {
      cleanupsChecked = 0;
      await fc.assert(
        fc.asyncProperty(
          configArb(mode.engine),
          fc.array(stepArb, { minLength: 1, maxLength: 6 }),
          (original, steps) => runSequence(mode, original, steps),
        ),
        { seed: SEED, numRuns: RUNS },
      );
      process.stdout.write(
        `# cleanup rule ${mode.engine}/${mode.dropIn ? 'drop-in' : 'in-place'}: seed ${SEED}, ${RUNS} sequences, ${cleanupsChecked} cleanups checked\n`,
      );
    });
  }
});
