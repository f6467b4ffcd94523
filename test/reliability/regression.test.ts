/**
 * Regression tests for what the reliability suites found in the planner (fixed in src/engines/owners.ts and
 * plan.ts). Each test is the shrunk counterexample of a fuzz failure, replayed by hand.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptyLedger, type Ledger, planCleanup, planSetup } from '../../src/engines/plan';
import type { EngineName } from '../../src/engines/types';
import { fixture } from '../helpers/fixtures';
import {
  applyPlan,
  DEFAULT_CONTAINERD,
  type Disk,
  type Layout,
  type OpOptions,
  parseValue,
  request,
} from './support';

const op = (name: string, setAsDefault = false, cdi = false): OpOptions => ({ name, setAsDefault, cdi });

/** A file and a ledger, driven like the CLI drives them. */
function host(engine: EngineName, text: string, dropIn = false) {
  const layout: Layout = {
    engine,
    main: engine === 'docker' ? '/etc/docker/daemon.json' : `/etc/${engine}/config.toml`,
    ...(dropIn ? { dropIn: `/etc/${engine}/conf.d/99-nvidia.toml` } : {}),
    containerd: DEFAULT_CONTAINERD,
  };
  const disk: Disk = new Map([[layout.main, text]]);
  let ledger: Ledger = emptyLedger();
  return {
    layout,
    disk,
    main: () => disk.get(layout.main) ?? null,
    drop: () => (layout.dropIn ? (disk.get(layout.dropIn) ?? null) : null),
    setup(o: OpOptions) {
      const p = planSetup(request(layout, disk, o), ledger);
      applyPlan(disk, p);
      ledger = p.ledger;
      return p;
    },
    cleanup(o: OpOptions) {
      const p = planCleanup(request(layout, disk, o), ledger);
      applyPlan(disk, p);
      ledger = p.ledger;
      return p;
    },
    edit(f: (t: string) => string) {
      disk.set(layout.main, f(disk.get(layout.main) ?? ''));
    },
    ledger: () => ledger,
  };
}

const K3S = fixture('containerd', 'k3s-style.toml');
const cri = ['plugins', 'io.containerd.grpc.v1.cri', 'containerd'];
function containerdTree(text: string | null): Record<string, unknown> {
  let cur: unknown = parseValue('containerd', text ?? '');
  for (const k of cri) cur = (cur as Record<string, unknown> | undefined)?.[k];
  return (cur as Record<string, unknown>) ?? {};
}

describe('regressions found by the reliability suites', () => {
  test('setup, an edit by someone else, setup again, cleanup: the edit survives (the ledger took it in)', () => {
    for (const [engine, text, edit] of [
      ['containerd', K3S, (t: string) => `# added by the admin\n${t}`],
      ['docker', fixture('docker', 'tabs.json'), (t: string) => `\n${t}`],
    ] as const) {
      const h = host(engine, text);
      h.setup(op('nvidia', true));
      h.edit(edit);
      assert.deepEqual(h.setup(op('nvidia', true)).writes, [], 'the second setup has nothing to do');
      assert.deepEqual(h.setup(op('nvidia', true)).writes, [], 'and a third neither');
      h.cleanup(op('nvidia', true));
      assert.equal(h.main(), edit(text), `${engine}: cleanup kept the admin's edit`);
    }
  });

  test('two owners cleaned up in setup order, with an edit in between: the default never names a removed runtime', () => {
    const h = host('containerd', K3S);
    h.setup(op('gpu-0', true));
    h.setup(op('gpu-1', true));
    h.cleanup(op('gpu-0', true));
    assert.equal(containerdTree(h.main()).default_runtime_name, 'gpu-1');
    h.edit((t) => `# edit\n${t}`);
    h.cleanup(op('gpu-1', true));
    assert.equal(h.main(), `# edit\n${K3S}`);
  });

  test('the first owner cleaned up keeps what the second still needs: nvidia-cdi, nvidia-legacy, the drop-in import', () => {
    const h = host('containerd', K3S, true);
    h.setup(op('gpu-0'));
    h.setup(op('gpu-1'));
    h.cleanup(op('gpu-0'));
    assert.match(h.main() ?? '', /imports = \[.*99-nvidia\.toml/, 'the main file still imports the drop-in');
    const runtimes = Object.keys((containerdTree(h.drop()).runtimes as object) ?? {});
    assert.deepEqual(runtimes.sort(), ['gpu-1', 'nvidia-cdi', 'nvidia-legacy', 'runc'].sort());
    h.cleanup(op('gpu-1'));
    assert.equal(h.main(), K3S);
    assert.equal(h.drop(), null);
  });

  test('two owners of a new cri-o drop-in: the drop-in goes with the last cleanup, in either order', () => {
    for (const order of [
      ['nvidia', 'gpu-a'],
      ['gpu-a', 'nvidia'],
    ]) {
      const h = host('crio', fixture('crio', 'crio-crun-runc.conf'), true);
      h.setup(op('nvidia'));
      h.setup(op('gpu-a'));
      h.edit((t) => `# edit\n${t}`);
      for (const n of order) h.cleanup(op(n));
      assert.equal(h.drop(), null, `order ${order.join(', ')}`);
      assert.deepEqual(h.ledger().files, {});
    }
  });

  test("a second owner's setup without --set-as-default keeps the first owner's nvidia-cdi default, and repeats as a no-op", () => {
    const h = host('containerd', K3S);
    h.setup(op('nvidia-cdi', true));
    h.setup(op('gpu-a'));
    assert.equal(containerdTree(h.main()).default_runtime_name, 'nvidia-cdi');
    assert.deepEqual(h.setup(op('gpu-a')).writes, []);
  });

  test('owners sharing a file copy the same template into nvidia-cdi, whatever default the other set', () => {
    const crun = fixture('crio', 'crio-crun-runc.conf');
    const h = host('crio', crun);
    h.setup(op('nvidia', true));
    const first = h.main();
    h.setup(op('gpu-a', true));
    h.setup(op('gpu-a', false));
    const cdi = (t: string | null) =>
      (parseValue('crio', t ?? '') as { crio: { runtime: { runtimes: Record<string, unknown> } } }).crio
        .runtime.runtimes['nvidia-cdi'];
    assert.deepEqual(cdi(h.main()), cdi(first));
    h.cleanup(op('nvidia', true));
    h.cleanup(op('gpu-a'));
    assert.equal(h.main(), crun);
  });
});
