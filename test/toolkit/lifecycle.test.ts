/** Bad input changes nothing; delete keeps toolkit.pid; device nodes and the CDI spec come after the tree. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import YAML from 'yaml';
import { HostError } from '../../src/errors';
import { decodeRdev } from '../../src/host/host-fs-api';
import { type CdiGenerator, deleteToolkit, installToolkit } from '../../src/toolkit/install';
import type { CdiRequest } from '../../src/toolkit/plan';
import { makeArtifacts, manifest, modulesFile, optionsWith, tempDir } from './fixture';

const base = tempDir('ctk-lifecycle-');
after(() => fs.rmSync(base, { recursive: true, force: true }));
const src = makeArtifacts(join(base, 'src'));
const modules = modulesFile(join(base, 'modules'), true);
const isRoot = process.getuid?.() === 0;

function opts(root: string, cli: Record<string, unknown> = {}) {
  return optionsWith(
    { toolkitRoot: root, toolkitSourceRoot: src, driverRootCtrPath: join(base, 'nodrv'), ...cli },
    { procModulesPath: modules },
  );
}

/** The parent listing plus the full tree manifest: "nothing changed" means this is identical. */
function snapshot(root: string): string[] {
  const parent = join(root, '..');
  const list = fs.existsSync(parent) ? fs.readdirSync(parent).sort() : [];
  return [...list, '--', ...(fs.existsSync(root) ? manifest(root) : ['(missing)'])];
}

async function rejectsHost(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof HostError, String(e));
    assert.match(e.message, re);
    return true;
  });
}

describe('bad input changes nothing', () => {
  const root = join(base, 'a/toolkit');

  it('a missing artifact fails before the existing toolkit is touched', async () => {
    await installToolkit(opts(root));
    const before = snapshot(root);
    const partial = makeArtifacts(join(base, 'partial'), {
      omit: ['nvidia-container-runtime.cdi'],
      variant: 'v2',
    });
    await rejectsHost(
      installToolkit(opts(root, { toolkitSourceRoot: partial })),
      /missing toolkit artifacts .*nvidia-container-runtime\.cdi/,
    );
    assert.deepEqual(snapshot(root), before);
  });

  it('an unwritable parent directory gives a clear error and leaves the tree as it was', async (t) => {
    const parent = join(base, 'a');
    const before = snapshot(root);
    if (isRoot) {
      // root ignores permission bits; the immutable attribute stops even root
      const r = spawnSync('chattr', ['+i', parent]);
      if (r.status !== 0) {
        if (process.env.CI === 'true') assert.fail(`chattr +i failed: ${r.stderr}`);
        t.skip('chattr +i is not supported here');
        return;
      }
    } else fs.chmodSync(parent, 0o555);
    try {
      await rejectsHost(
        installToolkit(opts(root, { toolkitSourceRoot: src })),
        /permission denied|operation not permitted/i,
      );
    } finally {
      if (isRoot) spawnSync('chattr', ['-i', parent]);
      else fs.chmodSync(parent, 0o755);
    }
    assert.deepEqual(snapshot(root), before);
  });

  it('a toolkit path whose parent is a file fails without creating anything', async () => {
    fs.writeFileSync(join(base, 'file'), 'x');
    await rejectsHost(installToolkit(opts(join(base, 'file/toolkit'))), /not a directory/);
    assert.equal(fs.readFileSync(join(base, 'file'), 'utf8'), 'x');
  });
});

describe('deleteToolkit', () => {
  it('removes the link and its tree; nothing of ours stays beside it', async () => {
    const root = join(base, 'd1/toolkit');
    fs.mkdirSync(join(base, 'd1'));
    fs.writeFileSync(join(base, 'd1/other'), 'keep');
    await installToolkit(opts(root));
    await deleteToolkit(root);
    assert.deepEqual(fs.readdirSync(join(base, 'd1')), ['other']);
  });

  it('keeps toolkit.pid (same inode) and removes everything else', async () => {
    const root = join(base, 'd2/toolkit');
    await installToolkit(opts(root));
    fs.writeFileSync(join(root, 'toolkit.pid'), '77\n');
    const inode = fs.statSync(join(root, 'toolkit.pid')).ino;
    await deleteToolkit(root);
    assert.deepEqual(fs.readdirSync(root), ['toolkit.pid']);
    assert.equal(fs.statSync(join(root, 'toolkit.pid')).ino, inode);
    assert.equal(fs.readdirSync(join(base, 'd2')).length, 2);
  });

  it('a missing tree is not an error', async () => {
    await deleteToolkit(join(base, 'never/installed'));
    await deleteToolkit(join(base, 'never/installed'));
    assert.equal(fs.existsSync(join(base, 'never/installed')), false);
  });

  it('empties a legacy real directory but keeps its toolkit.pid; without one the directory goes', async () => {
    const withPid = join(base, 'd3/toolkit');
    fs.mkdirSync(join(withPid, '.config/x'), { recursive: true });
    fs.writeFileSync(join(withPid, 'nvidia-ctk'), '');
    fs.writeFileSync(join(withPid, 'toolkit.pid'), '1');
    await deleteToolkit(withPid);
    assert.deepEqual(fs.readdirSync(withPid), ['toolkit.pid']);
    const noPid = join(base, 'd4/toolkit');
    fs.mkdirSync(join(noPid, '.config'), { recursive: true });
    await deleteToolkit(noPid);
    assert.equal(fs.existsSync(noPid), false);
  });
});

describe('device nodes and the CDI spec', () => {
  const proc = join(base, 'proc');
  fs.mkdirSync(proc);
  fs.writeFileSync(
    join(proc, 'devices'),
    'Character devices:\n  1 mem\n195 nvidia\n508 nvidia-uvm\n\nBlock devices:\n  7 loop\n',
  );
  const requests: CdiRequest[] = [];
  const generator: CdiGenerator = (req) => {
    requests.push(req);
    return `cdiVersion: 0.5.0\nkind: ${req.vendor}/${req.class}\ndevices:\n  - name: all\n`;
  };

  it('creates the control nodes with majors from /proc/devices, keeps existing ones, writes the spec', {
    skip: !isRoot && 'mknod needs root',
  }, async () => {
    const root = join(base, 'c1/toolkit');
    const devRoot = join(base, 'c1/devroot');
    fs.mkdirSync(join(devRoot, 'dev'), { recursive: true });
    fs.writeFileSync(join(devRoot, 'dev/nvidiactl'), 'pre-existing');
    const out = join(base, 'c1/cdi');
    const result = await installToolkit(
      opts(root, {
        cdiEnabled: true,
        cdiOutputDir: out,
        cdiKind: 'example.com/class',
        devRootCtrPath: devRoot,
        driverRoot: '/host/drv',
      }),
      { procRoot: proc, cdiGenerator: generator },
    );
    assert.equal(fs.readFileSync(join(devRoot, 'dev/nvidiactl'), 'utf8'), 'pre-existing');
    const expected: [string, number, number][] = [
      ['nvidia-modeset', 195, 254],
      ['nvidia-uvm', 508, 0],
      ['nvidia-uvm-tools', 508, 1],
    ];
    assert.deepEqual(
      result.deviceNodes,
      expected.map(([n]) => join(devRoot, 'dev', n)),
    );
    for (const [name, major, minor] of expected) {
      const st = fs.statSync(join(devRoot, 'dev', name));
      assert.ok(st.isCharacterDevice(), name);
      assert.deepEqual(decodeRdev(st.rdev), { major, minor });
      assert.equal(st.mode & 0o777, 0o666);
    }
    const spec = join(out, 'example.com-class.yaml');
    assert.equal(result.cdiSpecPath, spec);
    assert.equal(
      fs.readFileSync(spec, 'utf8'),
      'cdiVersion: 0.5.0\nkind: example.com/class\ndevices:\n  - name: all\n',
    );
    assert.equal(fs.statSync(spec).mode & 0o777, 0o644);
    assert.equal(requests.at(-1)?.nvidiaCdiHookPath, join(root, 'nvidia-cdi-hook'));
    assert.equal(requests.at(-1)?.devRoot, '/host/drv');
  });

  it('with the real generator: finds the nodes this install created and writes the management spec with host paths', {
    skip: !isRoot && 'mknod needs root',
  }, async () => {
    const root = join(base, 'c4/toolkit');
    const drv = join(base, 'c4/driver');
    fs.mkdirSync(drv, { recursive: true });
    const out = join(base, 'c4/cdi');
    const result = await installToolkit(
      opts(root, {
        cdiEnabled: true,
        cdiOutputDir: out,
        driverRoot: '/run/nvidia/driver',
        driverRootCtrPath: drv,
        devRootCtrPath: drv,
      }),
      { procRoot: proc },
    );
    assert.equal(result.cdiSpecPath, join(out, 'management.nvidia.com-gpu.yaml'));
    const spec = YAML.parse(fs.readFileSync(join(out, 'management.nvidia.com-gpu.yaml'), 'utf8'), {
      version: '1.1',
    }) as {
      kind: string;
      devices: { name: string; containerEdits: { deviceNodes: { path: string; hostPath?: string }[] } }[];
      containerEdits: { env?: string[]; hooks?: { path: string }[] };
    };
    assert.equal(spec.kind, 'management.nvidia.com/gpu');
    assert.deepEqual(
      spec.devices.map((d) => d.name),
      ['all'],
    );
    const nodes = spec.devices[0]!.containerEdits.deviceNodes;
    assert.deepEqual(nodes.map((n) => n.path).sort(), [
      '/dev/nvidia-modeset',
      '/dev/nvidia-uvm',
      '/dev/nvidia-uvm-tools',
      '/dev/nvidiactl',
    ]);
    for (const n of nodes) assert.equal(n.hostPath ?? n.path, `/run/nvidia/driver${n.path}`);
    assert.ok(spec.containerEdits.env?.includes('NVIDIA_VISIBLE_DEVICES=void'));
    for (const h of spec.containerEdits.hooks ?? []) assert.equal(h.path, join(root, 'nvidia-cdi-hook'));
  });

  it('a failing CDI step is reported after the complete tree is in place; --ignore-errors turns it into a warning', async () => {
    const root = join(base, 'c2/toolkit');
    const failing: CdiGenerator = () => {
      throw new HostError('no NVIDIA device nodes found');
    };
    const o = { cdiEnabled: true, cdiOutputDir: join(base, 'c2/cdi'), createDeviceNodes: ['none'] };
    await rejectsHost(
      installToolkit(opts(root, o), { cdiGenerator: failing }),
      /no NVIDIA device nodes found/,
    );
    assert.ok(fs.existsSync(join(root, 'nvidia-container-runtime')));
    const result = await installToolkit(opts(root, { ...o, ignoreErrors: true }), { cdiGenerator: failing });
    assert.match(
      result.warnings.join(),
      /CDI spec failed \(ignored: --ignore-errors\): no NVIDIA device nodes found/,
    );
    assert.equal(fs.existsSync(join(base, 'c2/cdi')), false);
  });

  it('no nvidia entry in /proc/devices: a clear error naming the file', async () => {
    const root = join(base, 'c3/toolkit');
    const proc2 = join(base, 'proc2');
    fs.mkdirSync(proc2);
    fs.writeFileSync(join(proc2, 'devices'), 'Character devices:\n  1 mem\n');
    await rejectsHost(
      installToolkit(
        opts(root, {
          cdiEnabled: true,
          cdiOutputDir: join(base, 'c3/cdi'),
          devRootCtrPath: join(base, 'c3/dev'),
        }),
        { procRoot: proc2, cdiGenerator: generator },
      ),
      /proc2\/devices has no "nvidia" character device/,
    );
  });
});
