// Drift as the reconciler sees it (src/engines/drift.ts), and what the ledger does when another program
// overwrites a file setup wrote and setup runs again (the reconcile path): the overwritten bytes become the
// new original, so cleanup restores what the other program wrote, not the first snapshot.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { driftOf } from '../../src/engines/drift';
import { type EngineRequest, emptyLedger, type Ledger, planCleanup, planSetup } from '../../src/engines/plan';
import type { EngineName } from '../../src/engines/types';
import { runtimeSet } from '../../src/runtimes/runtime-set';

const MAIN = { docker: '/etc/docker/daemon.json', containerd: '/etc/containerd/config.toml' } as const;
const DROP = '/etc/containerd/conf.d/99-nvidia.toml';

function req(engine: 'docker' | 'containerd', main: string | null, drop?: string | null): EngineRequest {
  return {
    engine,
    owner: 'nvidia',
    runtimes: runtimeSet({ name: 'nvidia', setAsDefault: true, dir: '/usr/local/nvidia/toolkit' }),
    enableCdi: false,
    containerd: { runtimeType: 'io.containerd.runc.v2', annotationPrefixes: [], useLegacyConfig: false },
    main: { path: MAIN[engine], text: main },
    ...(drop !== undefined ? { dropIn: { file: { path: DROP, text: drop }, importPath: DROP } } : {}),
  };
}

function setup(engine: 'docker' | 'containerd', text: string, ledger: Ledger = emptyLedger()) {
  const plan = planSetup(req(engine, text), ledger);
  return { text: plan.writes[0]?.after ?? text, ledger: plan.ledger };
}

const fmt = (e: EngineName) => (e === 'docker' ? 'json' : 'toml');
const DOCKER = '{\n  "log-level": "info"\n}\n';
const CTD =
  'version = 2\n\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "runc"\n';

describe('driftOf', () => {
  for (const [engine, original] of [
    ['docker', DOCKER],
    ['containerd', CTD],
  ] as const) {
    const path = MAIN[engine];
    const s = setup(engine, original);
    const entry = s.ledger.files[path];

    test(`${engine}: the file setup wrote has no drift`, () => {
      assert.deepEqual(driftOf(entry, 'nvidia', path, s.text, fmt(engine)), []);
    });

    test(`${engine}: the original bytes again are drift, naming the missing runtimes and the default`, () => {
      const d = driftOf(entry, 'nvidia', path, original, fmt(engine));
      assert.ok(
        d.some((x) => /runtimes is missing/.test(x)),
        d.join('\n'),
      );
      assert.ok(
        d.some((x) => /default.*(is missing|"runc", not "nvidia")/.test(x)),
        d.join('\n'),
      );
      // one line per removed runtime table, not one per key inside it
      assert.ok(d.length <= 5, d.join('\n'));
    });

    test(`${engine}: an unrelated key changed is not drift`, () => {
      const edited =
        engine === 'docker'
          ? s.text.replace('"log-level": "info"', '"log-level": "debug"')
          : `${s.text}\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "pause:3.9"\n`;
      assert.notEqual(edited, s.text);
      assert.deepEqual(driftOf(entry, 'nvidia', path, edited, fmt(engine)), []);
    });

    test(`${engine}: a removed file is drift; another owner's entry or no ledger is not`, () => {
      assert.deepEqual(driftOf(entry, 'nvidia', path, null, fmt(engine)), [`${path} was removed`]);
      assert.deepEqual(driftOf(entry, 'other', path, original, fmt(engine)), []);
      assert.deepEqual(driftOf(undefined, 'nvidia', path, original, fmt(engine)), []);
    });
  }

  test('containerd drop-in: the main file without the import is drift in the main file only', () => {
    const plan = planSetup(req('containerd', CTD, null), emptyLedger());
    const disk = new Map(plan.writes.map((w) => [w.path, w.after]));
    const main = disk.get(MAIN.containerd)!;
    const drop = disk.get(DROP)!;
    assert.deepEqual(driftOf(plan.ledger.files[DROP], 'nvidia', DROP, drop, 'toml'), []);
    assert.deepEqual(
      driftOf(plan.ledger.files[MAIN.containerd], 'nvidia', MAIN.containerd, main, 'toml'),
      [],
    );
    assert.deepEqual(driftOf(plan.ledger.files[MAIN.containerd], 'nvidia', MAIN.containerd, CTD, 'toml'), [
      `imports is missing`,
    ]);
  });
});

describe('re-applying setup over a file another program overwrote', () => {
  for (const [engine, original, other] of [
    ['docker', DOCKER, '{\n  "log-level": "warn",\n  "debug": true\n}\n'],
    ['containerd', CTD, `${CTD}\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "pause:3.9"\n`],
  ] as const) {
    test(`${engine}: cleanup then restores what the other program wrote, not the first snapshot`, () => {
      const path = MAIN[engine];
      const first = setup(engine, original);
      const again = planSetup(req(engine, other), first.ledger);
      assert.equal(again.writes.length, 1, 'our entries are written again');
      const reapplied = again.writes[0]!.after!;
      assert.equal(again.ledger.files[path]!.original, other, 'the overwritten bytes are the new original');
      assert.deepEqual(driftOf(again.ledger.files[path], 'nvidia', path, reapplied, fmt(engine)), []);
      const clean = planCleanup(req(engine, reapplied), again.ledger);
      assert.equal(clean.writes[0]?.after, other);
    });
  }

  test('docker: overwritten with the original bytes: one write, and cleanup gives those bytes back', () => {
    const path = MAIN.docker;
    const first = setup('docker', DOCKER);
    const again = planSetup(req('docker', DOCKER), first.ledger);
    assert.equal(again.writes[0]!.after, first.text, 'the same file as the first setup');
    const clean = planCleanup(req('docker', first.text), again.ledger);
    assert.equal(clean.writes[0]?.after, DOCKER);
    assert.equal(again.ledger.files[path]!.original, DOCKER);
  });
});
