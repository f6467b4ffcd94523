/**
 * The cleanup rule end to end (built CLI as a child process, restarts off): cleanup changes only what this
 * owner's recorded setup changed (issue 10 items 1, 2 and 9, each the scenario from the issue).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mtimeNs, runCli } from '../helpers/cli';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ctk-rule-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function caseDir(): string {
  const d = join(dir, `case-${n++}`);
  mkdirSync(d);
  return d;
}

function ok(args: string[]): string {
  const r = runCli(args);
  assert.equal(r.status, 0, `exit 0 expected, stderr: ${r.stderr}`);
  return r.stderr;
}

const NONE = ['--restart-mode', 'none'];

describe('item 1: cri-o drop-in mode never writes crio.conf', () => {
  const CRIO_CONF = `[crio.runtime]
default_runtime = "nvidia"

[crio.runtime.runtimes.nvidia]
runtime_path = "/old/path/nvidia-container-runtime"
`;
  test("setup then cleanup with the same flags leaves the user's nvidia runtime and default alone", () => {
    const d = caseDir();
    const conf = join(d, 'crio.conf');
    const drop = join(d, 'conf.d', '99-nvidia.toml');
    writeFileSync(conf, CRIO_CONF);
    const mtime = mtimeNs(conf);
    const flags = ['--config-mode', 'config', '--config', conf, '--drop-in-config', drop, ...NONE];
    ok(['crio', 'setup', ...flags, '/usr/bin']);
    assert.ok(existsSync(drop));
    const stderr = ok(['crio', 'cleanup', ...flags, '/usr/bin']);
    assert.equal(readFileSync(conf, 'utf8'), CRIO_CONF);
    assert.equal(mtimeNs(conf), mtime, 'crio.conf not rewritten');
    assert.equal(existsSync(drop), false, 'the drop-in setup wrote is gone');
    assert.doesNotMatch(stderr, /removed the default-runtime setting/);
    assert.equal(existsSync(join(d, '.ctk-installer')), false);
  });

  test('without any ledger (set up by the Go original) cleanup removes the drop-in and still not crio.conf', () => {
    const d = caseDir();
    const conf = join(d, 'crio.conf');
    const drop = join(d, 'conf.d', '99-nvidia.toml');
    writeFileSync(conf, CRIO_CONF);
    mkdirSync(join(d, 'conf.d'));
    writeFileSync(
      drop,
      '[crio.runtime.runtimes.nvidia]\nruntime_path = "/usr/bin/nvidia-container-runtime"\n',
    );
    ok([
      'crio',
      'cleanup',
      '--config-mode',
      'config',
      '--config',
      conf,
      '--drop-in-config',
      drop,
      ...NONE,
      '/usr/bin',
    ]);
    assert.equal(readFileSync(conf, 'utf8'), CRIO_CONF);
    assert.equal(existsSync(drop), false);
  });
});

describe('item 2: cleanup by another owner changes nothing of this owner', () => {
  const MAIN =
    'version = 2\n\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "runc"\n';

  test('in place: `--runtime-name other` leaves nvidia, nvidia-cdi and nvidia-legacy', () => {
    const d = caseDir();
    const conf = join(d, 'config.toml');
    writeFileSync(conf, MAIN);
    ok(['containerd', 'setup', '--config', conf, ...NONE, '/usr/bin']);
    const configured = readFileSync(conf, 'utf8');
    const ledger = readFileSync(join(d, '.ctk-installer', 'config.toml.ledger.json'), 'utf8');
    const stderr = ok([
      'containerd',
      'cleanup',
      '--config',
      conf,
      '--runtime-name',
      'other',
      ...NONE,
      '/usr/bin',
    ]);
    assert.equal(readFileSync(conf, 'utf8'), configured);
    assert.match(configured, /runtimes\.nvidia-cdi\]/);
    assert.match(
      stderr,
      /level=info msg=".*config\.toml: the restore ledger has no record of a setup by \\"other\\" here; leaving the file as it is"/,
    );
    assert.equal(readFileSync(join(d, '.ctk-installer', 'config.toml.ledger.json'), 'utf8'), ledger);
    ok(['containerd', 'cleanup', '--config', conf, ...NONE, '/usr/bin']);
    assert.equal(readFileSync(conf, 'utf8'), MAIN);
  });

  test('drop-in: `--runtime-name other` neither deletes the drop-in nor drops its import', () => {
    const d = caseDir();
    const conf = join(d, 'config.toml');
    const drop = join(d, 'conf.d', '99-nvidia.toml');
    writeFileSync(conf, MAIN);
    const flags = ['--config', conf, '--drop-in-config', drop, ...NONE];
    ok(['containerd', 'setup', ...flags, '/usr/bin']);
    const main = readFileSync(conf, 'utf8');
    const dropText = readFileSync(drop, 'utf8');
    ok(['containerd', 'cleanup', ...flags, '--runtime-name', 'other', '/usr/bin']);
    assert.equal(readFileSync(conf, 'utf8'), main);
    assert.equal(readFileSync(drop, 'utf8'), dropText);
    const ledger = JSON.parse(readFileSync(join(d, '.ctk-installer', 'config.toml.ledger.json'), 'utf8'));
    assert.deepEqual(Object.keys(ledger.files).sort(), [conf, drop].sort());
    ok(['containerd', 'cleanup', ...flags, '/usr/bin']);
    assert.equal(readFileSync(conf, 'utf8'), MAIN);
    assert.equal(existsSync(drop), false);
  });

  test("a file configured by the Go original (no ledger at all) is cleaned up the original's way", () => {
    const d = caseDir();
    const conf = join(d, 'config.toml');
    writeFileSync(
      conf,
      `${MAIN}\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]\n    runtime_type = "io.containerd.runc.v2"\n`,
    );
    ok(['containerd', 'cleanup', '--config', conf, ...NONE, '/usr/bin']);
    assert.doesNotMatch(readFileSync(conf, 'utf8'), /nvidia/);
  });
});

describe('item 9: cri-o hook cleanup replaces or removes only a hook file that is ours', () => {
  test('a hook file changed since setup is left as it is', () => {
    const d = caseDir();
    const flags = [
      '--config-mode',
      'hook',
      '--hooks-dir',
      d,
      '--hook-filename',
      'oci-nvidia-hook.json',
      ...NONE,
    ];
    const hook = join(d, 'oci-nvidia-hook.json');
    ok(['crio', 'setup', ...flags, '/usr/bin']);
    writeFileSync(hook, '{"version": "1.0.0", "hook": {"path": "/opt/other-hook"}}\n');
    const stderr = ok(['crio', 'cleanup', ...flags, '/usr/bin']);
    assert.equal(readFileSync(hook, 'utf8'), '{"version": "1.0.0", "hook": {"path": "/opt/other-hook"}}\n');
    assert.match(stderr, /changed since setup wrote it; leaving it as it is/);
    assert.equal(existsSync(join(d, '.ctk-installer')), false, 'the record is gone');
  });

  test('setup records the sha256 of the hook it wrote', () => {
    const d = caseDir();
    const flags = ['--config-mode', 'hook', '--hooks-dir', d, ...NONE];
    ok(['crio', 'setup', ...flags, '/usr/bin']);
    const ledger = JSON.parse(
      readFileSync(join(d, '.ctk-installer', 'oci-nvidia-hook.json.ledger.json'), 'utf8'),
    );
    const entry = ledger.files[join(d, 'oci-nvidia-hook.json')];
    assert.match(entry.afterSha256, /^[0-9a-f]{64}$/);
  });
});
