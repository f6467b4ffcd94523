/** The pure parts of doctor: merge rules, the daemon's config from its command line, the report faces. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atLeast, effectiveRuntimes } from '../../src/doctor/effective';
import { evaluate } from '../../src/doctor/evaluate';
import { configFromCmdline } from '../../src/doctor/gather-live';
import { jsonReport, textReport } from '../../src/doctor/report';
import type { ConfigFileFact, EngineFacts, NodeFacts } from '../../src/doctor/types';

function file(path: string, runtimes: string[], setsCriTable = true): ConfigFileFact {
  return {
    path,
    via: path === '/etc/containerd/config.toml' ? 'main' : { import: '/etc/containerd/conf.d/*.toml' },
    exists: true,
    mtimeMs: 0,
    runtimes: runtimes.map((name) => ({ name, binary: `/usr/bin/${name}` })),
    setsCriTable,
  };
}

function containerd(version: string, files: ConfigFileFact[]): EngineFacts {
  return {
    engine: 'containerd',
    chosenBy: 'flag',
    config: '/etc/containerd/config.toml',
    socket: '/run/containerd/containerd.sock',
    files,
    importProblems: [],
    live: { reachable: true, version, defaultRuntime: 'runc', runtimes: { runc: '' } },
    ledger: { path: '/x', files: [] },
  };
}

const main = file('/etc/containerd/config.toml', ['runc', 'nvidia']);
const dropIn = file('/etc/containerd/conf.d/10-other.toml', ['runc']);

test('containerd < 2.1: a later file with a CRI table hides the runtimes of earlier ones', () => {
  const r = effectiveRuntimes(containerd('1.7.24', [main, dropIn]));
  assert.deepEqual(r.runtimes, []);
  assert.deepEqual(r.hidden, [{ name: 'nvidia', file: main.path, by: dropIn.path }]);
});

test('containerd 2.1+: imports merge key by key, nothing is hidden', () => {
  const r = effectiveRuntimes(containerd('v2.1.9', [main, dropIn]));
  assert.deepEqual(
    r.runtimes.map((x) => [x.name, x.file]),
    [['nvidia', main.path]],
  );
  assert.deepEqual(r.hidden, []);
});

test('the hidden runtime is a failing runtimes-declared check that names both files', () => {
  const facts: NodeFacts = {
    hostRoot: '/',
    engines: [containerd('1.6.20~ds1', [main, dropIn])],
    binaries: [],
    toolkitConfigs: [],
    cdiDirs: [],
    cdiSpecs: [],
  };
  const c = evaluate(facts).find((x) => x.id === 'runtimes-declared');
  assert.equal(c?.status, 'fail');
  assert.match(
    c?.summary ?? '',
    /nvidia in \/etc\/containerd\/config\.toml is hidden: \/etc\/containerd\/conf\.d\/10-other\.toml replaces/,
  );
});

test('versions: containerd and docker spellings', () => {
  assert.equal(atLeast('1.6.20~ds1', 1, 7), false);
  assert.equal(atLeast('v2.1.9', 2, 1), true);
  assert.equal(atLeast('28.2.2', 25, 0), true);
  assert.equal(atLeast('', 1, 7), undefined);
});

test('the config a daemon reads: its flag (both spellings), relative to its cwd, or the built-in default', () => {
  assert.equal(configFromCmdline('containerd', ['containerd', '--config', '/a.toml'], '/'), '/a.toml');
  assert.equal(configFromCmdline('containerd', ['containerd', '-c', 'b.toml'], '/srv'), '/srv/b.toml');
  assert.equal(configFromCmdline('docker', ['dockerd', '--config-file=/d.json'], '/'), '/d.json');
  assert.equal(configFromCmdline('docker', ['dockerd', '-H', 'unix:///x'], '/'), '/etc/docker/daemon.json');
  assert.equal(configFromCmdline('crio', ['crio'], '/'), '/etc/crio/crio.conf');
});

test('text report: one line per check, fixes only for problems, colour only when asked', () => {
  const facts: NodeFacts = {
    hostRoot: '/',
    engines: [containerd('1.6.20', [main])],
    binaries: [],
    toolkitConfigs: [],
    cdiDirs: [],
    cdiSpecs: [],
  };
  const checks = evaluate(facts);
  const plain = textReport(checks, false);
  const ESC = String.fromCharCode(27);
  assert.equal(plain.includes(ESC), false);
  assert.ok(textReport(checks, true).includes(`${ESC}[31mFAIL${ESC}[0m`));
  const lines = plain.trimEnd().split('\n');
  assert.equal(lines.length, 1 + checks.length + checks.filter((c) => c.status !== 'ok' && c.fix).length + 1);
  const json = JSON.parse(jsonReport(facts, checks));
  assert.equal(json.schema, 'ctk-installer/doctor/v1');
  assert.equal(json.ok, false);
  assert.deepEqual(Object.keys(json.counts), ['ok', 'warn', 'fail']);
});
