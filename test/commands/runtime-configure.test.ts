/** `runtime configure` (node admins): dry-run diffs, the JSON summary, and the logging flags. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { mtimeNs, runCli } from '../helpers/cli';
import { fixture } from '../helpers/fixtures';

const dir = mkdtempSync(join(tmpdir(), 'ctk-configure-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('--dry-run prints a unified diff of the file and changes nothing', () => {
  const p = join(dir, 'config.toml');
  const original = fixture('containerd', 'k3s-style.toml');
  writeFileSync(p, original);
  const m = mtimeNs(p);
  const r = runCli([
    'runtime',
    'configure',
    '--runtime',
    'containerd',
    '--dry-run',
    '--config',
    p,
    '--restart-mode',
    'none',
  ]);
  assert.equal(r.status, 0, r.stderr);
  // --preset auto (the default here) heads the diff with what it found: nothing listens on the default sockets
  assert.match(r.stdout, /^engine: {2}not identified\npreset: {2}containerd\n/);
  assert.match(r.stdout, new RegExp(`^--- ${p}\n\\+\\+\\+ ${p}\n@@ `, 'm'));
  assert.match(r.stdout, /^\+\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.nvidia\]$/m);
  assert.match(
    r.stdout,
    /^\+ {2}BinaryName = "\/usr\/bin\/nvidia-container-runtime"$/m,
    'default RUNTIME_DIR is /usr/bin',
  );
  assert.doesNotMatch(
    r.stdout,
    /default_runtime_name = "nvidia"/,
    'runtime configure does not set the default unless asked',
  );
  assert.equal(readFileSync(p, 'utf8'), original);
  assert.equal(mtimeNs(p), m);
});

test('--output json summarises what changed, the runtimes and the restart', () => {
  const p = join(dir, 'daemon.json');
  writeFileSync(p, fixture('docker', 'tabs.json'));
  const args = ['runtime', 'configure', '--runtime=docker', '--config', p, '--restart-mode', 'none'];
  const setup = [...args, '--set-as-default', '--output', 'json', '/opt/nv'];
  const r = runCli(setup);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.changed, [p]);
  assert.deepEqual(out.runtimes[0], {
    name: 'nvidia',
    path: '/opt/nv/nvidia-container-runtime',
    default: true,
  });
  assert.deepEqual(out.restart, { mode: 'none', skipped: true });
  assert.equal(JSON.parse(readFileSync(p, 'utf8'))['default-runtime'], 'nvidia');
  const again = JSON.parse(runCli(setup).stdout);
  assert.deepEqual(again.changed, []);
  assert.equal(again.restart, null);
  const undo = runCli([...args, '--cleanup', '/opt/nv']);

  assert.equal(undo.status, 0, undo.stderr);
  assert.equal(readFileSync(p, 'utf8'), fixture('docker', 'tabs.json'));
});

test('RUNTIME selects the engine; an unknown one exits 2', () => {
  const p = join(dir, 'crio.conf');
  writeFileSync(p, fixture('crio', 'crio-crun-runc.conf'));
  const r = runCli(['runtime', 'configure', '--config', p, '--restart-mode', 'none', '--dry-run'], {
    env: { RUNTIME: 'crio' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\[crio\.runtime\.runtimes\.nvidia\]/);
  assert.equal(runCli(['runtime', 'configure', '--runtime', 'podman', '--dry-run']).status, 2);
});

test('--log-format json writes one JSON object per line; --debug adds debug lines', () => {
  const p = join(dir, 'log.toml');
  writeFileSync(p, 'version = 2\n');
  const r = runCli([
    '--log-format',
    'json',
    'containerd',
    'setup',
    '--restart-mode',
    'none',
    '--config',
    p,
    '/opt/nv',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(
    lines.every(
      (l) => typeof l.time === 'string' && typeof l.msg === 'string' && ['info', 'warning'].includes(l.level),
    ),
  );
  const bad = runCli([
    '--log-format',
    'json',
    'containerd',
    'setup',
    '--restart-mode',
    'none',
    '--config',
    join(dir, 'nope', '..', 'log.toml'),
    '--runtime-name',
    'a b',
    '/opt/nv',
  ]);
  assert.equal(bad.status, 2);
  assert.equal(JSON.parse(bad.stderr.trim()).level, 'error');
  const text = runCli(['containerd', 'cleanup', '--restart-mode', 'none', '--config', p, '/opt/nv']);
  assert.match(text.stderr, /^time="[^"]+" level=info msg="Wrote file" file=\//m);
});
