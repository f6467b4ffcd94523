import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UsageError } from '../../src/errors';
import { lowLevelRuntime, renderWrapper, shellQuote } from '../../src/toolkit/wrapper';
import { fakeProgram, modulesFile, runWrapper, tempDir } from './fixture';

const dir = tempDir('ctk-wrapper-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// dash and bash are both required: a missing one fails the test instead of skipping it.
const SHELLS = ['/bin/sh', '/bin/dash', '/bin/bash'];
const NASTY_ARGS = [
  'plain',
  'two words',
  "it's",
  '"double"',
  '$HOME',
  '`id`',
  '$(id)',
  'back\\slash',
  '',
  '*',
  'line\nbreak',
  '-e',
];

function install(name: string, content: string): string {
  const p = join(dir, name);
  fs.writeFileSync(p, content, { mode: 0o755 });
  return p;
}

describe('shellQuote', () => {
  it('single-quotes and escapes single quotes', () => {
    assert.equal(shellQuote('/usr/local/nvidia/toolkit', 'x'), "'/usr/local/nvidia/toolkit'");
    assert.equal(shellQuote("a'b", 'x'), `'a'\\''b'`);
    assert.equal(shellQuote('$PATH `x` "y"', 'x'), `'$PATH \`x\` "y"'`);
  });
  it('refuses a newline or NUL and names the origin', () => {
    assert.throws(
      () => shellQuote('/a\n/b', '--toolkit-root'),
      (e: unknown) => e instanceof UsageError && /--toolkit-root contains a newline/.test(e.message),
    );
    assert.throws(
      () => shellQuote('/a\0b', '--toolkit-root'),
      (e: unknown) => e instanceof UsageError && /--toolkit-root contains a NUL/.test(e.message),
    );
  });
});

describe('renderWrapper', () => {
  it('renders the runtime wrapper: module check, sorted quoted exports, exec of the .real binary', () => {
    const text = renderWrapper({
      target: '/r/nvidia-container-runtime.real',
      env: {
        PATH: { kind: 'prepend', value: '/r', variable: 'PATH' },
        NVIDIA_CTK_CONFIG_FILE_PATH: {
          kind: 'literal',
          value: '/r/.config/nvidia-container-runtime/config.toml',
        },
      },
      moduleCheck: { modulesPath: '/proc/modules', fallback: 'runc' },
    });
    assert.equal(
      text,
      [
        '#! /bin/sh',
        `( IFS=' '; while read -r m r; do [ "$m" = nvidia ] && exit 0; done; exit 1 ) 2>/dev/null <'/proc/modules' || {`,
        `\tprintf '%s\\n' 'nvidia driver modules are not yet loaded, invoking runc directly' >&2`,
        `\texec 'runc' "$@"`,
        '}',
        `export NVIDIA_CTK_CONFIG_FILE_PATH='/r/.config/nvidia-container-runtime/config.toml'`,
        `export PATH='/r'"\${PATH:+:$PATH}"`,
        `exec '/r/nvidia-container-runtime.real' "$@"`,
        '',
      ].join('\n'),
    );
  });

  it('renders a plain wrapper without the module check', () => {
    const text = renderWrapper({
      target: '/r/nvidia-ctk.real',
      env: { PATH: { kind: 'prepend', value: '/r', variable: 'PATH' } },
    });
    assert.equal(text, `#! /bin/sh\nexport PATH='/r'"\${PATH:+:$PATH}"\nexec '/r/nvidia-ctk.real' "$@"\n`);
  });

  it('puts leading arguments, each single-quoted, before the caller’s', () => {
    const text = renderWrapper({ target: '/r/hook.real', env: {}, args: ['-config', "/r/it's.toml"] });
    assert.equal(text, `#! /bin/sh\nexec '/r/hook.real' '-config' '/r/it'\\''s.toml' "$@"\n`);
  });

  it('refuses a newline in any baked-in value, naming its origin', () => {
    const base = { target: '/r/x.real', env: {} };
    assert.throws(
      () => renderWrapper({ ...base, target: '/r\n/x.real', origins: { target: '--toolkit-root' } }),
      /--toolkit-root contains a newline/,
    );
    assert.throws(
      () =>
        renderWrapper({
          ...base,
          moduleCheck: { modulesPath: '/proc/modules', fallback: 'ru\nnc' },
          origins: { fallback: '--nvidia-container-runtime.runtimes' },
        }),
      /--nvidia-container-runtime.runtimes contains a newline/,
    );
    assert.throws(
      () => renderWrapper({ ...base, args: ['-config', '/a\nb'], origins: { args: '--toolkit-root' } }),
      /--toolkit-root contains a newline/,
    );
    assert.throws(
      () =>
        renderWrapper({
          ...base,
          env: { A: { kind: 'literal', value: 'x\ny' } },
          origins: { env: { A: '--driver-root' } },
        }),
      /--driver-root contains a newline/,
    );
  });

  it('picks the low-level runtime: first configured, else crun for cri-o, else runc', () => {
    assert.equal(lowLevelRuntime(['/usr/bin/crun', 'runc']), '/usr/bin/crun');
    assert.equal(lowLevelRuntime([], 'crio'), 'crun');
    assert.equal(lowLevelRuntime([], 'containerd'), 'runc');
    assert.equal(lowLevelRuntime([]), 'runc');
  });
});

describe('wrappers executed by /bin/sh', () => {
  // A directory name with a space, a quote and a dollar sign: every baked-in path must survive quoting.
  const root = join(dir, `tool kit 'q' $HOME`);
  fs.mkdirSync(root);
  const real = join(root, 'prog.real');
  fs.writeFileSync(real, fakeProgram('prog'), { mode: 0o755 });
  const fallback = join(root, 'low level runc');
  fs.writeFileSync(fallback, fakeProgram('fallback'), { mode: 0o755 });
  const withNvidia = modulesFile(join(dir, 'modules-nvidia'), true);
  const without = modulesFile(join(dir, 'modules-none'), false);

  const wrapper = (modules: string) =>
    install(
      `wrapper-${modules.endsWith('nvidia') ? 'a' : 'b'}`,
      renderWrapper({
        target: real,
        env: {
          PATH: { kind: 'prepend', value: root, variable: 'PATH' },
          LD_LIBRARY_PATH: { kind: 'prepend', value: root, variable: 'LD_LIBRARY_PATH' },
          NVIDIA_CTK_CONFIG_FILE_PATH: { kind: 'literal', value: join(root, 'cfg "x".toml') },
        },
        moduleCheck: { modulesPath: modules, fallback },
      }),
    );
  const loaded = wrapper(withNvidia);
  const notLoaded = wrapper(without);
  const callerEnv = {
    PATH: '/usr/bin:/bin',
    LD_LIBRARY_PATH: '',
    WEIRD: 'a \'b\' "c" $d `e`\nf',
    m: 'keep-me',
    r: 'me-too',
  };

  for (const shell of SHELLS) {
    it(`${shell}: passes every argument and the environment through exactly`, () => {
      const r = runWrapper(shell, loaded, NASTY_ARGS, callerEnv, dir);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'fake:prog\n');
      assert.deepEqual(r.args, NASTY_ARGS);
      assert.equal(r.env?.get('WEIRD'), callerEnv.WEIRD);
      // The module check's variables never leak into (or clobber) the environment passed on.
      assert.equal(r.env?.get('m'), 'keep-me');
      assert.equal(r.env?.get('r'), 'me-too');
      assert.equal(r.env?.get('PATH'), `${root}:/usr/bin:/bin`);
      // An empty LD_LIBRARY_PATH must not become "root:" (an empty entry means the current directory).
      assert.equal(r.env?.get('LD_LIBRARY_PATH'), root);
      assert.equal(r.env?.get('NVIDIA_CTK_CONFIG_FILE_PATH'), join(root, 'cfg "x".toml'));
    });

    it(`${shell}: leading arguments come first, exactly, then every caller argument`, () => {
      const lead = ['-config', join(root, 'cfg "x".toml'), ''];
      const w = install(
        `wrapper-args-${shell.replaceAll('/', '_')}`,
        renderWrapper({ target: real, env: {}, args: lead }),
      );
      const r = runWrapper(shell, w, NASTY_ARGS, callerEnv, dir);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.args, [...lead, ...NASTY_ARGS]);
    });

    it(`${shell}: an empty or unset list variable gets only the toolkit dir (no empty entry)`, () => {
      const r = runWrapper(shell, loaded, ['x'], { PATH: '' }, dir);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.env?.get('PATH'), root);
      assert.equal(r.env?.get('LD_LIBRARY_PATH'), root);
    });

    it(`${shell}: falls back to the low-level runtime when the modules file has no "nvidia " line`, () => {
      const r = runWrapper(shell, notLoaded, NASTY_ARGS, callerEnv, dir);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'fake:fallback\n');
      assert.equal(r.stderr, `nvidia driver modules are not yet loaded, invoking ${fallback} directly\n`);
      assert.deepEqual(r.args, NASTY_ARGS);
      // The fallback runs with the caller's environment, untouched.
      assert.equal(r.env?.get('PATH'), '/usr/bin:/bin');
      assert.equal(r.env?.has('NVIDIA_CTK_CONFIG_FILE_PATH'), false);
    });

    it(`${shell}: falls back quietly when the modules file cannot be read`, () => {
      const text = renderWrapper({
        target: real,
        env: {},
        moduleCheck: { modulesPath: join(dir, 'no-such-file'), fallback },
      });
      const r = runWrapper(shell, install('wrapper-missing', text), ['a b'], callerEnv, dir);
      assert.equal(r.status, 0);
      assert.equal(r.stdout, 'fake:fallback\n');
      assert.equal(r.stderr, `nvidia driver modules are not yet loaded, invoking ${fallback} directly\n`);
      assert.deepEqual(r.args, ['a b']);
    });
  }

  it('execs the real binary (same process) and passes its exit status through', () => {
    const failing = join(root, 'fail.real');
    fs.writeFileSync(failing, '#!/bin/sh\necho "pid=$$"\nexit 7\n', { mode: 0o755 });
    const w = install('wrapper-exit', renderWrapper({ target: failing, env: {} }));
    const r = runWrapper('/bin/sh', w, [], {}, dir);
    assert.equal(r.status, 7);
    assert.equal(r.stdout, `pid=${r.pid}\n`);
  });
});
