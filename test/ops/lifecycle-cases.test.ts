/**
 * Setup-then-cleanup cases modelled on the Go original's lifecycle tests (containerd, cri-o config and hook
 * mode), our own inputs, run through the transaction on the in-memory host. Where the original's cleanup
 * is lossy (it removes a user's own `nvidia` runtime or forces the default away) ours gives the file back as
 * it was; each case says which.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ociHookText } from '../../src/engines/ocihook';
import { memoryLogger } from '../../src/log';
import type { EngineOpOptions } from '../../src/ops/options';
import { runEngineOp } from '../../src/ops/transaction';
import { FakeHost, opts } from './fake-host';

async function lifecycle(h: FakeHost, o: EngineOpOptions): Promise<Map<string, string>> {
  await runEngineOp(o, memoryLogger('error'), h);
  const afterSetup = new Map(h.files);
  await runEngineOp({ ...o, action: 'cleanup' }, memoryLogger('error'), h);
  return afterSetup;
}

const V1 = `version = 1

[plugins]
  [plugins.cri]
    [plugins.cri.containerd]
      default_runtime_name = "runc"

      [plugins.cri.containerd.runtimes]
        [plugins.cri.containerd.runtimes.runc]
          runtime_type = "io.containerd.runtime.v1.linux"
`;

test('containerd v1 without an nvidia runtime, CDI on: cleanup gives back the exact bytes', async () => {
  const h = new FakeHost();
  h.files.set('/etc/containerd/config.toml', V1);
  const set = await lifecycle(h, opts({ restartMode: 'none', enableCdi: true }));
  assert.match(set.get('/etc/containerd/config.toml')!, /enable_cdi = true/);
  assert.equal(h.files.get('/etc/containerd/config.toml'), V1);
  assert.equal(h.ledgers.size, 0);
});

test('containerd v2 drop-in, no top-level config: cleanup removes both files it created', async () => {
  const h = new FakeHost();
  const drop = '/etc/containerd/conf.d/99-nvidia.toml';
  const set = await lifecycle(h, opts({ restartMode: 'none', dropInConfig: drop }));
  assert.match(set.get('/etc/containerd/config.toml')!, /imports = \[".*99-nvidia\.toml"\]/);
  assert.match(set.get(drop)!, /runtimes\.runc\]/, 'runc kept (issue 10 item 14)');
  assert.equal(h.files.size, 0);
});

const OLD_NVIDIA = `version = 2

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "nvidia"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes]
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]
          runtime_type = "io.containerd.runc.v2"

          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]
            BinaryName = "/old/path/nvidia-container-runtime"
`;

test('containerd v2 drop-in with an nvidia runtime of the user: it stays (the original removes it and the default)', async () => {
  const h = new FakeHost();
  h.files.set('/etc/containerd/config.toml', OLD_NVIDIA);
  const drop = '/etc/containerd/conf.d/99-nvidia.toml';
  const set = await lifecycle(h, opts({ restartMode: 'none', dropInConfig: drop, setAsDefault: true }));
  assert.match(set.get(drop)!, /BinaryName = "\/usr\/local\/nvidia\/toolkit\/nvidia-container-runtime"/);
  assert.equal(h.files.get('/etc/containerd/config.toml'), OLD_NVIDIA);
  assert.equal(h.files.has(drop), false);
});

const CRIO_WITH_NVIDIA = `[crio]
[crio.runtime]
default_runtime = "nvidia"

[crio.runtime.runtimes.crun]
runtime_path = "/usr/bin/crun"
runtime_type = "oci"

[crio.runtime.runtimes.nvidia]
runtime_path = "/old/path/nvidia-container-runtime"
runtime_type = "oci"
`;

test('cri-o config mode, drop-in, nvidia already in crio.conf: crio.conf never written; the drop-in goes (the original keeps it)', async () => {
  const h = new FakeHost();
  h.files.set('/etc/crio/crio.conf', CRIO_WITH_NVIDIA);
  const drop = '/etc/crio/crio.conf.d/99-nvidia.toml';
  const o = opts({
    engine: 'crio',
    config: '/etc/crio/crio.conf',
    dropInConfig: drop,
    restartMode: 'none',
    setAsDefault: true,
  });
  const set = await lifecycle(h, o);
  assert.equal(set.get('/etc/crio/crio.conf'), CRIO_WITH_NVIDIA);
  assert.match(set.get(drop)!, /default_runtime = "nvidia"/);
  assert.equal(h.files.get('/etc/crio/crio.conf'), CRIO_WITH_NVIDIA);
  assert.equal(h.files.has(drop), false);
});

test('cri-o hook mode with an older hook file: setup replaces it, cleanup puts it back (the original deletes it)', async () => {
  const h = new FakeHost();
  const hook = '/usr/share/containers/oci/hooks.d/oci-nvidia-hook.json';
  const old =
    '{\n  "version": "1.0.0",\n  "hook": {\n    "path": "/old/path/nvidia-container-runtime-hook"\n  }\n}';
  h.files.set(hook, old);
  const set = await lifecycle(h, opts({ engine: 'crio', configMode: 'hook', restartMode: 'none' }));
  assert.equal(set.get(hook), ociHookText('/usr/local/nvidia/toolkit'));
  assert.equal(h.files.get(hook), old);
});

test('docker: setup as default then cleanup gives back the exact bytes, default-runtime included', async () => {
  const h = new FakeHost();
  const daemon = '/etc/docker/daemon.json';
  const original =
    '{\n    "default-runtime": "crun",\n    "runtimes": {\n        "crun": {"path": "/usr/bin/crun"}\n    }\n}\n';
  h.files.set(daemon, original);
  const o = opts({ engine: 'docker', config: daemon, restartMode: 'none', setAsDefault: true });
  const set = await lifecycle(h, o);
  assert.match(set.get(daemon)!, /"default-runtime": "nvidia"/);
  assert.equal(h.files.get(daemon), original);
});
