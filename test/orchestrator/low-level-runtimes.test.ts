import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ConfigError } from '../../src/errors';
import { memoryLogger } from '../../src/log';
import { runEngineOp } from '../../src/ops/transaction';
import { rewriteBoolArgs } from '../../src/options/option-spec';
import { allRunSpecs } from '../../src/options/run-options';
import { lowLevelRuntimes } from '../../src/orchestrator/low-level-runtimes';
import { resolveRunOptions, runOptionsCommand } from '../../src/orchestrator/options';
import { runtimesFor } from '../../src/orchestrator/steps';

const C = { runtimeType: 'io.containerd.runc.v2', annotationPrefixes: [], useLegacyConfig: false };

const cases: [string, 'docker' | 'containerd' | 'crio', string | null, string[]][] = [
  ['no file: the plain names', 'docker', null, ['runc', 'crun']],
  ['empty file: the plain names', 'containerd', '', ['runc', 'crun']],
  [
    'docker: the default runtime’s path first, then runc’s, then the names',
    'docker',
    JSON.stringify({
      'default-runtime': 'custom',
      runtimes: { custom: { path: '/opt/custom' }, runc: { path: '/usr/sbin/runc' } },
    }),
    ['/opt/custom', '/usr/sbin/runc', 'runc', 'crun'],
  ],
  [
    'docker: our own default runtime is never a low-level runtime',
    'docker',
    JSON.stringify({
      'default-runtime': 'nvidia',
      runtimes: { nvidia: { path: '/x/nvidia-container-runtime' } },
    }),
    ['runc', 'crun'],
  ],
  [
    'containerd v2: BinaryName of the default runtime and crun',
    'containerd',
    [
      'version = 2',
      '[plugins."io.containerd.grpc.v1.cri".containerd]',
      '  default_runtime_name = "kata"',
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata.options]',
      '  BinaryName = "/opt/kata/runc"',
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun.options]',
      '  BinaryName = "/usr/bin/crun"',
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
      '  runtime_type = "io.containerd.runc.v2"',
    ].join('\n'),
    ['/opt/kata/runc', '/usr/bin/crun', 'runc', 'crun'],
  ],
  [
    'cri-o: runtime_path, repeats dropped',
    'crio',
    [
      '[crio.runtime]',
      'default_runtime = "crun"',
      '[crio.runtime.runtimes.crun]',
      'runtime_path = "/usr/bin/crun"',
      '[crio.runtime.runtimes.runc]',
      'runtime_path = "/usr/bin/crun"',
    ].join('\n'),
    ['/usr/bin/crun', 'runc', 'crun'],
  ],
];

for (const [name, engine, text, want] of cases) {
  test(`lowLevelRuntimes: ${name}`, () => {
    assert.deepEqual(lowLevelRuntimes(engine, text, '/etc/x', C), want);
  });
}

test('lowLevelRuntimes: a malformed config is a ConfigError naming the file', () => {
  assert.throws(
    () => lowLevelRuntimes('docker', '{"runtimes": ', '/etc/docker/daemon.json', C),
    (e: unknown) => e instanceof ConfigError && e.message.startsWith('/etc/docker/daemon.json'),
  );
});

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ctk-llr-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('runtimesFor: the same list after our setup made nvidia the default (read from the restore ledger)', async () => {
  const config = join(tmp, 'daemon.json');
  writeFileSync(
    config,
    `${JSON.stringify({ 'default-runtime': 'custom', runtimes: { custom: { path: '/opt/custom' } } }, null, 2)}\n`,
  );
  const argv = ['/opt/nv', '--config', config, '--restart-mode', 'none'];
  const cmd = runOptionsCommand().argument('[D]').exitOverride();
  const { argv: rewritten, explicit } = rewriteBoolArgs(argv, allRunSpecs());
  cmd.parse(rewritten, { from: 'user' });
  const o = resolveRunOptions(cmd, cmd.args, {
    env: {},
    explicitBools: explicit,
    cwd: '/',
    hasRpm: () => false,
    warn: () => {},
  });
  const before = runtimesFor(o);
  assert.deepEqual(before, ['/opt/custom', 'runc', 'crun']);
  await runEngineOp(o.setup, memoryLogger());
  assert.match(readFileSync(config, 'utf8'), /"default-runtime": "nvidia"/);
  assert.deepEqual(runtimesFor(o), before);
  assert.deepEqual(runtimesFor({ ...o, runtimeConfig: false }), ['runc', 'crun']);
});
