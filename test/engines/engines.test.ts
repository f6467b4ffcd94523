import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { containerdEngine, detectContainerdVersion } from '../../src/engines/containerd';
import { crioEngine } from '../../src/engines/crio';
import { dockerEngine } from '../../src/engines/docker';
import { ociHookText } from '../../src/engines/ocihook';
import { cloneTree, type Tree } from '../../src/engines/tree';
import { ConfigError, UsageError } from '../../src/errors';
import { runtimeSet } from '../../src/runtimes/runtime-set';

const F = '/etc/test.toml';
const ctdOpts = {
  runtimeType: 'io.containerd.runc.v2',
  annotationPrefixes: [] as string[],
  useLegacyConfig: false,
};
const rt = (name: string, binary = `/usr/bin/${name}`, isDefault = false) => ({ name, binary, isDefault });

describe('runtime set', () => {
  test('three runtimes, the requested one is the default', () => {
    assert.deepEqual(runtimeSet({ name: 'nvidia', setAsDefault: true, dir: '/t' }), [
      { name: 'nvidia', binary: '/t/nvidia-container-runtime', isDefault: true },
      { name: 'nvidia-cdi', binary: '/t/nvidia-container-runtime.cdi', isDefault: false },
      { name: 'nvidia-legacy', binary: '/t/nvidia-container-runtime.legacy', isDefault: false },
    ]);
  });
  test('a mode runtime name keeps the main entry called nvidia and makes the mode runtime default', () => {
    const set = runtimeSet({ name: 'nvidia-cdi', setAsDefault: true, dir: '/t' });
    assert.deepEqual(
      set.map((r) => [r.name, r.isDefault]),
      [
        ['nvidia', false],
        ['nvidia-cdi', true],
        ['nvidia-legacy', false],
      ],
    );
  });
  test('a custom name replaces nvidia; without set-as-default nothing is default', () => {
    const set = runtimeSet({ name: 'NAME', setAsDefault: false, dir: '/t' });
    assert.deepEqual(
      set.map((r) => [r.name, r.isDefault]),
      [
        ['NAME', false],
        ['nvidia-cdi', false],
        ['nvidia-legacy', false],
      ],
    );
  });
  for (const bad of ['', 'a/b', 'a b', 'a"b', "a'b", '-x']) {
    test(`runtime name ${JSON.stringify(bad)} is refused`, () => {
      assert.throws(() => runtimeSet({ name: bad, setAsDefault: false, dir: '/t' }), UsageError);
    });
  }
  test('a relative runtime directory is refused', () => {
    assert.throws(() => runtimeSet({ name: 'nvidia', setAsDefault: false, dir: 'usr/bin' }), /absolute path/);
  });
});

describe('containerd version detection', () => {
  const cases: [Tree, boolean, boolean, number][] = [
    [{}, true, false, 2],
    [{}, true, true, 1],
    [{ root: '/x' }, false, false, 1],
    [{ version: 2 }, false, false, 2],
    [{ version: 3 }, false, false, 3],
    [{ version: 1n }, false, false, 1],
  ];
  for (const [tree, empty, legacy, want] of cases) {
    test(`${JSON.stringify(tree, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))} empty=${empty} legacy=${legacy} -> ${want}`, () => {
      assert.equal(detectContainerdVersion(tree, empty, legacy, F), want);
    });
  }
  test('a string version is a clear error', () => {
    assert.throws(
      () => detectContainerdVersion({ version: '2' }, false, false, F),
      /\/etc\/test.toml: unsupported type for version field/,
    );
  });
  test('an unknown future version is refused', () => {
    assert.throws(
      () => detectContainerdVersion({ version: 99 }, false, false, F),
      /unsupported containerd config version 99/,
    );
  });
  test('a float version is refused', () => {
    assert.throws(() => detectContainerdVersion({ version: 2.5 }, false, false, F), ConfigError);
  });
});

describe('containerd engine', () => {
  const v2 = containerdEngine(2, ctdOpts, F);
  const P = 'io.containerd.grpc.v1.cri';
  const runtimesOf = (t: Tree, plugin = P) =>
    ((t.plugins as Tree)[plugin] as Tree & { containerd: { runtimes: Tree } }).containerd.runtimes;

  test('no template: the fallback table with the configured runtime type', () => {
    const t: Tree = {};
    v2.addRuntime(t, rt('test'), { source: {} });
    assert.deepEqual(runtimesOf(t).test, {
      runtime_type: 'io.containerd.runc.v2',
      runtime_root: '',
      runtime_engine: '',
      privileged_without_host_devices: false,
      options: { BinaryName: '/usr/bin/test' },
    });
  });
  const withDefault = (): Tree => ({
    version: 2,
    plugins: {
      [P]: {
        containerd: {
          default_runtime_name: 'default',
          runtimes: {
            default: {
              runtime_type: 'type',
              privileged_without_host_devices: true,
              options: { BinaryName: '/usr/bin/default', SystemdCgroup: true },
            },
            runc: { runtime_type: 'io.containerd.runc.v2', options: { BinaryName: '/usr/bin/runc' } },
          },
        },
      },
    },
  });
  test('options come from the default runtime before runc', () => {
    const src = withDefault();
    const t = cloneTree(src);
    v2.addRuntime(t, rt('test'), { source: src });
    assert.deepEqual(runtimesOf(t).test, {
      runtime_type: 'type',
      privileged_without_host_devices: true,
      options: { BinaryName: '/usr/bin/test', SystemdCgroup: true },
    });
  });
  test('templateDefault (from the ledger) wins over the current default', () => {
    const src = withDefault();
    const t = cloneTree(src);
    v2.addRuntime(t, rt('test'), { source: src, templateDefault: 'runc' });
    assert.deepEqual(runtimesOf(t).test, {
      runtime_type: 'io.containerd.runc.v2',
      options: { BinaryName: '/usr/bin/test' },
    });
  });
  test('an nvidia default is never the template', () => {
    const src = withDefault();
    ((src.plugins as Tree)[P] as { containerd: Tree }).containerd.default_runtime_name = 'nvidia';
    const t = cloneTree(src);
    v2.addRuntime(t, rt('test'), { source: src });
    assert.equal((runtimesOf(t).test as Tree).runtime_type, 'io.containerd.runc.v2');
  });
  test('an empty runtime_type copied from the template is replaced', () => {
    const src: Tree = {
      plugins: { [P]: { containerd: { runtimes: { runc: { runtime_type: '', options: {} } } } } },
    };
    const t = cloneTree(src);
    v2.addRuntime(t, rt('test'), { source: src });
    assert.equal((runtimesOf(t).test as Tree).runtime_type, 'io.containerd.runc.v2');
  });
  test('v1 also sets options.Runtime; v3 uses the containerd 2.x runtime plugin', () => {
    const v1 = containerdEngine(1, ctdOpts, F);
    const t1: Tree = {};
    v1.addRuntime(t1, rt('test'), { source: {} });
    assert.deepEqual((runtimesOf(t1, 'cri').test as Tree).options, {
      BinaryName: '/usr/bin/test',
      Runtime: '/usr/bin/test',
    });
    const v3 = containerdEngine(3, ctdOpts, F);
    const t3: Tree = {};
    v3.addRuntime(t3, rt('test'), { source: {} });
    assert.ok(runtimesOf(t3, 'io.containerd.cri.v1.runtime').test);
  });
  test('annotation prefixes become P* ahead of the template annotations, without duplicates', () => {
    const e = containerdEngine(
      2,
      { ...ctdOpts, annotationPrefixes: ['cdi.k8s.io/', 'nvidia.cdi.k8s.io/'] },
      F,
    );
    const src: Tree = {
      plugins: {
        [P]: { containerd: { runtimes: { runc: { container_annotations: ['cdi.k8s.io/*', 'x'] } } } },
      },
    };
    const t = cloneTree(src);
    e.addRuntime(t, rt('test'), { source: src });
    assert.deepEqual((runtimesOf(t).test as Tree).container_annotations, [
      'cdi.k8s.io/*',
      'nvidia.cdi.k8s.io/*',
      'x',
    ]);
  });
  test('default runtime: set, read, unset; enable_cdi on the plugin itself', () => {
    const t: Tree = {};
    v2.setDefaultRuntime(t, 'nvidia');
    assert.equal(v2.defaultRuntime(t), 'nvidia');
    v2.enableCdi(t);
    assert.equal(((t.plugins as Tree)[P] as Tree).enable_cdi, true);
    v2.setDefaultRuntime(t, undefined);
    assert.equal(v2.defaultRuntime(t), undefined);
    const v1 = containerdEngine(1, ctdOpts, F);
    const t1: Tree = {};
    v1.enableCdi(t1);
    assert.deepEqual(t1, { plugins: { cri: { enable_cdi: true } } });
  });
  test('v1 legacy default_runtime table', () => {
    const v1 = containerdEngine(1, { ...ctdOpts, useLegacyConfig: true, runtimeType: 'runtime_type' }, F);
    const t: Tree = {};
    v1.addRuntime(t, rt('nvidia', '/d/nvidia-container-runtime'), { source: {} });
    v1.setDefaultRuntime(t, 'nvidia');
    const c = ((t.plugins as Tree).cri as Tree).containerd as Tree;
    assert.equal(c.default_runtime_name, undefined);
    assert.deepEqual(c.default_runtime, {
      runtime_type: 'runtime_type',
      runtime_root: '',
      runtime_engine: '',
      privileged_without_host_devices: false,
      options: { BinaryName: '/d/nvidia-container-runtime', Runtime: '/d/nvidia-container-runtime' },
    });
  });
  test('remove deletes the runtime and the tables it leaves empty; binaryPath reads BinaryName', () => {
    const t: Tree = {};
    v2.addRuntime(t, rt('test'), { source: {} });
    assert.equal(v2.binaryPath(t, 'test'), '/usr/bin/test');
    v2.removeRuntime(t, 'test');
    assert.deepEqual(t, {});
    assert.equal(v2.binaryPath(t, 'test'), undefined);
  });
  test('wrong types on our paths are ConfigErrors naming the file and key', () => {
    assert.throws(
      () => v2.addRuntime({ plugins: { [P]: { containerd: { runtimes: 5 } } } }, rt('x'), { source: {} }),
      /\/etc\/test.toml: plugins."io.containerd.grpc.v1.cri".containerd.runtimes must be a table/,
    );
    assert.throws(
      () => v2.defaultRuntime({ plugins: { [P]: { containerd: { default_runtime_name: 3 } } } }),
      /default_runtime_name must be a string/,
    );
  });
});

describe('cri-o engine', () => {
  const e = crioEngine(F);
  const src: Tree = {
    crio: {
      runtime: {
        default_runtime: 'crun',
        runtimes: {
          crun: {
            runtime_path: '/usr/bin/crun',
            runtime_type: 'oci',
            runtime_root: '/run/crun',
            monitor_path: '/usr/libexec/crio/conmon',
          },
          runc: { runtime_path: '/usr/bin/runc', runtime_type: 'runcoci', runtime_root: '/run/runc' },
        },
      },
    },
  };
  test('inherits the default runtime table, overrides path and type', () => {
    const t = cloneTree(src);
    e.addRuntime(t, rt('nvidia'), { source: src });
    assert.deepEqual(((t.crio as Tree).runtime as { runtimes: Tree }).runtimes.nvidia, {
      runtime_path: '/usr/bin/nvidia',
      runtime_type: 'oci',
      runtime_root: '/run/crun',
      monitor_path: '/usr/libexec/crio/conmon',
    });
    assert.equal(e.binaryPath(t, 'nvidia'), '/usr/bin/nvidia');
  });
  test('no template: only path and type', () => {
    const t: Tree = {};
    e.addRuntime(t, rt('nvidia'), { source: {} });
    assert.deepEqual(t, {
      crio: { runtime: { runtimes: { nvidia: { runtime_path: '/usr/bin/nvidia', runtime_type: 'oci' } } } },
    });
    e.setDefaultRuntime(t, 'nvidia');
    assert.equal(e.defaultRuntime(t), 'nvidia');
    e.removeRuntime(t, 'nvidia');
    e.setDefaultRuntime(t, undefined);
    assert.deepEqual(t, {});
  });
});

describe('docker engine', () => {
  const e = dockerEngine('/etc/docker/daemon.json');
  test('new entries are {path, args: []}; existing entries keep their other keys', () => {
    const t: Tree = { runtimes: { nvidia: { path: '/old', runtimeArgs: ['--debug'] } } };
    e.addRuntime(t, rt('nvidia', '/new'), { source: t });
    e.addRuntime(t, rt('nvidia-cdi', '/new.cdi'), { source: t });
    assert.deepEqual(t.runtimes, {
      nvidia: { path: '/new', runtimeArgs: ['--debug'] },
      'nvidia-cdi': { path: '/new.cdi', args: [] },
    });
  });
  test('features.cdi is merged into an existing features object', () => {
    const t: Tree = { features: { buildkit: true } };
    e.enableCdi(t);
    assert.deepEqual(t.features, { buildkit: true, cdi: true });
  });
  test('default-runtime set and removed (never forced to runc)', () => {
    const t: Tree = {};
    e.setDefaultRuntime(t, 'nvidia');
    assert.equal(t['default-runtime'], 'nvidia');
    e.setDefaultRuntime(t, undefined);
    assert.deepEqual(t, {});
  });
  test('a runtimes value that is not an object is a ConfigError', () => {
    assert.throws(
      () => e.addRuntime({ runtimes: [] }, rt('x'), { source: {} }),
      /daemon.json: runtimes must be a table, found an array/,
    );
  });
});

test('OCI hook file has the original shape and PATH rule', () => {
  const text = ociHookText('/usr/local/nvidia/toolkit');
  const hook = JSON.parse(text);
  assert.deepEqual(Object.keys(hook), ['version', 'hook', 'when', 'stages']);
  assert.equal(hook.hook.path, '/usr/local/nvidia/toolkit/nvidia-container-runtime-hook');
  assert.deepEqual(hook.hook.env, [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/nvidia/toolkit',
  ]);
  assert.ok(text.endsWith('}\n') && text.includes('\n  "version": "1.0.0"'));
  assert.deepEqual(JSON.parse(ociHookText('/usr/bin')).hook.env, [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  ]);
});
