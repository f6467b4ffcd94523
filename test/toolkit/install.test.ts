import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'smol-toml';
import { installToolkit } from '../../src/toolkit/install';
import { inspectRoot, recoverInterrupted } from '../../src/toolkit/tree';
import { hashFile, makeArtifacts, manifest, modulesFile, optionsWith, runWrapper, tempDir } from './fixture';

const base = tempDir('ctk-install-');
after(() => fs.rmSync(base, { recursive: true, force: true }));
const src1 = makeArtifacts(join(base, 'src1'), { modes: { 'nvidia-ctk': 0o750 } });
const src2 = makeArtifacts(join(base, 'src2'), { variant: 'v2' });
const loaded = modulesFile(join(base, 'modules'), true);
const notLoaded = modulesFile(join(base, 'modules-none'), false);
const drv = join(base, 'drv');
fs.mkdirSync(join(drv, 'sbin'), { recursive: true });

function opts(root: string, cli: Record<string, unknown> = {}, modules = loaded) {
  return optionsWith(
    {
      toolkitRoot: root,
      toolkitSourceRoot: src1,
      driverRoot: '/host/driver',
      driverRootCtrPath: drv,
      ...cli,
    },
    { procModulesPath: modules },
  );
}

describe('installToolkit', () => {
  const root = join(base, 'usr/local/nvidia/toolkit');

  it('installs every file, link and mode of the tree', async () => {
    const result = await installToolkit(opts(root));
    const lines = manifest(root);
    const hashOf = (rel: string) => lines.find((l) => l.startsWith(`${rel} `))?.split(' ')[2];
    const names = lines.map((l) => l.split(' ').slice(0, 2).join(' '));
    assert.deepEqual(names, [
      '.config/ 755',
      '.config/nvidia-container-runtime/ 755',
      '.config/nvidia-container-runtime/config.toml 644',
      'libnvidia-container-go.so.1 ->',
      'libnvidia-container-go.so.1.17.8 755',
      'libnvidia-container.so.1 ->',
      'libnvidia-container.so.1.17.8 644',
      'nvidia-cdi-hook 755',
      'nvidia-cdi-hook.real 755',
      'nvidia-container-cli 755',
      'nvidia-container-cli.real 755',
      'nvidia-container-runtime 755',
      'nvidia-container-runtime-hook 755',
      'nvidia-container-runtime-hook.real 755',
      'nvidia-container-runtime.cdi 755',
      'nvidia-container-runtime.cdi.real 755',
      'nvidia-container-runtime.legacy 755',
      'nvidia-container-runtime.legacy.real 755',
      'nvidia-container-runtime.real 755',
      'nvidia-container-toolkit ->',
      // .real keeps the source mode; the wrapper adds the execute bits
      'nvidia-ctk 751',
      'nvidia-ctk.real 750',
    ]);
    assert.equal(fs.readlinkSync(join(root, 'libnvidia-container.so.1')), 'libnvidia-container.so.1.17.8');
    assert.equal(
      fs.readlinkSync(join(root, 'libnvidia-container-go.so.1')),
      'libnvidia-container-go.so.1.17.8',
    );
    assert.equal(fs.readlinkSync(join(root, 'nvidia-container-toolkit')), 'nvidia-container-runtime-hook');
    // copies are byte-identical to the (resolved) sources
    assert.equal(
      hashOf('nvidia-container-runtime.real'),
      hashFile(join(src1, 'usr/bin/nvidia-container-runtime')),
    );
    assert.equal(hashOf('nvidia-cdi-hook.real'), hashFile(join(src1, 'usr/bin/nvidia-cdi-hook')));
    assert.equal(
      fs.readFileSync(join(root, 'libnvidia-container-go.so.1.17.8'), 'utf8'),
      'ELF fake libnvidia-container-go v1\n',
    );
    // the toolkit path is a relative link to a complete sibling tree
    const link = fs.readlinkSync(root);
    assert.match(link, /^\.toolkit\.ctk-\d+-[0-9a-f]+$/);
    assert.equal(result.tree, join(base, 'usr/local/nvidia', link));
    assert.deepEqual(fs.readdirSync(join(base, 'usr/local/nvidia')).sort(), [link, 'toolkit'].sort());
  });

  it('writes the config keys of §4.3 into the tree', () => {
    const c = parse(
      fs.readFileSync(join(root, '.config/nvidia-container-runtime/config.toml'), 'utf8'),
    ) as Record<string, Record<string, unknown>>;
    assert.equal(c['nvidia-container-cli']!.root, '/host/driver');
    assert.equal(c['nvidia-container-cli']!.path, `${root}/nvidia-container-cli`);
    assert.equal(c['nvidia-container-cli']!.ldconfig, '@/host/driver/sbin/ldconfig');
    assert.equal(c['nvidia-ctk']!.path, `${root}/nvidia-ctk`);
    assert.equal(c['nvidia-container-runtime-hook']!.path, `${root}/nvidia-container-runtime-hook`);
    assert.equal(c['nvidia-container-runtime-hook']!['skip-mode-detection'], true);
  });

  it('runs each wrapper: the real binary with the toolkit environment, arguments exactly', () => {
    const args = ['create', '--bundle', '/run/x y', "it's", '$PATH', '`id`', ''];
    const env = {
      PATH: '/usr/bin:/bin',
      LD_LIBRARY_PATH: '/opt/lib',
      KEEP: 'a b $c',
      XDG_CONFIG_HOME: '/home/x',
    };
    const config = `${root}/.config/nvidia-container-runtime/config.toml`;
    // v1.13–v1.17 runtimes read $XDG_CONFIG_HOME/nvidia-container-runtime/config.toml, v1.18+ the variable.
    const runtimeEnv = { NVIDIA_CTK_CONFIG_FILE_PATH: config, XDG_CONFIG_HOME: `${root}/.config` };
    // v1.13–v1.17 hooks read only the file named by -config.
    const hookEnv = { NVIDIA_CTK_CONFIG_FILE_PATH: config, XDG_CONFIG_HOME: '/home/x' };
    const hookArgs = ['-config', config, ...args];
    const untouched = { NVIDIA_CTK_CONFIG_FILE_PATH: undefined, XDG_CONFIG_HOME: '/home/x' };
    const cases: [string, string, Record<string, string | undefined>, string[]][] = [
      ['nvidia-container-runtime', 'nvidia-container-runtime', runtimeEnv, args],
      ['nvidia-container-runtime.cdi', 'nvidia-container-runtime.cdi', runtimeEnv, args],
      ['nvidia-container-runtime.legacy', 'nvidia-container-runtime.legacy', runtimeEnv, args],
      ['nvidia-container-runtime-hook', 'nvidia-container-runtime-hook', hookEnv, hookArgs],
      ['nvidia-container-toolkit', 'nvidia-container-runtime-hook', hookEnv, hookArgs],
      [
        'nvidia-container-cli',
        'nvidia-container-cli',
        { ...untouched, LD_LIBRARY_PATH: `${root}:/opt/lib` },
        args,
      ],
      ['nvidia-ctk', 'nvidia-ctk', { ...untouched, LD_LIBRARY_PATH: '/opt/lib' }, args],
      ['nvidia-cdi-hook', 'nvidia-cdi-hook', { ...untouched, LD_LIBRARY_PATH: '/opt/lib' }, args],
    ];
    for (const [file, real, expected, realArgs] of cases) {
      const r = runWrapper('/bin/sh', join(root, file), args, env, base);
      assert.equal(r.status, 0, `${file}: ${r.stderr}`);
      assert.equal(r.stdout, `fake:${real}:v1\n`, file);
      assert.deepEqual(r.args, realArgs, file);
      assert.equal(r.env?.get('PATH'), `${root}:/usr/bin:/bin`, file);
      assert.equal(r.env?.get('KEEP'), 'a b $c', file);
      for (const [k, v] of Object.entries(expected)) assert.equal(r.env?.get(k), v, `${file} ${k}`);
    }
  });

  it('reinstalls over the existing toolkit: new content, same toolkit.pid inode, no leftovers', async () => {
    const pid = join(root, 'toolkit.pid');
    fs.writeFileSync(pid, '4242\n');
    const inode = fs.statSync(pid).ino;
    const before = fs.readlinkSync(root);
    await installToolkit(opts(root, { toolkitSourceRoot: src2 }));
    const now = fs.readlinkSync(root);
    assert.notEqual(now, before);
    assert.equal(fs.statSync(pid).ino, inode);
    assert.equal(fs.readFileSync(pid, 'utf8'), '4242\n');
    assert.equal(
      runWrapper('/bin/sh', join(root, 'nvidia-ctk'), [], {}, base).stdout,
      'fake:nvidia-ctk:v2\n',
    );
    assert.deepEqual(fs.readdirSync(join(base, 'usr/local/nvidia')).sort(), [now, 'toolkit'].sort());
  });

  it('runtime wrappers fall back to the first configured low-level runtime when the module is not loaded', async () => {
    const r2 = join(base, 'fallback/toolkit');
    const runc = join(src1, 'usr/bin/nvidia-cdi-hook'); // any fake program will do as "runc"
    await installToolkit(opts(r2, { runtimeRuntimes: [runc, 'crun'] }, notLoaded));
    for (const name of [
      'nvidia-container-runtime',
      'nvidia-container-runtime.cdi',
      'nvidia-container-runtime.legacy',
    ]) {
      const r = runWrapper('/bin/sh', join(r2, name), ['state', 'a b'], { PATH: '/usr/bin:/bin' }, base);
      assert.equal(r.stdout, 'fake:nvidia-cdi-hook:v1\n', name);
      assert.equal(r.stderr, `nvidia driver modules are not yet loaded, invoking ${runc} directly\n`);
      assert.deepEqual(r.args, ['state', 'a b']);
      assert.equal(r.env?.get('PATH'), '/usr/bin:/bin');
    }
    // the other wrappers have no module check
    assert.equal(runWrapper('/bin/sh', join(r2, 'nvidia-ctk'), [], {}, base).stdout, 'fake:nvidia-ctk:v1\n');
  });

  it('quotes a toolkit root containing a space, a quote and a dollar sign', async () => {
    const odd = join(base, `odd dir/it's $HOME`, 'toolkit');
    await installToolkit(opts(odd));
    const r = runWrapper('/bin/sh', join(odd, 'nvidia-container-runtime'), ['x'], { PATH: '/bin' }, base);
    assert.equal(r.stdout, 'fake:nvidia-container-runtime:v1\n', r.stderr);
    assert.equal(r.env?.get('PATH'), `${odd}:/bin`);
    assert.equal(
      r.env?.get('NVIDIA_CTK_CONFIG_FILE_PATH'),
      `${odd}/.config/nvidia-container-runtime/config.toml`,
    );
    assert.equal(r.env?.get('XDG_CONFIG_HOME'), `${odd}/.config`);
    const hook = runWrapper('/bin/sh', join(odd, 'nvidia-container-toolkit'), ['prestart'], {}, base);
    assert.deepEqual(hook.args, [
      '-config',
      `${odd}/.config/nvidia-container-runtime/config.toml`,
      'prestart',
    ]);
    const c = parse(
      fs.readFileSync(join(odd, '.config/nvidia-container-runtime/config.toml'), 'utf8'),
    ) as Record<string, Record<string, unknown>>;
    assert.equal(c['nvidia-ctk']!.path, `${odd}/nvidia-ctk`);
  });

  it('migrates a real directory (the original installer\u2019s tree) to a link, keeping toolkit.pid', async () => {
    const legacy = join(base, 'legacy/toolkit');
    fs.mkdirSync(join(legacy, '.config'), { recursive: true });
    fs.writeFileSync(join(legacy, 'nvidia-container-runtime'), '#! /bin/sh\nold\n');
    fs.writeFileSync(join(legacy, 'toolkit.pid'), '1\n');
    const inode = fs.statSync(join(legacy, 'toolkit.pid')).ino;
    await installToolkit(opts(legacy));
    assert.ok(fs.lstatSync(legacy).isSymbolicLink());
    assert.equal(fs.statSync(join(legacy, 'toolkit.pid')).ino, inode);
    assert.equal(
      runWrapper('/bin/sh', join(legacy, 'nvidia-ctk'), [], {}, base).stdout,
      'fake:nvidia-ctk:v1\n',
    );
    assert.deepEqual(fs.readdirSync(join(base, 'legacy')).length, 2);
  });

  it('puts a legacy tree back when a run was killed between its two renames', () => {
    const r3 = join(base, 'killed/toolkit');
    fs.mkdirSync(join(base, 'killed/.toolkit.ctk-old-2147483646-abcdef'), { recursive: true });
    fs.writeFileSync(join(base, 'killed/.toolkit.ctk-old-2147483646-abcdef/nvidia-ctk'), 'old');
    const layout = recoverInterrupted(inspectRoot(r3));
    assert.equal(layout.state.kind, 'dir');
    assert.equal(fs.readFileSync(join(r3, 'nvidia-ctk'), 'utf8'), 'old');
  });

  it('removes leftovers of killed runs but not those of a live process', async () => {
    const r4 = join(base, 'stale/toolkit');
    const parent = join(base, 'stale');
    fs.mkdirSync(join(parent, '.toolkit.ctk-2147483646-aaaa'), { recursive: true });
    fs.symlinkSync('.toolkit.ctk-2147483646-aaaa', join(parent, '.toolkit.ctk-link-2147483646-bbbb'));
    fs.mkdirSync(join(parent, `.toolkit.ctk-${process.ppid}-cccc`));
    fs.mkdirSync(join(parent, 'unrelated'));
    await installToolkit(opts(r4));
    assert.deepEqual(
      fs.readdirSync(parent).sort(),
      [fs.readlinkSync(r4), `.toolkit.ctk-${process.ppid}-cccc`, 'toolkit', 'unrelated'].sort(),
    );
  });

  it('follows a foreign symlink at the toolkit path and manages the tree where it points', async () => {
    const real = join(base, 'opt/nv/toolkit');
    fs.mkdirSync(real, { recursive: true });
    const r5 = join(base, 'link-parent/toolkit');
    fs.mkdirSync(join(base, 'link-parent'));
    fs.symlinkSync(real, r5);
    await installToolkit(opts(r5));
    assert.equal(fs.readlinkSync(r5), real);
    assert.match(fs.readlinkSync(real), /^\.toolkit\.ctk-/);
    const r = runWrapper('/bin/sh', join(r5, 'nvidia-ctk'), [], { PATH: '/bin' }, base);
    assert.equal(r.env?.get('PATH'), `${r5}:/bin`);
  });
});
