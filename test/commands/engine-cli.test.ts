/**
 * The runtime CLIs end to end (built bundle as a child process): every flag and environment variable of the
 * original, its precedence, exit codes and the "nothing written" promise for bad input. Restarts are off here
 * (--restart-mode none); test/integration/ covers them against real daemons.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'smol-toml';
import { mtimeNs, runCli } from '../helpers/cli';
import { fixture } from '../helpers/fixtures';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ctk-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function fresh(name: string, text: string | null): string {
  const d = join(dir, `case-${n++}`);
  mkdirSync(d);
  const p = join(d, name);
  if (text !== null) writeFileSync(p, text);
  return p;
}
const TK = '/usr/local/nvidia/toolkit';
const NONE = ['--restart-mode', 'none'];
// biome-ignore lint/suspicious/noExplicitAny: parsed test fixtures are walked by known key paths
type T = Record<string, any>;
const toml = (p: string) => parse(readFileSync(p, 'utf8')) as T;
const cri = (t: T) => t.plugins['io.containerd.grpc.v1.cri'];
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as T;

function ok(args: string[], env: Record<string, string> = {}, as?: string) {
  const r = runCli(args, { env, as });
  assert.equal(r.status, 0, `exit 0 expected, stderr: ${r.stderr}`);
  return r;
}

/** A bad invocation: the exit code, one error line naming what is wrong, and the file untouched. */
function refused(
  args: string[],
  code: number,
  message: RegExp,
  file?: string,
  env: Record<string, string> = {},
) {
  const beforeBytes = file && existsSync(file) ? readFileSync(file) : undefined;
  const beforeMtime = file && existsSync(file) ? mtimeNs(file) : undefined;
  const r = runCli(args, { env });
  assert.equal(r.status, code, `exit ${code} expected, got ${r.status}: ${r.stderr}`);
  const errors = r.stderr.split('\n').filter((l) => l.includes('level=error') || l.startsWith('error:'));
  assert.equal(errors.length, 1, `one error line expected: ${r.stderr}`);
  assert.match(errors[0]!, message);
  if (file && beforeBytes) {
    assert.deepEqual(readFileSync(file), beforeBytes, 'file bytes unchanged');
    assert.equal(mtimeNs(file), beforeMtime, 'file not rewritten');
  }
  return r;
}

describe('containerd setup flags and environment', () => {
  test('--config, RUNTIME_CONFIG before CONTAINERD_CONFIG', () => {
    const a = fresh('config.toml', 'version = 2\n');
    ok(['containerd', 'setup', ...NONE, '--config', a, TK]);
    assert.ok(cri(toml(a)).containerd.runtimes.nvidia);
    const b = fresh('config.toml', 'version = 2\n');
    const c = fresh('config.toml', 'version = 2\n');
    ok(['containerd', 'setup', ...NONE, TK], { RUNTIME_CONFIG: b, CONTAINERD_CONFIG: c });
    assert.ok(cri(toml(b)).containerd.runtimes.nvidia);
    assert.equal(readFileSync(c, 'utf8'), 'version = 2\n');
    ok(['containerd', 'setup', ...NONE, TK], { CONTAINERD_CONFIG: c });
    assert.ok(cri(toml(c)).containerd.runtimes.nvidia);
  });
  test('--runtime-name and its aliases; NVIDIA_RUNTIME_NAME before CONTAINERD_RUNTIME_CLASS', () => {
    for (const [args, env, want] of [
      [['--runtime-name', 'gpu'], {}, 'gpu'],
      [['--nvidia-runtime-name', 'gpu2'], {}, 'gpu2'],
      [['--runtime-class', 'gpu3'], {}, 'gpu3'],
      [[], { NVIDIA_RUNTIME_NAME: 'first', CONTAINERD_RUNTIME_CLASS: 'second' }, 'first'],
      [[], { CONTAINERD_RUNTIME_CLASS: 'second' }, 'second'],
      [['--runtime-class', 'cli'], { NVIDIA_RUNTIME_NAME: 'env' }, 'cli'],
    ] as [string[], Record<string, string>, string][]) {
      const p = fresh('config.toml', 'version = 2\n');
      ok(['containerd', 'setup', ...NONE, '--config', p, ...args, TK], env);
      const c = cri(toml(p)).containerd;
      assert.deepEqual(Object.keys(c.runtimes).sort(), [want, 'nvidia-cdi', 'nvidia-legacy'].sort());
      assert.equal(c.default_runtime_name, want);
    }
  });
  test('RUNTIME_DIR: positional, --nvidia-runtime-dir, --runtime-dir, NVIDIA_RUNTIME_DIR; argument count checked', () => {
    for (const [args, env] of [
      [['/opt/tk'], {}],
      [['--nvidia-runtime-dir', '/opt/tk'], {}],
      [['--runtime-dir', '/opt/tk'], {}],
      [[], { NVIDIA_RUNTIME_DIR: '/opt/tk' }],
    ] as [string[], Record<string, string>][]) {
      const p = fresh('config.toml', '');
      ok(['containerd', 'setup', ...NONE, '--config', p, ...args], env);
      assert.equal(
        cri(toml(p)).containerd.runtimes['nvidia-cdi'].options.BinaryName,
        '/opt/tk/nvidia-container-runtime.cdi',
      );
    }
    const p = fresh('config.toml', 'version = 2\n');
    refused(['containerd', 'setup', ...NONE, '--config', p], 2, /incorrect number of arguments/, p);
    refused(
      ['containerd', 'setup', ...NONE, '--config', p, '/a', '/b'],
      2,
      /incorrect number of arguments/,
      p,
    );
    refused(
      ['containerd', 'setup', ...NONE, '--config', p, 'relative/dir'],
      2,
      /must be an absolute path/,
      p,
    );
  });
  test('set-as-default: default true; --set-as-default=false and Go bool forms from the environment', () => {
    const cases: [string[], Record<string, string>, string | undefined][] = [
      [[], {}, 'nvidia'],
      [['--set-as-default=false'], {}, undefined],
      [['--set-as-default'], { NVIDIA_RUNTIME_SET_AS_DEFAULT: 'false' }, 'nvidia'],
      [[], { NVIDIA_RUNTIME_SET_AS_DEFAULT: 'F' }, undefined],
      [[], { CONTAINERD_SET_AS_DEFAULT: '0' }, undefined],
      [[], { NVIDIA_RUNTIME_SET_AS_DEFAULT: 'True', CONTAINERD_SET_AS_DEFAULT: '0' }, 'nvidia'],
    ];
    for (const [args, env, want] of cases) {
      const p = fresh('config.toml', 'version = 2\n');
      ok(['containerd', 'setup', ...NONE, '--config', p, ...args, TK], env);
      assert.equal(cri(toml(p)).containerd.default_runtime_name, want, JSON.stringify([args, env]));
    }
    const p = fresh('config.toml', 'version = 2\n');
    refused(
      ['containerd', 'setup', ...NONE, '--config', p, TK],
      2,
      /invalid boolean value .*yes.* for environment variable NVIDIA_RUNTIME_SET_AS_DEFAULT/,
      p,
      { NVIDIA_RUNTIME_SET_AS_DEFAULT: 'yes' },
    );
  });
  test('--restart-mode, RUNTIME_RESTART_MODE before CONTAINERD_RESTART_MODE; invalid mode exits 2', () => {
    const p = fresh('config.toml', 'version = 2\n');
    const r = ok(['containerd', 'setup', '--config', p, TK], {
      RUNTIME_RESTART_MODE: 'none',
      CONTAINERD_RESTART_MODE: 'signal',
    });
    assert.match(r.stderr, /Skipping restart of containerd due to --restart-mode=none/);
    const q = fresh('config.toml', 'version = 2\n');
    assert.match(
      ok(['containerd', 'setup', '--config', q, TK], { CONTAINERD_RESTART_MODE: 'none' }).stderr,
      /Skipping restart/,
    );
    refused(
      ['containerd', 'setup', '--restart-mode', 'reboot', '--config', q, TK],
      2,
      /invalid value .*reboot.* for --restart-mode/,
      q,
    );
  });
  test('--drop-in-config / RUNTIME_DROP_IN_CONFIG and --drop-in-config-host-path', () => {
    const p = fresh('config.toml', fixture('containerd', 'k3s-style.toml'));
    const drop = join(p, '..', 'conf.d', '99-nvidia.toml');
    const dropArgs = [
      ...NONE,
      '--config',
      p,
      '--drop-in-config',
      drop,
      '--drop-in-config-host-path',
      '/etc/containerd/conf.d/99-nvidia.toml',
      TK,
    ];
    ok(['containerd', 'setup', ...dropArgs]);
    assert.deepEqual(toml(p).imports, ['/etc/containerd/conf.d/99-nvidia.toml']);
    assert.ok(cri(toml(drop)).containerd.runtimes.nvidia);
    assert.equal(
      cri(toml(drop)).sandbox_image,
      'rancher/mirrored-pause:3.6',
      'drop-in carries the whole CRI table for containerd 1.x',
    );
    ok(['containerd', 'cleanup', ...dropArgs]);
    assert.equal(readFileSync(p, 'utf8'), fixture('containerd', 'k3s-style.toml'));
    assert.equal(existsSync(drop), false);
    const q = fresh('config.toml', 'version = 2\n');
    const drop2 = join(q, '..', 'd', '50-gpu.toml');
    ok(['containerd', 'setup', ...NONE, '--config', q, TK], { RUNTIME_DROP_IN_CONFIG: drop2 });
    assert.deepEqual(toml(q).imports, [drop2]);
  });
  test('--enable-cdi-in-runtime / RUNTIME_ENABLE_CDI', () => {
    const p = fresh('config.toml', 'version = 2\n');
    ok(['containerd', 'setup', ...NONE, '--config', p, '--enable-cdi-in-runtime', TK]);
    assert.equal(cri(toml(p)).enable_cdi, true);
    const q = fresh('config.toml', 'version = 2\n');
    ok(['containerd', 'setup', ...NONE, '--config', q, TK], { RUNTIME_ENABLE_CDI: 't' });
    assert.equal(cri(toml(q)).enable_cdi, true);
    const r = fresh('config.toml', 'version = 2\n');
    ok(['containerd', 'setup', ...NONE, '--config', r, TK]);
    assert.equal(cri(toml(r)).enable_cdi, undefined);
  });
  test('--use-legacy-config / CONTAINERD_USE_LEGACY_CONFIG: a new file is version 1 with the default_runtime table', () => {
    for (const [args, env] of [
      [['--use-legacy-config'], {}],
      [[], { CONTAINERD_USE_LEGACY_CONFIG: 'true' }],
    ] as [string[], Record<string, string>][]) {
      const p = fresh('config.toml', null);
      ok(['containerd', 'setup', ...NONE, '--config', p, ...args, TK], env);
      const t = toml(p);
      assert.equal(t.version, 1);
      assert.equal(
        t.plugins.cri.containerd.default_runtime.options.BinaryName,
        `${TK}/nvidia-container-runtime`,
      );
      assert.equal(
        t.plugins.cri.containerd.runtimes.nvidia.options.Runtime,
        `${TK}/nvidia-container-runtime`,
      );
    }
  });
  test('--runtime-type / CONTAINERD_RUNTIME_TYPE and annotation prefixes (flag and env list)', () => {
    const p = fresh('config.toml', 'version = 2\n');
    ok([
      'containerd',
      'setup',
      ...NONE,
      '--config',
      p,
      '--runtime-type',
      'io.containerd.kata.v2',
      '--nvidia-container-runtime-modes.cdi.annotation-prefixes',
      'cdi.k8s.io/',
      TK,
    ]);
    assert.equal(cri(toml(p)).containerd.runtimes.nvidia.runtime_type, 'io.containerd.kata.v2');
    assert.deepEqual(cri(toml(p)).containerd.runtimes.nvidia.container_annotations, ['cdi.k8s.io/*']);
    const q = fresh('config.toml', 'version = 2\n');
    ok(['containerd', 'setup', ...NONE, '--config', q, TK], {
      CONTAINERD_RUNTIME_TYPE: 'x.v1',
      NVIDIA_CONTAINER_RUNTIME_MODES_CDI_ANNOTATION_PREFIXES: 'a/, b/',
    });
    assert.equal(cri(toml(q)).containerd.runtimes.nvidia.runtime_type, 'x.v1');
    assert.deepEqual(cri(toml(q)).containerd.runtimes.nvidia.container_annotations, ['a/*', 'b/*']);
  });
  test('invoked through a link named containerd', () => {
    const p = fresh('config.toml', 'version = 2\n');
    ok(['setup', ...NONE, '--config', p, TK], {}, 'containerd');
    assert.ok(cri(toml(p)).containerd.runtimes.nvidia);
  });
  test('a second setup writes nothing (mtime unchanged) and says so; cleanup gives back the bytes', () => {
    const original = fixture('containerd', 'default-1.6-v2.toml');
    const p = fresh('config.toml', original);
    ok(['containerd', 'setup', ...NONE, '--config', p, TK]);
    const m = mtimeNs(p);
    const r = ok(['containerd', 'setup', ...NONE, '--config', p, TK]);
    assert.match(r.stderr, /unchanged; not restarting containerd/);
    assert.doesNotMatch(r.stderr, /Skipping restart/);
    assert.equal(mtimeNs(p), m);
    ok(['containerd', 'cleanup', ...NONE, '--config', p, TK]);
    assert.equal(readFileSync(p, 'utf8'), original);
    assert.equal(
      existsSync(join(p, '..', '.ctk-installer')),
      false,
      'state directory removed by the last cleanup',
    );
  });
});

describe('docker and cri-o flags', () => {
  test('docker: DOCKER_CONFIG, DOCKER_RUNTIME_NAME, DOCKER_SET_AS_DEFAULT; features merged; cleanup exact', () => {
    const original = fixture('docker', 'four-space.json');
    const p = fresh('daemon.json', original);
    ok(['docker', 'setup', ...NONE, '--enable-cdi-in-runtime', TK], {
      DOCKER_CONFIG: p,
      DOCKER_RUNTIME_NAME: 'gpu',
      DOCKER_SET_AS_DEFAULT: 'true',
    });
    const j = json(p);
    assert.deepEqual(j.runtimes.gpu, { path: `${TK}/nvidia-container-runtime`, args: [] });
    assert.equal(j['default-runtime'], 'gpu');
    assert.deepEqual(j.features, { buildkit: true, cdi: true });
    ok(['docker', 'cleanup', ...NONE, TK], { DOCKER_CONFIG: p, DOCKER_RUNTIME_NAME: 'gpu' });
    assert.equal(readFileSync(p, 'utf8'), original);
  });
  test('docker ignores --drop-in-config with a warning', () => {
    const p = fresh('daemon.json', '{}\n');
    const r = ok(['docker', 'setup', ...NONE, '--config', p, '--drop-in-config', '/x.json', TK]);
    assert.match(r.stderr, /ignoring --drop-in-config/);
  });
  test('crio: config mode in place and hook mode (CRIO_CONFIG_MODE, --hooks-dir, --hook-filename, env names)', () => {
    const original = fixture('crio', 'crio-crun-runc.conf');
    const p = fresh('crio.conf', original);
    ok(['crio', 'setup', ...NONE, '--config-mode', 'config', '--config', p, TK]);
    const t = toml(p);
    assert.equal(t.crio.runtime.default_runtime, 'nvidia');
    assert.equal(t.crio.runtime.runtimes.nvidia.runtime_root, '/run/crun');
    ok(['crio', 'cleanup', ...NONE, '--config', p, TK], { CRIO_CONFIG_MODE: 'config' });
    assert.equal(readFileSync(p, 'utf8'), original);
    const hooks = join(dir, 'hooks.d');
    ok(['crio', 'setup', '--hooks-dir', hooks, '--hook-filename', '99-nvidia.json', TK]);
    assert.equal(json(join(hooks, '99-nvidia.json')).hook.path, `${TK}/nvidia-container-runtime-hook`);
    const hooks2 = join(dir, 'hooks2.d');
    ok(['crio', 'setup', TK], { CRIO_HOOKS_DIR: hooks2, CRIO_HOOK_FILENAME: 'x.json' });
    assert.ok(existsSync(join(hooks2, 'x.json')));
    ok(['crio', 'cleanup', TK], { CRIO_HOOKS_DIR: hooks2, CRIO_HOOK_FILENAME: 'x.json' });
    assert.equal(existsSync(join(hooks2, 'x.json')), false);
    refused(['crio', 'setup', '--config-mode', 'conf', TK], 2, /invalid value .*conf.* for --config-mode/);
    refused(
      ['crio', 'setup', '--config-mode', 'config', '--restart-mode', 'signal', '--config', p, TK],
      2,
      /supporting crio via signal is unsupported/,
      p,
    );
  });
});

describe('bad input: one clear line, exit code, nothing written', () => {
  const cases: [string, string, RegExp][] = [
    [
      'malformed TOML',
      'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd\n',
      /config\.toml:\d+:\d+: /,
    ],
    ['version as a string', 'version = "2"\n', /unsupported type for version field/],
    ['unknown version', 'version = 99\n', /unsupported containerd config version 99/],
    [
      'runtimes not a table',
      'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\nruntimes = 5\n',
      /runtimes must be a table/,
    ],
    ['duplicate table', 'version = 2\n[a]\nx = 1\n[a]\ny = 2\n', /config\.toml:\d+:\d+: /],
  ];
  for (const [name, text, message] of cases) {
    test(name, () => {
      const p = fresh('config.toml', text);
      refused(['containerd', 'setup', ...NONE, '--config', p, TK], 1, message, p);
    });
  }
  test('malformed daemon.json names file, line and column', () => {
    const p = fresh('daemon.json', '{\n  "a": 1,\n}\n');
    refused(['docker', 'setup', ...NONE, '--config', p, TK], 1, /daemon\.json:2:9: invalid JSON/, p);
  });
  test('--config pointing to a directory', () => {
    const d = fresh('sub', null);
    mkdirSync(d);
    refused(['containerd', 'setup', ...NONE, '--config', d, TK], 1, /is a directory, expected a file/);
  });
  test('a FIFO instead of a file', () => {
    const p = join(fresh('x', null), '..', 'fifo.toml');
    execFileSync('mkfifo', [p]);
    refused(['containerd', 'setup', ...NONE, '--config', p, TK], 1, /not a regular file/);
  });
  test('invalid UTF-8', () => {
    const p = fresh('config.toml', null);
    writeFileSync(p, Buffer.from([0x76, 0x65, 0x72, 0xff, 0x0a]));
    refused(['containerd', 'setup', ...NONE, '--config', p, TK], 2, /not valid UTF-8/, p);
  });
  for (const bad of ['', 'a/b', 'a b', 'a"b']) {
    test(`runtime name ${JSON.stringify(bad)}`, () => {
      const p = fresh('config.toml', 'version = 2\n');
      refused(
        ['containerd', 'setup', ...NONE, '--config', p, '--runtime-name', bad, TK],
        2,
        /invalid runtime name/,
        p,
      );
    });
  }
  test('unknown engine and unknown flag exit 2', () => {
    assert.equal(runCli(['podman', 'setup', TK]).status, 2);
    assert.equal(runCli(['containerd', 'setup', '--bogus', TK]).status, 2);
  });
  test('signal mode with a missing socket: error before anything is written', () => {
    const p = fresh('config.toml', 'version = 2\n');
    refused(
      [
        'containerd',
        'setup',
        '--restart-mode',
        'signal',
        '--socket',
        join(dir, 'nope.sock'),
        '--config',
        p,
        TK,
      ],
      1,
      /nope\.sock/,
      p,
    );
  });
  test('signal mode with a socket nobody listens on', () => {
    const p = fresh('config.toml', 'version = 2\n');
    const sock = join(dir, 'plain-file.sock');
    writeFileSync(sock, '');
    refused(
      ['containerd', 'setup', '--restart-mode', 'signal', '--socket', sock, '--config', p, TK],
      1,
      /plain-file\.sock/,
      p,
    );
  });
  test('a read-only config directory: clear error, file untouched', () => {
    const p = fresh('config.toml', 'version = 2\n');
    const d = join(p, '..');
    execFileSync('chattr', ['+i', d]);
    try {
      refused(
        ['containerd', 'setup', ...NONE, '--config', p, TK],
        1,
        /config\.toml|permission|not permitted/,
        p,
      );
    } finally {
      execFileSync('chattr', ['-i', d]);
    }
  });
});
