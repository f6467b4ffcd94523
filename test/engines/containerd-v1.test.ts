// containerd config version 1: cleanup without a ledger (a file set up by the Go original) also removes the
// legacy `[plugins.cri.containerd.default_runtime]` table when it points at a removed NVIDIA runtime's binary,
// as the original's RemoveRuntime does (issue 10 item 3); a default_runtime table of anyone else stays.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { type EngineRequest, emptyLedger, planCleanup, planSetup } from '../../src/engines/plan';
import { runtimeSet } from '../../src/runtimes/runtime-set';

const MAIN = '/etc/containerd/config.toml';
const DIR = '/test/runtime/dir';

function request(text: string | null, useLegacyConfig: boolean): EngineRequest {
  return {
    engine: 'containerd',
    owner: 'nvidia',
    runtimes: runtimeSet({ name: 'nvidia', setAsDefault: true, dir: DIR }),
    enableCdi: false,
    containerd: { runtimeType: 'io.containerd.runc.v2', annotationPrefixes: [], useLegacyConfig },
    main: { path: MAIN, text },
  };
}

const runtime = (bin: string) => `runtime_type = "io.containerd.runc.v2"
runtime_root = ""
runtime_engine = ""
privileged_without_host_devices = false
[plugins.cri.containerd.RT.options]
BinaryName = "${bin}"
Runtime = "${bin}"
`;

/** What the Go original leaves after `containerd setup --use-legacy-config` on a version 1 file. */
const byOriginal = `version = 1
[plugins.cri.containerd]
snapshotter = "overlayfs"
default_runtime_name = "nvidia"
${['nvidia', 'nvidia-cdi', 'nvidia-legacy']
  .map((n, i) => {
    const bin = `${DIR}/nvidia-container-runtime${['', '.cdi', '.legacy'][i]}`;
    return `[plugins.cri.containerd.runtimes.${n}]\n${runtime(bin).replace('RT', `runtimes.${n}`)}`;
  })
  .join('')}[plugins.cri.containerd.default_runtime]
${runtime(`${DIR}/nvidia-container-runtime`).replace('RT', 'default_runtime')}`;

function cleanupWithoutLedger(text: string, useLegacyConfig = false): Record<string, unknown> {
  const plan = planCleanup(request(text, useLegacyConfig), emptyLedger());
  const after = plan.writes.find((w) => w.path === MAIN)?.after ?? text;
  // plain objects (smol-toml's tables have no prototype) for deepEqual
  return JSON.parse(JSON.stringify(parseToml(after ?? ''))) as Record<string, unknown>;
}

test('no ledger: the legacy default_runtime table pointing at the NVIDIA binary goes with the runtimes', () => {
  for (const legacy of [false, true]) {
    assert.deepEqual(cleanupWithoutLedger(byOriginal, legacy), {
      version: 1,
      plugins: { cri: { containerd: { snapshotter: 'overlayfs' } } },
    });
  }
});

test('no ledger: a default_runtime table that points elsewhere (the user’s runc) stays', () => {
  const own = byOriginal.replace(
    /(\[plugins\.cri\.containerd\.default_runtime\.options\]\n)BinaryName = "[^"]*"\nRuntime = "[^"]*"/,
    '$1BinaryName = "/usr/bin/runc"\nRuntime = "/usr/bin/runc"',
  );
  const after = cleanupWithoutLedger(own) as { plugins: { cri: { containerd: Record<string, unknown> } } };
  assert.deepEqual(after.plugins.cri.containerd.default_runtime, {
    runtime_type: 'io.containerd.runc.v2',
    runtime_root: '',
    runtime_engine: '',
    privileged_without_host_devices: false,
    options: { BinaryName: '/usr/bin/runc', Runtime: '/usr/bin/runc' },
  });
  assert.equal(after.plugins.cri.containerd.runtimes, undefined);
});

test('with a ledger: setup --use-legacy-config then cleanup gives back the original bytes', () => {
  const original = 'version = 1\n[plugins.cri.containerd]\n  snapshotter = "overlayfs"\n';
  const setup = planSetup(request(original, true), emptyLedger());
  const written = setup.writes[0]!.after!;
  assert.match(written, /\[plugins\.cri\.containerd\.default_runtime\.options\]/);
  const cleanup = planCleanup(request(written, false), setup.ledger);
  assert.equal(cleanup.writes[0]!.after, original);
});
