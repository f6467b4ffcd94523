/**
 * `doctor` against a real containerd 1.6: a healthy node exits 0 and doctor changes nothing; each broken
 * state a node really ends up in is named by the check that explains it, with exit 1.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCliAsync } from '../helpers/cli';
import { type ContainerdHandle, containerdConfig, requireBinary, startContainerd } from '../helpers/daemons';
import { check, doctor, failing, type Kit, makeKit, snapshot } from './node';

const available = requireBinary('containerd');
const kits: Kit[] = [];
const daemons: ContainerdHandle[] = [];
after(async () => {
  for (const d of daemons) await d.stop();
  for (const k of kits) rmSync(k.dir, { recursive: true, force: true });
});

async function node(): Promise<{ kit: Kit; ctd: ContainerdHandle }> {
  const kit = makeKit();
  kits.push(kit);
  const ctd = await startContainerd();
  daemons.push(ctd);
  return { kit, ctd };
}

async function setup(ctd: ContainerdHandle, kit: Kit, extra: string[] = [], restart = true): Promise<void> {
  const r = await runCliAsync([
    'containerd',
    'setup',
    '--restart-mode=none',
    `--config=${ctd.configPath}`,
    ...extra,
    kit.runtimeDir,
  ]);
  assert.equal(r.status, 0, r.stderr);
  if (restart) await ctd.restart();
}

const args = (ctd: ContainerdHandle, kit: Kit, config = ctd.configPath) => [
  '--runtime=containerd',
  `--config=${config}`,
  `--socket=${ctd.socket}`,
  `--cdi-spec-dir=${kit.cdiDir}`,
];

describe('doctor with a real containerd', { skip: !available }, () => {
  test('healthy node: exit 0, every runtime declared, loaded and present; nothing written, nothing restarted', async () => {
    const { kit, ctd } = await node();
    await setup(ctd, kit);
    const before = snapshot([ctd.dir, kit.dir], [ctd.paths.root, ctd.paths.state, ctd.paths.logPath]);
    const pid = ctd.pid;
    const r = await doctor(args(ctd, kit));
    assert.equal(r.status, 0, `${r.stderr}\n${JSON.stringify(r.report.checks, null, 2)}`);
    assert.equal(r.report.schema, 'ctk-installer/doctor/v1');
    assert.equal(r.report.ok, true);
    assert.match(check(r.report, 'engine').summary, /^containerd 1\.\d+\.\d+\S* answers on /);
    assert.equal(check(r.report, 'engine-config').status, 'ok');
    assert.match(
      check(r.report, 'runtimes-declared').summary,
      new RegExp(`nvidia \\(${ctd.configPath}\\), nvidia-cdi \\(${ctd.configPath}\\)`),
    );
    assert.equal(check(r.report, 'runtimes-loaded').status, 'ok');
    assert.equal(check(r.report, 'toolkit-wrappers').status, 'ok');
    assert.equal(check(r.report, 'drift').status, 'ok');
    assert.deepEqual(
      snapshot([ctd.dir, kit.dir], [ctd.paths.root, ctd.paths.state, ctd.paths.logPath]),
      before,
    );
    assert.equal(ctd.pid, pid);
    assert.equal(ctd.exits.length, 1, 'only the restart the test made');
  });

  test('runtimes in the file, containerd not restarted: runtimes-loaded names the file and the times', async () => {
    const { kit, ctd } = await node();
    await setup(ctd, kit, [], false);
    const r = await doctor(args(ctd, kit));
    assert.equal(r.status, 1);
    assert.deepEqual(failing(r.report), ['runtimes-loaded']);
    const c = check(r.report, 'runtimes-loaded');
    assert.match(
      c.summary,
      /^nvidia, nvidia-cdi, nvidia-legacy declared in the file but not loaded: containerd \(pid \d+\) started \S+, before the change at \S+$/,
    );
    assert.match(c.fix ?? '', /restart containerd/);
    assert.match(r.stderr, /level=error msg="doctor: 1 check\(s\) failed: runtimes-loaded"/);
  });

  test('a drop-in the main file does not import (kubespray owns config.toml): imports names the file', async () => {
    const { kit, ctd } = await node();
    const dropIn = join(ctd.dir, 'conf.d', '99-nvidia.toml');
    mkdirSync(dirname(dropIn));
    const table = '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia';
    writeFileSync(
      dropIn,
      `version = 2\n${table}]\n  runtime_type = "io.containerd.runc.v2"\n${table}.options]\n  BinaryName = "${kit.runtimeDir}/nvidia-container-runtime"\n`,
    );
    const r = await doctor(args(ctd, kit));
    assert.equal(r.status, 1);
    assert.deepEqual(failing(r.report), ['imports', 'runtimes-declared']);
    assert.equal(
      check(r.report, 'imports').summary,
      `${dropIn} declares nvidia but containerd does not read it (no imports)`,
    );
  });

  test('relative import that resolves to nothing: imports says against which directory', async () => {
    const { kit, ctd } = await node();
    const dropIn = join(ctd.dir, 'conf.d', '99-nvidia.toml');
    await setup(ctd, kit, [`--drop-in-config=${dropIn}`]);
    const main = readFileSync(ctd.configPath, 'utf8');
    assert.match(main, /^imports = \[.*\]$/m);
    writeFileSync(
      ctd.configPath,
      main.replace(/^imports = \[.*\]$/m, 'imports = ["../conf.d/99-nvidia.toml"]'),
    );
    const r = await doctor(args(ctd, kit));
    assert.equal(r.status, 1);
    assert.ok(failing(r.report).includes('imports'));
    const c = check(r.report, 'imports');
    assert.ok(
      c.summary.startsWith(
        `import "../conf.d/99-nvidia.toml" resolves to ${join(ctd.dir, '..', 'conf.d', '99-nvidia.toml')}, which does not exist (a relative import`,
      ),
      c.summary,
    );
  });

  test('a runtime binary missing: runtime-binaries names the runtime and the path', async () => {
    const { kit, ctd } = await node();
    await setup(ctd, kit);
    unlinkSync(join(kit.runtimeDir, 'nvidia-container-runtime.cdi'));
    const r = await doctor(args(ctd, kit));
    assert.equal(r.status, 1);
    assert.deepEqual(failing(r.report), ['runtime-binaries']);
    assert.equal(
      check(r.report, 'runtime-binaries').summary,
      `nvidia-cdi: ${kit.runtimeDir}/nvidia-container-runtime.cdi does not exist`,
    );
  });

  test('toolkit wrapper whose .real is gone: toolkit-wrappers names it', async () => {
    const { kit, ctd } = await node();
    await setup(ctd, kit);
    unlinkSync(join(kit.runtimeDir, 'nvidia-container-runtime.real'));
    const r = await doctor(args(ctd, kit));
    assert.equal(r.status, 1);
    assert.deepEqual(failing(r.report), ['toolkit-wrappers']);
    assert.match(
      check(r.report, 'toolkit-wrappers').summary,
      /nvidia-container-runtime is a toolkit wrapper whose .*nvidia-container-runtime\.real is missing$/,
    );
  });

  test('an invalid CDI spec: cdi-specs names the file and the rule', async () => {
    const { kit, ctd } = await node();
    await setup(ctd, kit);
    writeFileSync(join(kit.cdiDir, 'broken.yaml'), 'cdiVersion: "0.5.0"\nkind: nvidia.com\ndevices: []\n');
    const r = await doctor(args(ctd, kit));
    assert.equal(r.status, 1);
    assert.deepEqual(failing(r.report), ['cdi-specs']);
    assert.match(
      check(r.report, 'cdi-specs').summary,
      new RegExp(`^${kit.cdiDir}/broken\\.yaml is not a valid CDI spec: `),
    );
  });

  test('a CDI device whose node does not exist: cdi-devices names device and node', async () => {
    const { kit, ctd } = await node();
    await setup(ctd, kit);
    const spec = {
      cdiVersion: '0.5.0',
      kind: 'nvidia.com/mig',
      devices: [
        {
          name: '0:1',
          containerEdits: { deviceNodes: [{ path: '/dev/nvidia-caps/nvidia-cap-doctor-test' }] },
        },
      ],
    };
    writeFileSync(join(kit.cdiDir, 'mig.json'), JSON.stringify(spec));
    const r = await doctor(args(ctd, kit));
    assert.equal(r.status, 1);
    assert.deepEqual(failing(r.report), ['cdi-devices']);
    assert.match(
      check(r.report, 'cdi-devices').summary,
      /nvidia\.com\/mig=0:1 needs \/dev\/nvidia-caps\/nvidia-cap-doctor-test, which does not exist$/,
    );
  });

  test('CDI enabled in the file but not in containerd while nvidia-cdi is configured: cdi-engine', async () => {
    const { kit, ctd } = await node();
    await setup(ctd, kit, ['--enable-cdi-in-runtime']);
    assert.match(readFileSync(ctd.configPath, 'utf8'), /enable_cdi = true/);
    const r = await doctor(args(ctd, kit));
    assert.equal(r.status, 1);
    assert.deepEqual(failing(r.report), ['cdi-engine']);
    assert.match(
      check(r.report, 'cdi-engine').summary,
      /^CDI is disabled in containerd while nvidia-cdi is configured: /,
    );
  });

  test('config overwritten after setup (kubespray): drift names the lost entries', async () => {
    const { kit, ctd } = await node();
    await setup(ctd, kit);
    writeFileSync(ctd.configPath, containerdConfig(ctd.paths));
    await ctd.restart();
    const r = await doctor(args(ctd, kit));
    assert.equal(r.status, 1);
    assert.deepEqual(failing(r.report), ['runtimes-declared', 'drift']);
    assert.match(
      check(r.report, 'drift').summary,
      new RegExp(`^${ctd.configPath} was overwritten after setup`),
    );
    assert.match(check(r.report, 'drift').evidence.join('\n'), /lost .*runtimes\.nvidia/);
  });

  test('two containerds, the runtimes written to the file the other one reads: engine-config', async () => {
    const { kit, ctd } = await node();
    const other = await startContainerd();
    daemons.push(other);
    await setup(ctd, kit);
    const r = await doctor([
      '--runtime=containerd',
      `--config=${ctd.configPath}`,
      `--socket=${other.socket}`,
      `--cdi-spec-dir=${kit.cdiDir}`,
    ]);
    assert.equal(r.status, 1);
    assert.ok(failing(r.report).includes('engine-config'));
    assert.equal(
      check(r.report, 'engine-config').summary,
      `containerd (pid ${other.pid}) reads ${other.configPath}, not ${ctd.configPath}`,
    );
  });

  test('--runtime auto with --socket finds containerd by its protocol', async () => {
    const { kit, ctd } = await node();
    await setup(ctd, kit);
    const r = await doctor([
      `--config=${ctd.configPath}`,
      `--socket=${ctd.socket}`,
      `--cdi-spec-dir=${kit.cdiDir}`,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.report.engines[0]?.engine, 'containerd');
  });
});
