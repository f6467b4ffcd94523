import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import {
  type EngineRequest,
  emptyLedger,
  type FileSnapshot,
  type Ledger,
  type Plan,
  planCleanup,
  planSetup,
} from '../../src/engines/plan';
import type { EngineName } from '../../src/engines/types';
import { runtimeSet } from '../../src/runtimes/runtime-set';
import { fixture, fixtureNames } from '../helpers/fixtures';

type Disk = Map<string, string | null>;

function request(
  engine: EngineName,
  disk: Disk,
  main: string,
  opts: { dropIn?: string; setAsDefault?: boolean; cdi?: boolean; name?: string } = {},
): EngineRequest {
  const snap = (path: string): FileSnapshot => ({ path, text: disk.get(path) ?? null });
  return {
    engine,
    owner: opts.name ?? 'nvidia',
    runtimes: runtimeSet({
      name: opts.name ?? 'nvidia',
      setAsDefault: opts.setAsDefault ?? true,
      dir: '/usr/local/nvidia/toolkit',
    }),
    enableCdi: opts.cdi ?? true,
    containerd: { runtimeType: 'io.containerd.runc.v2', annotationPrefixes: [], useLegacyConfig: false },
    main: snap(main),
    ...(opts.dropIn ? { dropIn: { file: snap(opts.dropIn), importPath: opts.dropIn } } : {}),
  };
}

function apply(disk: Disk, plan: Plan): void {
  for (const w of plan.writes) disk.set(w.path, w.after);
}

const MAIN: Record<EngineName, string> = {
  containerd: '/etc/containerd/config.toml',
  crio: '/etc/crio/crio.conf',
  docker: '/etc/docker/daemon.json',
};
const DROP: Partial<Record<EngineName, string>> = {
  containerd: '/etc/containerd/conf.d/99-nvidia.toml',
  crio: '/etc/crio/crio.conf.d/99-nvidia.toml',
};

/** Lines of the original that setup removed must be re-added with only a comma appended, or be keys we own. */
function onlyOwnedLinesChanged(before: string, after: string): string[] {
  const a = before.split(/\r?\n/);
  const b = after.split(/\r?\n/);
  const bag = new Map<string, number>();
  for (const l of b) bag.set(l, (bag.get(l) ?? 0) + 1);
  const problems: string[] = [];
  for (const l of a) {
    const n = bag.get(l) ?? 0;
    if (n > 0) bag.set(l, n - 1);
    else if (
      !(bag.get(`${l},`) ?? 0) &&
      !/default_runtime(_name)?\b|enable_cdi|"default-runtime"|"features"|"runtimes"|^\s*"?cdi"?|^\s*\}?\s*$|^\s*imports|^\{/.test(
        l,
      )
    )
      problems.push(l);
  }
  return problems;
}

function commentsOf(text: string): string[] {
  return text.split(/\r?\n/).flatMap((l) => {
    const i = l.indexOf('#');
    return i >= 0 && !/["']/.test(l.slice(i)) ? [l.slice(i)] : [];
  });
}

const cases: { engine: EngineName; name: string; dropIn: boolean }[] = [
  ...fixtureNames('containerd').flatMap((name) => [
    { engine: 'containerd' as const, name, dropIn: false },
    { engine: 'containerd' as const, name, dropIn: true },
  ]),
  ...fixtureNames('crio').flatMap((name) => [
    { engine: 'crio' as const, name, dropIn: false },
    { engine: 'crio' as const, name, dropIn: true },
  ]),
  ...fixtureNames('docker').map((name) => ({ engine: 'docker' as const, name, dropIn: false })),
];

describe('setup and cleanup on every fixture', () => {
  for (const c of cases) {
    const label = `${c.engine} ${c.name}${c.dropIn ? ' (drop-in)' : ''}`;
    test(`${label}: setup registers, keeps the rest, is idempotent, and cleanup gives back the bytes`, () => {
      const original = fixture(c.engine, c.name);
      const main = MAIN[c.engine];
      const drop = c.dropIn ? DROP[c.engine] : undefined;
      const disk: Disk = new Map([[main, original]]);
      let ledger: Ledger = emptyLedger();
      const req = () => request(c.engine, disk, main, { dropIn: drop });
      const setup = planSetup(req(), ledger);
      assert.ok(setup.writes.length > 0, 'setup writes something');
      apply(disk, setup);
      ledger = setup.ledger;
      const target = disk.get(drop && setup.writes.some((w) => w.path === drop) ? drop : main)!;
      const value = c.engine === 'docker' ? JSON.parse(target) : parseToml(target);
      for (const rt of setup.engine.runtimeNames(value as never).filter((n) => n.startsWith('nvidia'))) {
        assert.match(
          setup.engine.binaryPath(value as never, rt) ?? '',
          /^\/usr\/local\/nvidia\/toolkit\/nvidia-container-runtime/,
        );
      }
      assert.deepEqual(
        setup.engine
          .runtimeNames(value as never)
          .filter((n) => n.startsWith('nvidia'))
          .sort(),
        ['nvidia', 'nvidia-cdi', 'nvidia-legacy'],
      );
      assert.deepEqual(
        onlyOwnedLinesChanged(original, disk.get(main)!),
        [],
        'only owned lines of the main file changed',
      );
      if (c.engine !== 'docker')
        assert.deepEqual(
          commentsOf(original).filter((x) => !disk.get(main)!.includes(x)),
          [],
          'every comment kept',
        );
      const again = planSetup(req(), ledger);
      assert.deepEqual(again.writes, [], 'second setup writes nothing');
      const cleanup = planCleanup(req(), ledger);
      apply(disk, cleanup);
      assert.equal(disk.get(main), original, 'original bytes back');
      if (drop) assert.equal(disk.get(drop) ?? null, null, 'drop-in removed');
      assert.deepEqual(cleanup.ledger.files, {});
    });

    test(`${label}: after an unrelated edit, cleanup removes only what setup added`, () => {
      const original = fixture(c.engine, c.name);
      const main = MAIN[c.engine];
      const drop = c.dropIn ? DROP[c.engine] : undefined;
      const disk: Disk = new Map([[main, original]]);
      const setup = planSetup(request(c.engine, disk, main, { dropIn: drop }), emptyLedger());
      apply(disk, setup);
      // someone appends a setting of their own at the very top of the file
      const mark = c.engine === 'docker' ? undefined : '# added by the admin after setup\n';
      if (mark) disk.set(main, mark + disk.get(main)!);
      const cleanup = planCleanup(request(c.engine, disk, main, { dropIn: drop }), setup.ledger);
      apply(disk, cleanup);
      assert.equal(disk.get(main), (mark ?? '') + original);
    });
  }
});

describe('ledger semantics', () => {
  const main = MAIN.containerd;
  const base = fixture('containerd', 'comments-everywhere.toml');
  test('cleanup restores the previous default runtime (crun), not runc', () => {
    const disk: Disk = new Map([[main, base]]);
    const s = planSetup(request('containerd', disk, main), emptyLedger());
    apply(disk, s);
    assert.match(disk.get(main)!, /default_runtime_name = "nvidia"/);
    disk.set(main, `${disk.get(main)!}\n# trailing note\n`);
    apply(disk, planCleanup(request('containerd', disk, main), s.ledger));
    assert.match(disk.get(main)!, /default_runtime_name = "crun"/);
    assert.doesNotMatch(disk.get(main)!, /nvidia/);
  });
  test('a second setup with set-as-default=false takes the default back to the original one', () => {
    const disk: Disk = new Map([[main, base]]);
    const s1 = planSetup(request('containerd', disk, main), emptyLedger());
    apply(disk, s1);
    const s2 = planSetup(request('containerd', disk, main, { setAsDefault: false }), s1.ledger);
    apply(disk, s2);
    assert.match(disk.get(main)!, /default_runtime_name = "crun"/);
    apply(disk, planCleanup(request('containerd', disk, main, { setAsDefault: false }), s2.ledger));
    assert.equal(disk.get(main), base);
  });
  test('two owners on one file: both present, each cleanup removes its own', () => {
    const disk: Disk = new Map([[main, base]]);
    const a = planSetup(
      request('containerd', disk, main, { name: 'nvidia-a', setAsDefault: false }),
      emptyLedger(),
    );
    apply(disk, a);
    const b = planSetup(
      request('containerd', disk, main, { name: 'nvidia-b', setAsDefault: false }),
      a.ledger,
    );
    apply(disk, b);
    assert.match(disk.get(main)!, /runtimes\.nvidia-a\]/);
    assert.match(disk.get(main)!, /runtimes\.nvidia-b\]/);
    const ca = planCleanup(
      request('containerd', disk, main, { name: 'nvidia-a', setAsDefault: false }),
      b.ledger,
    );
    apply(disk, ca);
    assert.doesNotMatch(disk.get(main)!, /nvidia-a/);
    assert.match(disk.get(main)!, /runtimes\.nvidia-b\]/);
    apply(
      disk,
      planCleanup(request('containerd', disk, main, { name: 'nvidia-b', setAsDefault: false }), ca.ledger),
    );
    assert.equal(disk.get(main), base);
  });
  test('no ledger (configured by the original): runtimes removed by name, our default dropped', () => {
    const disk: Disk = new Map([[main, base]]);
    apply(disk, planSetup(request('containerd', disk, main), emptyLedger()));
    apply(disk, planCleanup(request('containerd', disk, main), emptyLedger()));
    assert.doesNotMatch(disk.get(main)!, /nvidia/);
    assert.doesNotMatch(disk.get(main)!, /default_runtime_name/);
  });
  test('a missing config gets a new file, and cleanup removes it again', () => {
    const disk: Disk = new Map();
    const s = planSetup(request('containerd', disk, main), emptyLedger());
    apply(disk, s);
    assert.match(disk.get(main)!, /^version = 2/);
    apply(disk, planCleanup(request('containerd', disk, main), s.ledger));
    assert.equal(disk.get(main), null);
  });
  test('version 1 with a drop-in path is edited in place, with a warning', () => {
    const disk: Disk = new Map([[main, fixture('containerd', 'v1-legacy.toml')]]);
    const s = planSetup(request('containerd', disk, main, { dropIn: DROP.containerd }), emptyLedger());
    assert.equal(s.writes.length, 1);
    assert.match(s.warnings[0]!, /version 1 config, which cannot import drop-in files/);
  });
  test("v2 drop-in carries the main file's whole CRI plugin table; v3 only what we add", () => {
    const disk: Disk = new Map([[main, fixture('containerd', 'k3s-style.toml')]]);
    const s = planSetup(request('containerd', disk, main, { dropIn: DROP.containerd }), emptyLedger());
    apply(disk, s);
    const drop = parseToml(disk.get(DROP.containerd!)!) as Record<
      string,
      Record<string, Record<string, Record<string, unknown>>>
    >;
    assert.equal(drop.version as unknown, 2);
    assert.equal(drop.plugins!['io.containerd.grpc.v1.cri']!.sandbox_image, 'rancher/mirrored-pause:3.6');
    assert.match(disk.get(main)!, /imports = \["\/etc\/containerd\/conf.d\/99-nvidia.toml"\]/);
    const disk3: Disk = new Map([[main, fixture('containerd', 'v3-containerd2.toml')]]);
    apply(disk3, planSetup(request('containerd', disk3, main, { dropIn: DROP.containerd }), emptyLedger()));
    const d3 = parseToml(disk3.get(DROP.containerd!)!) as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    assert.deepEqual(Object.keys(d3.plugins!['io.containerd.cri.v1.runtime']!).sort(), [
      'containerd',
      'enable_cdi',
    ]);
  });
});
