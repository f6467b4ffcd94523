// Preset + identified engine -> files, socket and restart (src/ops/node-profile-resolve.ts), on made-up hosts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, UsageError } from '../../src/errors';
import type { IdentifiedEngine } from '../../src/host/engine-identify';
import {
  type ProfileFacts,
  type ProfileFields,
  type ProfileRequest,
  resolveProfile,
} from '../../src/ops/node-profile-resolve';

const DEFAULTS: ProfileFields = {
  config: '/etc/containerd/config.toml',
  socket: '/run/containerd/containerd.sock',
  restartMode: 'signal',
  restartUnit: 'containerd',
  dropInConfig: '',
};

function engine(over: Partial<IdentifiedEngine> & { v?: string }): IdentifiedEngine {
  const [major, minor, patch] = (over.v ?? '1.6.20').split('.').map(Number) as [number, number, number];
  return {
    socket: '/run/containerd/containerd.sock',
    pid: 42,
    engine: 'containerd',
    exe: '/usr/bin/containerd',
    argv: ['containerd'],
    config: '/etc/containerd/config.toml',
    configFromCmdline: false,
    version: { major, minor, patch, text: over.v ?? '1.6.20' },
    ...over,
  };
}

function facts(
  id: IdentifiedEngine | undefined,
  files: Record<string, string> = {},
  dirs: string[] = [],
): ProfileFacts {
  return {
    ...(id
      ? { identified: id }
      : { identifyProblem: 'socket /run/containerd/containerd.sock does not exist' }),
    exists: (p) => p in files || dirs.includes(p),
    readText: (p) => files[p] ?? null,
    // microk8s's `current` is a link to the revision
    isEngineConfig: (p, e) => p.replace('/current/', '/7394/') === e.config,
  };
}

function req(over: Partial<ProfileRequest> & { given?: Partial<ProfileFields> } = {}): ProfileRequest {
  const given = over.given ?? {};
  return {
    engine: 'containerd',
    preset: 'auto',
    values: { ...DEFAULTS, ...given },
    explicit: new Set(Object.keys(given) as (keyof ProfileFields)[]),
    ignoreConfigMismatch: false,
    ...over,
  };
}

const K3S = '/var/lib/rancher/k3s/agent/etc/containerd';

describe('auto on a standalone containerd', () => {
  test('1.6: the config it runs with, edited in place; no unit found keeps the signal default', () => {
    const id = engine({ config: '/srv/ctd/config.toml', configFromCmdline: true });
    const p = resolveProfile(req(), facts(id));
    assert.equal(p.preset, 'containerd');
    assert.deepEqual(p.fields, { ...DEFAULTS, config: '/srv/ctd/config.toml' });
    assert.equal(p.newConfigVersion, 2);
  });
  test('2.x under systemd: a version 3 drop-in in conf.d, restart through its unit', () => {
    const id = engine({ v: '2.1.4', unit: 'containerd.service' });
    const p = resolveProfile(req(), facts(id));
    assert.equal(p.fields.dropInConfig, '/etc/containerd/conf.d/99-nvidia.toml');
    assert.equal(p.fields.config, '/etc/containerd/config.toml');
    assert.equal(p.fields.restartMode, 'systemd');
    assert.equal(p.fields.restartUnit, 'containerd');
    assert.equal(p.newConfigVersion, 3);
  });
  test('explicit flags win: --drop-in-config, --restart-mode, --socket', () => {
    const id = engine({ v: '2.1.4', unit: 'containerd.service', socket: '/x.sock' });
    const p = resolveProfile(
      req({ given: { dropInConfig: '', restartMode: 'none', socket: '/x.sock' } }),
      facts(id),
    );
    assert.equal(p.fields.dropInConfig, '');
    assert.equal(p.fields.restartMode, 'none');
    assert.equal(p.fields.socket, '/x.sock');
  });
  test('nothing identified: the defaults, and why', () => {
    const p = resolveProfile(req(), facts(undefined));
    assert.deepEqual(p.fields, DEFAULTS);
    assert.equal(p.identified, undefined);
    assert.match(p.notes.join('\n'), /engine not identified: socket .* does not exist/);
  });
});

describe('--config against the config the engine runs with', () => {
  const id = engine({ config: '/srv/a/config.toml', configFromCmdline: true });
  test('a different file is refused, naming both', () => {
    assert.throws(
      () => resolveProfile(req({ given: { config: '/etc/containerd/config.toml' } }), facts(id)),
      (e: unknown) =>
        e instanceof UsageError &&
        /--config is \/etc\/containerd\/config\.toml, but .* runs with \/srv\/a\/config\.toml.*--ignore-engine-config-mismatch/.test(
          e.message,
        ),
    );
  });
  test('--ignore-engine-config-mismatch edits the given file', () => {
    const p = resolveProfile(
      req({ given: { config: '/etc/containerd/config.toml' }, ignoreConfigMismatch: true }),
      facts(id),
    );
    assert.equal(p.fields.config, '/etc/containerd/config.toml');
  });
  test('the same file through a symlink is no mismatch', () => {
    const snap = engine({
      config: '/var/snap/microk8s/7394/args/containerd.toml',
      exe: '/snap/microk8s/7394/bin/containerd',
      distro: 'microk8s',
    });
    const p = resolveProfile(
      req({ given: { config: '/var/snap/microk8s/current/args/containerd.toml' } }),
      facts(snap),
    );
    assert.equal(p.fields.config, '/var/snap/microk8s/current/args/containerd-template.toml');
  });
  test('a socket answered by another engine is refused', () => {
    assert.throws(
      () => resolveProfile(req(), facts(engine({ engine: 'docker', exe: '/usr/bin/dockerd' }))),
      /--runtime=containerd, but the process listening on .* is docker/,
    );
  });
});

describe('distribution presets', () => {
  const k3s = (v: string) =>
    engine({
      v,
      exe: '/var/lib/rancher/k3s/data/abc/bin/k3s',
      config: `${K3S}/config.toml`,
      configFromCmdline: true,
      socket: '/run/k3s/containerd/containerd.sock',
      distro: 'k3s',
      unit: 'k3s-agent.service',
    });
  test('k3s with containerd 2.x importing config-v3.toml.d: our drop-in there, never the rendered file', () => {
    const p = resolveProfile(req(), facts(k3s('2.0.5'), {}, [`${K3S}/config-v3.toml.d`]));
    assert.equal(p.preset, 'k3s');
    assert.equal(p.fields.config, `${K3S}/config-v3.toml.d/99-nvidia.toml`);
    assert.equal(p.fields.dropInConfig, '');
    assert.equal(p.fields.socket, '/run/k3s/containerd/containerd.sock');
    assert.deepEqual([p.fields.restartMode, p.fields.restartUnit], ['systemd', 'k3s-agent']);
    assert.equal(p.newConfigVersion, 3);
  });
  test('k3s without the drop-in directory, or on containerd 1.x: the template, in the rendered version', () => {
    const tk = '/usr/local/nvidia/toolkit/nvidia-container-runtime';
    const host = { ...facts(k3s('2.0.5'), { [tk]: '' }), hostRoot: '/' };
    const v3 = resolveProfile(req(), host);
    assert.equal(v3.fields.config, `${K3S}/config-v3.toml.tmpl`);
    assert.equal(v3.fields.dropInConfig, '');
    assert.deepEqual(v3.k3sTemplate, { rendered: `${K3S}/config.toml`, version: 3, hostBinaries: [tk] });
    assert.deepEqual([v3.fields.restartMode, v3.fields.restartUnit], ['systemd', 'k3s-agent']);
    const v2 = resolveProfile(req(), facts(k3s('1.7.23'), {}, [`${K3S}/config.toml.d`]));
    assert.equal(v2.fields.config, `${K3S}/config.toml.tmpl`);
    assert.deepEqual(v2.k3sTemplate, { rendered: `${K3S}/config.toml`, version: 2, hostBinaries: [] });
    assert.match(
      v2.notes.join('\n'),
      /does not import config\.toml\.d\/ \(containerd 1\.7\.23\): editing the template/,
    );
  });
  test("--config naming k3s's template (the GPU Operator's CONTAINERD_CONFIG): the template route, no mismatch", () => {
    const given = req({ given: { config: `${K3S}/config.toml.tmpl` } });
    const p = resolveProfile(given, facts(k3s('1.7.23')));
    assert.equal(p.fields.config, `${K3S}/config.toml.tmpl`);
    assert.equal(p.k3sTemplate?.rendered, `${K3S}/config.toml`);
    assert.throws(
      () => resolveProfile(given, facts(k3s('2.0.5'))),
      (e: Error) =>
        e instanceof UsageError &&
        /k3s on containerd 2\.0\.5 renders its config from config-v3\.toml\.tmpl: point --config at .*config-v3\.toml\.tmpl/.test(
          e.message,
        ),
    );
  });
  test('k3s template: an explicit drop-in, or a v2 template containerd 2.x still renders from, refused', () => {
    assert.throws(
      () => resolveProfile(req({ given: { dropInConfig: '/etc/x.toml' } }), facts(k3s('1.7.23'))),
      (e: Error) =>
        e instanceof UsageError && /cannot import --drop-in-config \/etc\/x\.toml/.test(e.message),
    );
    assert.throws(
      () => resolveProfile(req(), facts(k3s('2.0.5'), { [`${K3S}/config.toml.tmpl`]: '' })),
      /renders its containerd 2\.x config from .*config\.toml\.tmpl .*until config-v3\.toml\.tmpl exists/,
    );
  });
  test('microk8s: its template beside the rendered config, restarted through the snap unit', () => {
    const id = engine({
      exe: '/snap/microk8s/7394/bin/containerd',
      config: '/var/snap/microk8s/7394/args/containerd.toml',
      configFromCmdline: true,
      distro: 'microk8s',
    });
    const p = resolveProfile(req(), facts(id));
    assert.equal(p.fields.config, '/var/snap/microk8s/7394/args/containerd-template.toml');
    assert.deepEqual(
      [p.fields.restartMode, p.fields.restartUnit],
      ['systemd', 'snap.microk8s.daemon-containerd'],
    );
  });
  test('k0s: a drop-in in containerd.d and no restart (k0s reloads it)', () => {
    const id = engine({
      exe: '/var/lib/k0s/bin/containerd',
      config: '/etc/k0s/containerd.toml',
      configFromCmdline: true,
      distro: 'k0s',
    });
    const p = resolveProfile(req(), facts(id));
    assert.equal(p.fields.config, '/etc/k0s/containerd.d/99-nvidia.toml');
    assert.equal(p.fields.restartMode, 'none');
  });
  test('an explicit preset without a running engine uses the preset paths', () => {
    const p = resolveProfile(req({ preset: 'k0s' }), facts(undefined));
    assert.equal(p.fields.config, '/etc/k0s/containerd.d/99-nvidia.toml');
    assert.equal(p.fields.socket, '/run/k0s/containerd.sock');
    assert.throws(
      () => resolveProfile(req({ preset: 'docker' }), facts(undefined)),
      /docker preset, not for --runtime=containerd/,
    );
  });
});

describe('engine version against the file version', () => {
  test('containerd 2.x and a version 1 file: refused with what to do', () => {
    const id = engine({ v: '2.1.4' });
    const files = {
      '/etc/containerd/config.toml': '[plugins.cri.containerd]\n  snapshotter = "overlayfs"\n',
    };
    assert.throws(
      () => resolveProfile(req(), facts(id, files)),
      (e: unknown) =>
        e instanceof ConfigError &&
        /version 1 config.*containerd config migrate.*version 3 drop-in/.test(e.message),
    );
  });
  test('containerd 1.x and a version 3 file: refused', () => {
    const files = { '/etc/containerd/config.toml': 'version = 3\n' };
    assert.throws(
      () => resolveProfile(req(), facts(engine({}), files)),
      /version 3 config.*reads as version 2/,
    );
  });
  test('matching versions pass; an empty file is new', () => {
    const files = { '/etc/containerd/config.toml': 'version = 2\n' };
    assert.doesNotThrow(() => resolveProfile(req(), facts(engine({}), files)));
    assert.doesNotThrow(() =>
      resolveProfile(req(), facts(engine({ v: '2.0.0' }), { '/etc/containerd/config.toml': '' })),
    );
  });
});
