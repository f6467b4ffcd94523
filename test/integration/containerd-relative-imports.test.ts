/**
 * Which `imports` entries already load our drop-in (issue 10 item 4), judged by the real `containerd config
 * dump` (run from `/`, as under systemd). A relative literal entry is resolved against the main file's
 * directory: a main file importing `conf.d/99-nvidia.toml` gets no second, absolute entry. A relative GLOB
 * (`conf.d/*.toml`) is not resolved that way by containerd 1.6 (it globs against its working directory and
 * misses the drop-in), so there the absolute entry is still needed and added.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { importLoads } from '../../src/engines/containerd';
import { runCli } from '../helpers/cli';
import { findBinary, requireBinary } from '../helpers/daemons';

const work = mkdtempSync(join(tmpdir(), 'ctk-relimport-'));
after(() => rmSync(work, { recursive: true, force: true }));
const hasContainerd = requireBinary('containerd');
const TK = '/usr/local/nvidia/toolkit';
let n = 0;

function setupWith(imports: string): { main: string; dropIn: string; before: string } {
  const dir = join(work, `case-${n++}`);
  mkdirSync(join(dir, 'conf.d'), { recursive: true });
  const main = join(dir, 'config.toml');
  const before = `version = 2\nimports = [${imports}]\n\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:3.9"\n`;
  writeFileSync(main, before);
  const dropIn = join(dir, 'conf.d', '99-nvidia.toml');
  const r = runCli([
    'containerd',
    'setup',
    '--config',
    main,
    '--drop-in-config',
    dropIn,
    '--restart-mode',
    'none',
    TK,
  ]);
  assert.equal(r.status, 0, r.stderr);
  return { main, dropIn, before };
}

function dumpShowsNvidia(main: string): void {
  if (!hasContainerd) return;
  const d = spawnSync(findBinary('containerd')!, ['--config', main, 'config', 'dump'], {
    encoding: 'utf8',
    cwd: '/',
  });
  assert.equal(d.status, 0, d.stderr);
  assert.match(
    d.stdout,
    /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.nvidia\.options\]\n\s+BinaryName = "\/usr\/local\/nvidia\/toolkit\/nvidia-container-runtime"/,
  );
  assert.match(d.stdout, /default_runtime_name = "nvidia"/);
}

for (const imports of ['"conf.d/99-nvidia.toml"', '"./conf.d/../conf.d/99-nvidia.toml"']) {
  test(`main file importing ${imports} (relative) is left as it is; containerd reads the drop-in through it`, () => {
    const { main, before } = setupWith(imports);
    assert.equal(readFileSync(main, 'utf8'), before, 'no second, absolute imports entry');
    dumpShowsNvidia(main);
  });
}

test('an absolute glob that matches the drop-in covers it', () => {
  const dir = join(work, `case-${n}`);
  const { main, before } = setupWith(`"${dir}/conf.d/*.toml"`);
  assert.equal(readFileSync(main, 'utf8'), before);
  dumpShowsNvidia(main);
});

for (const imports of ['"conf.d/*.toml"', '"other.d/*.toml"', '"conf.d/99-nvidia.tom?"']) {
  test(`${imports} does not load the drop-in on every containerd: the absolute path is added`, () => {
    const { main, dropIn } = setupWith(imports);
    const text = readFileSync(main, 'utf8');
    assert.ok(text.includes(`imports = [${imports}, "${dropIn}"]`), text);
    if (imports !== '"conf.d/99-nvidia.tom?"') dumpShowsNvidia(main); // a missing literal import fails the load
  });
}

test('importLoads: literal entries resolve against the main file’s directory; only absolute globs count', () => {
  const main = '/etc/containerd/config.toml';
  const drop = '/etc/containerd/conf.d/99-nvidia.toml';
  assert.ok(importLoads('conf.d/99-nvidia.toml', main, drop));
  assert.ok(importLoads('/etc/containerd/./conf.d/99-nvidia.toml', main, drop));
  assert.ok(importLoads('/etc/containerd/conf.d/*.toml', main, drop));
  assert.ok(importLoads('/etc/containerd/conf.d/*-nvidia.tom?', main, drop));
  assert.ok(!importLoads('conf.d/*.toml', main, drop), 'relative glob: containerd 1.6 globs against its cwd');
  assert.ok(!importLoads('/etc/containerd/conf.d/99-nvidia.tom?', main, drop), 'no `*`: a literal path');
  assert.ok(!importLoads('conf.d/99-nvidia.toml', '/etc/other/config.toml', drop));
  assert.ok(!importLoads('/etc/containerd/*', main, drop), '`*` stays within one path segment');
});
