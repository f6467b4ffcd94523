// The pure readers of engine identification, on strings recorded from real engines and nodes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  configFromArgs,
  distroOf,
  engineFromExe,
  parseCmdline,
  parseVersionOutput,
  systemdUnitFromCgroup,
} from '../../src/host/engine-identify-parse';

describe('parseCmdline / configFromArgs', () => {
  test('NUL-separated with a trailing NUL', () => {
    assert.deepEqual(parseCmdline('containerd\0--config\0/etc/x.toml\0'), [
      'containerd',
      '--config',
      '/etc/x.toml',
    ]);
    assert.deepEqual(parseCmdline(''), []);
  });
  test('containerd: --config, -c, =forms, single dash, last one wins', () => {
    const c = (s: string) => configFromArgs('containerd', s.split(' '));
    assert.equal(c('containerd --config /a.toml'), '/a.toml');
    assert.equal(c('containerd -c /b.toml'), '/b.toml');
    assert.equal(c('containerd --config=/c.toml'), '/c.toml');
    assert.equal(c('containerd -config /d.toml'), '/d.toml');
    assert.equal(c('containerd -c /a.toml --config /e.toml'), '/e.toml');
    assert.equal(c('containerd --log-level debug'), undefined);
    assert.equal(c('containerd --config'), undefined); // no value
    // k3s runs its containerd like this (recorded from a k3s v1.31 node)
    assert.equal(
      c(
        'containerd -c /var/lib/rancher/k3s/agent/etc/containerd/config.toml -a /run/k3s/containerd/containerd.sock --state /run/k3s/containerd --root /var/lib/rancher/k3s/agent/containerd',
      ),
      '/var/lib/rancher/k3s/agent/etc/containerd/config.toml',
    );
  });
  test('dockerd reads --config-file, not --config', () => {
    assert.equal(configFromArgs('docker', ['dockerd', '--config-file', '/d.json']), '/d.json');
    assert.equal(configFromArgs('docker', ['dockerd', '-H', 'fd://', '--containerd=/run/c.sock']), undefined);
  });
});

describe('systemdUnitFromCgroup', () => {
  test('cgroup v2', () => {
    assert.equal(systemdUnitFromCgroup('0::/system.slice/containerd.service\n'), 'containerd.service');
    assert.equal(systemdUnitFromCgroup('0::/system.slice/k3s.service\n'), 'k3s.service');
    assert.equal(
      systemdUnitFromCgroup('0::/system.slice/snap.microk8s.daemon-containerd.service\n'),
      'snap.microk8s.daemon-containerd.service',
    );
  });
  test('cgroup v1 name=systemd hierarchy', () => {
    const v1 =
      '12:pids:/system.slice/rke2-server.service\n1:name=systemd:/system.slice/rke2-server.service\n0::/\n';
    assert.equal(systemdUnitFromCgroup(v1), 'rke2-server.service');
  });
  test('no service: a container, or this machine (no systemd)', () => {
    assert.equal(systemdUnitFromCgroup('0::/kubepods/burstable/pod1/abc\n'), undefined);
    assert.equal(systemdUnitFromCgroup('9:name=systemd:/\n4:memory:/process_api/dda6\n0::/\n'), undefined);
  });
});

describe('parseVersionOutput', () => {
  const v = (s: string) => {
    const r = parseVersionOutput(s);
    return r && [r.engine, r.version.major, r.version.minor, r.version.patch, r.version.text];
  };
  test('containerd, as Debian, upstream, k3s and 2.x print it', () => {
    assert.deepEqual(v('containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3\n'), [
      'containerd',
      1,
      6,
      20,
      '1.6.20~ds1',
    ]);
    assert.deepEqual(v('containerd containerd.io 1.7.27 05044ec0a9a75232cad458027ca83437aae3f4da\n'), [
      'containerd',
      1,
      7,
      27,
      '1.7.27',
    ]);
    assert.deepEqual(v('containerd github.com/k3s-io/containerd v1.7.23-k3s2 abc\n'), [
      'containerd',
      1,
      7,
      23,
      '1.7.23-k3s2',
    ]);
    // the module path ends in /v2: its digit is not the version
    assert.deepEqual(v('containerd github.com/containerd/containerd/v2 v2.1.4 75cb2b7\n'), [
      'containerd',
      2,
      1,
      4,
      '2.1.4',
    ]);
  });
  test('dockerd and cri-o', () => {
    assert.deepEqual(v('Docker version 20.10.24+dfsg1, build 5d6db84\n'), [
      'docker',
      20,
      10,
      24,
      '20.10.24+dfsg1',
    ]);
    assert.deepEqual(v('Docker version 28.5.2, build 89c5e8f\n'), ['docker', 28, 5, 2, '28.5.2']);
    assert.deepEqual(v('crio version 1.28.1\n'), ['crio', 1, 28, 1, '1.28.1']);
    assert.deepEqual(v('INFO[0000] Starting CRI-O\nVersion:        1.30.0\nGitCommit:  abc\n'), [
      'crio',
      1,
      30,
      0,
      '1.30.0',
    ]);
  });
  test('anything else is not a version', () => {
    assert.equal(v('k3s version v1.31.1+k3s1 (452dbbc1)\n'), undefined);
    assert.equal(v(''), undefined);
  });
});

describe('distroOf / engineFromExe', () => {
  test('by the executable path each distribution uses', () => {
    assert.equal(distroOf({ exe: '/var/lib/rancher/k3s/data/3a1b/bin/k3s' }), 'k3s');
    assert.equal(distroOf({ exe: '/var/lib/rancher/rke2/data/v1.31.1-rke2r1-abc/bin/containerd' }), 'rke2');
    assert.equal(distroOf({ exe: '/var/lib/k0s/bin/containerd' }), 'k0s');
    assert.equal(distroOf({ exe: '/snap/microk8s/7394/bin/containerd' }), 'microk8s');
    // a test host tree under a temp root keeps the same layout below it
    assert.equal(distroOf({ exe: '/tmp/ctk-x/var/lib/k0s/bin/containerd' }), 'k0s');
    assert.equal(distroOf({ exe: '/usr/bin/containerd' }), undefined);
  });
  test('by the parent process or the unit when the exe says nothing', () => {
    assert.equal(distroOf({ exe: '/usr/local/bin/containerd', parentName: 'k3s-server' }), 'k3s');
    assert.equal(distroOf({ exe: '/usr/local/bin/containerd', parentExe: '/var/lib/k0s/bin/k0s' }), 'k0s');
    assert.equal(
      distroOf({ exe: '/usr/bin/containerd', unit: 'snap.microk8s.daemon-containerd.service' }),
      'microk8s',
    );
    assert.equal(
      distroOf({ exe: '/usr/bin/containerd', parentName: 'systemd', unit: 'containerd.service' }),
      undefined,
    );
  });
  test('engine by argv[0] first (k3s links containerd to its multi-call binary)', () => {
    assert.equal(engineFromExe('/var/lib/rancher/k3s/data/3a1b/bin/k3s', 'containerd'), 'containerd');
    assert.equal(engineFromExe('/usr/bin/dockerd', '/usr/bin/dockerd'), 'docker');
    assert.equal(engineFromExe('/usr/bin/crio', 'crio'), 'crio');
    assert.equal(engineFromExe('/usr/bin/sleep', 'sleep'), undefined);
  });
});
