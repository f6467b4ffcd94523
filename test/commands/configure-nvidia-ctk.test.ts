/**
 * Every flag of `nvidia-ctk runtime configure` (v1.17) is accepted by `runtime configure`; each test follows one
 * flag from the command line to the file on disk (or to the log line saying why it is ignored).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { mtimeNs, runCli } from '../helpers/cli';
import { fixture } from '../helpers/fixtures';

const root = mkdtempSync(join(tmpdir(), 'ctk-nvidia-ctk-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A fresh directory with a docker daemon.json (two-space fixture) in it. */
function dockerCase(): { dir: string; config: string } {
  const dir = join(root, `case${n++}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const config = join(dir, 'daemon.json');
  writeFileSync(config, fixture('docker', 'two-space.json'));
  return { dir, config };
}

function configure(args: string[]) {
  return runCli(['runtime', 'configure', '--restart-mode=none', ...args]);
}
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

test('--dry-run: the diff is printed and the file is untouched', () => {
  const { config } = dockerCase();
  const m = mtimeNs(config);
  const r = configure(['--runtime=docker', `--config=${config}`, '--dry-run']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\+ {4}"nvidia": \{$/m);
  assert.equal(mtimeNs(config), m);
});

test("--runtime and --config: the named engine's file at that path gets the runtimes", () => {
  const dir = join(root, 'ctd');
  mkdirSync(dir);
  const config = join(dir, 'config.toml');
  writeFileSync(config, 'version = 2\n');
  const r = configure(['--runtime', 'containerd', '--config', config]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    readFileSync(config, 'utf8'),
    /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.nvidia\.options\]\n\s*BinaryName = "\/usr\/bin\/nvidia-container-runtime"/,
  );
});

test('--nvidia-runtime-name: the runtime entry takes that name', () => {
  const { config } = dockerCase();
  assert.equal(configure(['--runtime=docker', `--config=${config}`, '--nvidia-runtime-name=gpu']).status, 0);
  assert.deepEqual(json(config).runtimes.gpu, { path: '/usr/bin/nvidia-container-runtime', args: [] });
});

for (const flag of ['--nvidia-runtime-path', '--runtime-path']) {
  test(`${flag}: the runtime executable named in the file, its siblings from its directory`, () => {
    const { config } = dockerCase();
    const r = configure([
      '--runtime=docker',
      `--config=${config}`,
      flag,
      '/opt/nv/bin/nvidia-container-runtime',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const rt = json(config).runtimes;
    assert.equal(rt.nvidia.path, '/opt/nv/bin/nvidia-container-runtime');
    assert.equal(rt['nvidia-cdi'].path, '/opt/nv/bin/nvidia-container-runtime.cdi');
  });
}

test('--nvidia-runtime-path: a relative path, another executable name or a second directory are usage errors', () => {
  const { config } = dockerCase();
  const before = readFileSync(config, 'utf8');
  for (const extra of [
    ['--nvidia-runtime-path=nvidia-container-runtime'],
    ['--nvidia-runtime-path=/opt/nv/my-runtime'],
    ['--nvidia-runtime-path=/opt/nv/nvidia-container-runtime', '/opt/other'],
  ]) {
    const r = configure(['--runtime=docker', `--config=${config}`, ...extra]);
    assert.equal(r.status, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /level=error msg=".*--nvidia-runtime-path/);
  }
  assert.equal(readFileSync(config, 'utf8'), before);
});

for (const flag of ['--nvidia-set-as-default', '--set-as-default']) {
  test(`${flag}: nvidia becomes the default runtime`, () => {
    const { config } = dockerCase();
    assert.equal(configure(['--runtime=docker', `--config=${config}`, flag]).status, 0);
    assert.equal(json(config)['default-runtime'], 'nvidia');
  });
}

for (const flag of ['--cdi.enabled', '--cdi.enable', '--enable-cdi']) {
  test(`${flag}: CDI is enabled in the engine (docker features.cdi)`, () => {
    const { config } = dockerCase();
    assert.equal(configure(['--runtime=docker', `--config=${config}`, flag]).status, 0);
    assert.deepEqual(json(config).features, { cdi: true });
    const off = dockerCase();
    assert.equal(configure(['--runtime=docker', `--config=${off.config}`, `${flag}=false`]).status, 0);
    assert.equal(json(off.config).features, undefined);
  });
}

test('--executable-path: accepted, ignored with the reason logged, the file written as without it', () => {
  const a = dockerCase();
  const b = dockerCase();
  const r = configure(['--runtime=docker', `--config=${a.config}`, '--executable-path=/usr/bin/dockerd']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /level=warning msg="--executable-path is ignored: /);
  assert.equal(configure(['--runtime=docker', `--config=${b.config}`]).status, 0);
  assert.equal(readFileSync(a.config, 'utf8'), readFileSync(b.config, 'utf8'));
});

test('--config-source: file is what we do; command is accepted and ignored with the reason; others exit 2', () => {
  const a = dockerCase();
  const file = configure(['--runtime=docker', `--config=${a.config}`, '--config-source=file']);
  assert.equal(file.status, 0, file.stderr);
  assert.doesNotMatch(file.stderr, /ignored/);
  const b = dockerCase();
  const cmd = configure(['--runtime=docker', `--config=${b.config}`, '--config-source', 'command']);
  assert.equal(cmd.status, 0, cmd.stderr);
  assert.match(cmd.stderr, /level=warning msg="--config-source=command is ignored: /);
  assert.equal(readFileSync(a.config, 'utf8'), readFileSync(b.config, 'utf8'));
  assert.equal(configure(['--runtime=docker', `--config=${b.config}`, '--config-source=api']).status, 2);
});

test('--config-mode: config writes cri-o runtime entries; oci-hook writes the hook at --oci-hook-path', () => {
  const dir = join(root, 'crio');
  mkdirSync(dir);
  const config = join(dir, 'crio.conf');
  writeFileSync(config, fixture('crio', 'crio-crun-runc.conf'));
  const r = configure(['--runtime=crio', `--config=${config}`, '--config-mode=config']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(readFileSync(config, 'utf8'), /^\[crio\.runtime\.runtimes\.nvidia\]$/m);

  const hook = join(dir, 'hooks', 'my-hook.json');
  const before = readFileSync(config, 'utf8');
  const h = configure([
    '--runtime=crio',
    `--config=${config}`,
    '--config-mode=oci-hook',
    `--oci-hook-path=${hook}`,
    '--nvidia-runtime-hook-path=/opt/nv/nvidia-container-runtime-hook',
  ]);
  assert.equal(h.status, 0, h.stderr);
  const written = json(hook);
  assert.equal(written.hook.path, '/opt/nv/nvidia-container-runtime-hook');
  assert.deepEqual(written.stages, ['prestart']);
  assert.equal(readFileSync(config, 'utf8'), before, 'hook mode leaves crio.conf alone');
  const undo = configure([
    '--runtime=crio',
    '--config-mode=oci-hook',
    `--oci-hook-path=${hook}`,
    '--cleanup',
  ]);
  assert.equal(undo.status, 0, undo.stderr);
  assert.equal(existsSync(hook), false);
});

test('--config-mode=oci-hook is refused for docker and containerd, as by the original', () => {
  const { config } = dockerCase();
  const r = configure(['--runtime=docker', `--config=${config}`, '--config-mode=oci-hook']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /only supported for crio/);
});

test('--oci-hook-path and --nvidia-runtime-hook-path outside cri-o hook mode: accepted, ignored, said why', () => {
  const { config } = dockerCase();
  const r = configure([
    '--runtime=docker',
    `--config=${config}`,
    '--oci-hook-path=/tmp/x.json',
    '--nvidia-runtime-hook-path=/usr/bin/nvidia-container-runtime-hook',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /msg="--oci-hook-path is ignored: it is only used by cri-o/);
  assert.match(r.stderr, /msg="--nvidia-runtime-hook-path is ignored: it is only used by cri-o/);
  assert.equal(existsSync('/tmp/x.json'), false);
});
