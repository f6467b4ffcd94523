import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HostError } from '../../src/errors';
import { nodeHostFs } from '../../src/host/host-fs';
import { parseProcDevices } from '../../src/toolkit/devices';
import { locate } from '../../src/toolkit/locate';
import { planInstall } from '../../src/toolkit/plan';
import { makeArtifacts, optionsWith, tempDir } from './fixture';

const base = tempDir('ctk-plan-');
after(() => fs.rmSync(base, { recursive: true, force: true }));
const view = nodeHostFs();

describe('locating artifacts', () => {
  const src = makeArtifacts(join(base, 'src'));

  it('resolves an absolute library link inside the source root, not on this machine', () => {
    const lib = locate(view, src, 'libnvidia-container-go.so.1', ['/usr/lib64'], false);
    assert.deepEqual(lib, {
      name: 'libnvidia-container-go.so.1',
      source: join(src, 'usr/lib64/libnvidia-container-go.so.1.17.8'),
      mode: 0o755,
    });
  });

  it('skips a file without execute bits when looking for an executable, and searches the next directory', () => {
    const s2 = makeArtifacts(join(base, 'src-noexec'), { modes: { 'nvidia-ctk': 0o644 } });
    assert.equal(locate(view, s2, 'nvidia-ctk', ['/usr/bin'], true), undefined);
    fs.mkdirSync(join(s2, 'usr/sbin'), { recursive: true });
    fs.copyFileSync(join(s2, 'usr/bin/nvidia-ctk'), join(s2, 'usr/sbin/nvidia-ctk'));
    fs.chmodSync(join(s2, 'usr/sbin/nvidia-ctk'), 0o700);
    assert.equal(
      locate(view, s2, 'nvidia-ctk', ['/usr/bin', '/usr/sbin'], true)?.source,
      join(s2, 'usr/sbin/nvidia-ctk'),
    );
  });
});

describe('planInstall', () => {
  const src = makeArtifacts(join(base, 'src-plan'));
  const o = (cli: Record<string, unknown>) =>
    optionsWith({
      toolkitRoot: '/usr/local/nvidia/toolkit',
      toolkitSourceRoot: src,
      driverRootCtrPath: join(base, 'nodrv'),
      ...cli,
    });

  it('plans dirs before their files, copies, wrappers, links and the config last among the tree entries', () => {
    const plan = planInstall(o({}), view);
    const kinds = plan.entries.map((e) => `${e.kind}:${e.path}`);
    assert.deepEqual(kinds.slice(0, 2), ['dir:.config', 'dir:.config/nvidia-container-runtime']);
    assert.equal(kinds.at(-1), 'write:.config/nvidia-container-runtime/config.toml');
    assert.ok(kinds.includes('copy:nvidia-container-runtime.real'));
    assert.ok(kinds.includes('write:nvidia-container-runtime'));
    // nvidia-cdi-hook is wrapped like nvidia-ctk (as v1.16–v1.19 did), not copied as a plain file.
    assert.ok(kinds.includes('copy:nvidia-cdi-hook.real'));
    assert.ok(kinds.includes('write:nvidia-cdi-hook'));
    assert.ok(!kinds.includes('copy:nvidia-cdi-hook'));
    assert.equal(plan.cdi, undefined);
    assert.equal(plan.deviceNodes, undefined);
  });

  it('fails before anything is written when artifacts are missing, naming each one', () => {
    const s2 = makeArtifacts(join(base, 'src-missing'), {
      omit: ['nvidia-ctk', 'libnvidia-container-go.so.1'],
    });
    assert.throws(
      () => planInstall(o({ toolkitSourceRoot: s2 }), view),
      (e: unknown) =>
        e instanceof HostError &&
        /nvidia-ctk \(an executable file in/.test(e.message) &&
        /libnvidia-container-go\.so\.1 \(looked in/.test(e.message),
    );
  });

  it('installs a pre-v1.16 tree without nvidia-cdi-hook, unless the CDI spec (whose hooks run it) is wanted', () => {
    const old = makeArtifacts(join(base, 'src-v1.15'), { omit: ['nvidia-cdi-hook'] });
    const plan = planInstall(o({ toolkitSourceRoot: old }), view);
    assert.deepEqual(plan.warnings, []);
    assert.ok(!plan.entries.some((e) => e.path.startsWith('nvidia-cdi-hook')));
    assert.ok(plan.entries.some((e) => e.path === 'nvidia-ctk'));
    assert.throws(
      () => planInstall(o({ toolkitSourceRoot: old, cdiEnabled: true, cdiOutputDir: '/var/run/cdi' }), view),
      (e: unknown) =>
        e instanceof HostError &&
        /nvidia-cdi-hook \(an executable file in .*CDI needs toolkit v1\.16 or later\)/.test(e.message),
    );
  });

  it('with --ignore-errors skips missing artifacts with a warning', () => {
    const s3 = makeArtifacts(join(base, 'src-missing2'), { omit: ['nvidia-container-runtime-hook'] });
    const plan = planInstall(o({ toolkitSourceRoot: s3, ignoreErrors: true }), view);
    assert.match(plan.warnings.join(), /nvidia-container-runtime-hook/);
    assert.ok(
      !plan.entries.some(
        (e) => e.path.startsWith('nvidia-container-runtime-hook') || e.path === 'nvidia-container-toolkit',
      ),
    );
  });

  it('checks ldconfig.real on the host driver root (through its container-side path)', () => {
    const drv = join(base, 'drv');
    fs.mkdirSync(join(drv, 'usr/sbin'), { recursive: true });
    fs.symlinkSync('usr/sbin', join(drv, 'sbin'));
    fs.writeFileSync(join(drv, 'usr/sbin/ldconfig.real'), '');
    const plan = planInstall(o({ driverRoot: '/host/drv', driverRootCtrPath: drv }), view);
    assert.match(plan.configText, /ldconfig = "@\/host\/drv\/sbin\/ldconfig\.real"/);
    assert.match(
      planInstall(o({ driverRoot: '/host/drv' }), view).configText,
      /ldconfig = "@\/host\/drv\/sbin\/ldconfig"/,
    );
  });

  it('with CDI: control nodes under <dev-root-ctr-path>/dev and the spec request with host-side roots', () => {
    const plan = planInstall(
      o({
        cdiEnabled: true,
        cdiOutputDir: '/var/run/cdi',
        cdiKind: 'example.com/class',
        driverRoot: '/host/driver',
        devRootCtrPath: '/ctr/dev-root',
      }),
      view,
    );
    assert.equal(plan.deviceNodes?.dir, '/ctr/dev-root/dev');
    assert.deepEqual(
      plan.deviceNodes?.nodes.map((n) => n.name),
      ['nvidiactl', 'nvidia-modeset', 'nvidia-uvm', 'nvidia-uvm-tools'],
    );
    assert.deepEqual(plan.cdi, {
      vendor: 'example.com',
      class: 'class',
      outputPath: '/var/run/cdi/example.com-class.yaml',
      driverRootCtrPath: join(base, 'nodrv'),
      devRootCtrPath: '/ctr/dev-root',
      driverRoot: '/host/driver',
      devRoot: '/host/driver',
      nvidiaCdiHookPath: '/usr/local/nvidia/toolkit/nvidia-cdi-hook',
    });
    assert.equal(
      planInstall(o({ cdiEnabled: true, createDeviceNodes: ['none'] }), view).deviceNodes,
      undefined,
    );
    assert.equal(planInstall(o({ cdiEnabled: true }), view).deviceNodes?.dir, '/dev');
  });
});

describe('parseProcDevices', () => {
  it('reads character majors only', () => {
    const text =
      'Character devices:\n  1 mem\n195 nvidia-frontend\n195 nvidia\n 508 nvidia-uvm\n\nBlock devices:\n  7 loop\n259 blkext\n';
    const m = parseProcDevices(text);
    assert.equal(m.get('nvidia'), 195);
    assert.equal(m.get('nvidia-uvm'), 508);
    assert.equal(m.get('loop'), undefined);
  });
});
