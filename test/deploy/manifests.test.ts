// deploy/: the generated YAML is in sync with the typed objects, every object passes the Kubernetes schema
// (kubernetes-models validate) and has no unknown field, and the env contract is one the CLI really reads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { daemonSet, ENV, FILES, READY_FILE, render } from '../../deploy/manifests';
import { ENGINE_NAMES } from '../../src/engines/presets';
import { rewriteBoolArgs } from '../../src/options/option-spec';
import { allRunSpecs, runtimeSpecs } from '../../src/options/run-options';
import { resolveRunOptions, runOptionsCommand } from '../../src/orchestrator/options';
import { runtimeSet } from '../../src/runtimes/runtime-set';
import { unknownFields } from './k8s-fields';

const DEPLOY = join(__dirname, '../../deploy');
type Obj = Record<string, unknown>;

function docs(file: string): Obj[] {
  const parsed = parseAllDocuments(readFileSync(join(DEPLOY, 'kubernetes', file), 'utf8'));
  for (const d of parsed) assert.deepEqual(d.errors, [], `${file}: YAML errors`);
  return parsed.map((d) => d.toJS() as Obj).filter((o) => o !== null);
}
const allDocs = () => Object.keys(FILES).flatMap(docs);

async function validate(obj: Obj): Promise<void> {
  const key = `${String(obj.apiVersion)}/${String(obj.kind)}`;
  const models: Record<string, () => Promise<new (o: Obj) => { validate(): void }>> = {
    'v1/Namespace': async () => (await import('kubernetes-models/v1')).Namespace as never,
    'v1/ServiceAccount': async () => (await import('kubernetes-models/v1')).ServiceAccount as never,
    'apps/v1/DaemonSet': async () => (await import('kubernetes-models/apps/v1')).DaemonSet as never,
    'node.k8s.io/v1/RuntimeClass': async () =>
      (await import('kubernetes-models/node.k8s.io/v1')).RuntimeClass as never,
  };
  const load = models[key];
  assert.ok(load, `no schema for ${key}`);
  new (await load())(obj).validate();
}

for (const [file, objects] of Object.entries(FILES)) {
  test(`deploy/kubernetes/${file} is exactly what deploy/manifests.ts renders`, () => {
    assert.equal(readFileSync(join(DEPLOY, 'kubernetes', file), 'utf8'), render(objects));
  });
}

test('every manifest object passes the Kubernetes schema and has no unknown field', async () => {
  const objs = allDocs();
  assert.deepEqual(
    objs.map((o) => o.kind),
    ['Namespace', 'ServiceAccount', 'DaemonSet', 'RuntimeClass', 'RuntimeClass', 'RuntimeClass'],
  );
  for (const o of objs) {
    await validate(o);
    assert.deepEqual(unknownFields(o), [], `${String(o.kind)} has unknown fields`);
  }
});

test('the checks catch mistakes: a wrong type fails the schema, a misspelt or misplaced field is reported', async () => {
  const ds = structuredClone(allDocs().find((o) => o.kind === 'DaemonSet')!) as Obj & {
    spec: Obj & { template: { spec: Obj & { containers: Obj[] } } };
  };
  const pod = ds.spec.template.spec;
  await assert.rejects(
    validate({ ...ds, spec: { ...ds.spec, template: { spec: { ...pod, hostPID: 'yes' } } } }),
    /hostPID must be boolean/,
  );
  pod.terminationGracePeriod = 120;
  pod.containers[0]!.volumeMount = [];
  (pod.containers[0]!.readinessProbe as Obj).exec = { cmd: ['test'] };
  ds.spec.hostPID = true;
  assert.deepEqual(unknownFields(ds).sort(), [
    'DaemonSet.spec.hostPID (not a field of IDaemonSetSpec)',
    'DaemonSet.spec.template.spec.containers[0].readinessProbe.exec.cmd (not a field of IExecAction)',
    'DaemonSet.spec.template.spec.containers[0].volumeMount (not a field of IContainer)',
    'DaemonSet.spec.template.spec.terminationGracePeriod (not a field of IPodSpec)',
  ]);
  await validate(ds); // the schema alone accepts all of these
});

test('DaemonSet: hostPID, host mounts for config, socket, /run/nvidia, the install dir and the host root', () => {
  const pod = daemonSet.spec!.template.spec!;
  const c = pod.containers[0]!;
  const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? '']));
  assert.equal(pod.hostPID, true);
  assert.ok(
    (pod.terminationGracePeriodSeconds ?? 30) >= 90,
    'room for a cleanup with engine restart and verification',
  );
  const mounts = new Map((c.volumeMounts ?? []).map((m) => [m.mountPath, m]));
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  const hostPathOf = (inContainer: string) => {
    const m = [...mounts.values()].find(
      (x) => inContainer === x.mountPath || inContainer.startsWith(`${x.mountPath}/`),
    );
    assert.ok(m, `${inContainer} is not on a mounted volume`);
    const hp = volumes.get(m.name)?.hostPath?.path;
    assert.ok(hp, `volume ${m.name} is not a hostPath`);
    return join(hp, inContainer.slice(m.mountPath.length));
  };
  assert.equal(hostPathOf(env.CONTAINERD_CONFIG!), '/etc/containerd/config.toml');
  assert.equal(hostPathOf(env.RUNTIME_DROP_IN_CONFIG!), env.RUNTIME_DROP_IN_CONFIG_HOST_PATH);
  assert.equal(hostPathOf(env.CONTAINERD_SOCKET!), '/run/containerd/containerd.sock');
  assert.equal(hostPathOf(env.TOOLKIT_PID_FILE!), '/run/nvidia/toolkit/toolkit.pid');
  // The runtime binaries are written into the engine config with this path: it must be the same on the host.
  assert.equal(hostPathOf(`${env.TOOLKIT_INSTALL_DIR}/toolkit`), '/usr/local/nvidia/toolkit');
  assert.equal(hostPathOf(env.HOST_ROOT_MOUNT!), '/');
  assert.equal(mounts.get('/host')?.readOnly, true);
  // The readiness file lives in the container's own filesystem, so a new container never sees an old one.
  assert.deepEqual(c.readinessProbe?.exec?.command, ['test', '-f', READY_FILE]);
  assert.equal(env.TOOLKIT_READY_FILE, READY_FILE);
  assert.ok(![...mounts.keys()].some((p) => READY_FILE.startsWith(`${p}/`)));
  assert.deepEqual(c.command, ['nvidia-toolkit']);
});

test('RuntimeClasses nvidia, nvidia-cdi, nvidia-legacy: one per runtime the installer registers', () => {
  const classes = allDocs().filter((o) => o.kind === 'RuntimeClass');
  const names = runtimeSet({ name: 'nvidia', setAsDefault: false, dir: '/usr/local/nvidia/toolkit' }).map(
    (r) => r.name,
  );
  assert.deepEqual(
    classes.map((c) => [(c.metadata as Obj).name, c.handler]),
    names.map((n) => [n, n]),
  );
});

/** Every environment variable `run` reads for some engine (plus TOOLKIT_DEBUG, read globally). */
const KNOWN_ENV = new Set([
  'TOOLKIT_DEBUG',
  ...allRunSpecs().flatMap((s) => s.env ?? []),
  ...ENGINE_NAMES.flatMap((e) => runtimeSpecs(e).flatMap((s) => s.env ?? [])),
]);

test('the env contract: every variable is one the CLI reads, and together they give the intended options', () => {
  for (const e of ENV) assert.ok(KNOWN_ENV.has(e.name), `${e.name} is not read by nvidia-toolkit`);
  const env = Object.fromEntries(ENV.map((e) => [e.name, e.value ?? '']));
  const cmd = runOptionsCommand().argument('[D]').exitOverride();
  cmd.parse(rewriteBoolArgs([], allRunSpecs()).argv, { from: 'user' });
  const o = resolveRunOptions(cmd, [], {
    env,
    explicitBools: new Map(),
    cwd: '/',
    hasRpm: () => false,
    warn: () => {},
  });
  assert.equal(o.engine, 'containerd');
  assert.deepEqual(
    [o.setup.config, o.setup.dropInConfig, o.setup.dropInConfigHostPath, o.setup.socket, o.setup.restartMode],
    [
      '/runtime/config-dir/config.toml',
      '/runtime/config-dir/conf.d/99-nvidia.toml',
      '/etc/containerd/conf.d/99-nvidia.toml',
      '/runtime/sock-dir/containerd.sock',
      'signal',
    ],
  );
  assert.deepEqual([o.setup.runtimeName, o.setup.setAsDefault, o.setup.enableCdi], ['nvidia', false, false]);
  assert.deepEqual(
    [o.installDir, o.pidFile, o.readyFile, o.cleanupOnExit, o.noDaemon],
    ['/usr/local/nvidia', '/run/nvidia/toolkit/toolkit.pid', READY_FILE, false, false],
  );
  assert.deepEqual(
    [o.toolkit.driverRoot, o.toolkit.driverRootCtrPath, o.toolkit.sourceRoot],
    ['/', '/host', '/artifacts/deb'],
  );
});

test('deploy/README.md documents the env contract: its table names only real variables and every manifest one', () => {
  const readme = readFileSync(join(DEPLOY, 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| `([A-Z_]+)`/gm)].map((m) => m[1]!);
  assert.ok(rows.length >= ENV.length);
  for (const r of rows) assert.ok(KNOWN_ENV.has(r), `README lists ${r}, which nvidia-toolkit does not read`);
  for (const e of ENV) assert.ok(rows.includes(e.name), `README does not document ${e.name}`);
});

test('Dockerfile: the bundle plus node, linked as every persona (nvidia-toolkit, toolkit, docker, containerd, crio)', () => {
  const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
  const links = /for name in ([a-z -]+); do/.exec(text)?.[1]?.split(' ') ?? [];
  for (const p of ['ctk-installer', 'nvidia-toolkit', 'toolkit', 'docker', 'containerd', 'crio'])
    assert.ok(links.includes(p), `no ${p} link`);
  // the loader, the two bundles it runs (src/bin.ts) and the addon (src/host/native.ts), side by side
  const copied =
    /COPY --from=build ((?:\/src\/dist\/\S+\s+(?:\\\s+)?)+)\/usr\/local\/lib\/ctk-installer\/\n/.exec(
      text,
    )?.[1];
  for (const f of [
    'ctk-installer.cjs',
    'ctk-installer-all.cjs',
    'ctk-installer-engines.cjs',
    'ctk-native.node',
  ])
    assert.ok(copied?.includes(`/src/dist/${f} `), `the image lacks dist/${f}`);
  // Node 24 LTS (Node 20 is out of support)
  assert.match(text, /^ARG NODE_IMAGE=node:24\.\d+\.\d+-bookworm-slim$/m);
  assert.match(text, /ENTRYPOINT \["nvidia-toolkit"\]/);
});
