/** `doctor` against a real dockerd 20.10: healthy after a verified reload; runtimes not reloaded named. */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { runCliAsync } from '../helpers/cli';
import { type DockerHandle, requireBinary, startDockerd } from '../helpers/daemons';
import { check, doctor, failing, type Kit, makeKit, snapshot } from './node';

const available = requireBinary('dockerd') && requireBinary('containerd');
const kits: Kit[] = [];
const daemons: DockerHandle[] = [];
after(async () => {
  for (const d of daemons) await d.stop();
  for (const k of kits) rmSync(k.dir, { recursive: true, force: true });
});

async function node(restartMode: 'signal' | 'none'): Promise<{ kit: Kit; d: DockerHandle }> {
  const kit = makeKit();
  kits.push(kit);
  const d = await startDockerd();
  daemons.push(d);
  const r = await runCliAsync([
    'docker',
    'setup',
    `--restart-mode=${restartMode}`,
    `--socket=${d.socket}`,
    `--config=${d.configPath}`,
    kit.runtimeDir,
  ]);
  assert.equal(r.status, 0, r.stderr);
  return { kit, d };
}

const args = (d: DockerHandle, kit: Kit) => [
  '--runtime=docker',
  `--config=${d.configPath}`,
  `--socket=${d.socket}`,
  `--cdi-spec-dir=${kit.cdiDir}`,
];

describe('doctor with a real dockerd', { skip: !available }, () => {
  test('healthy node after a SIGHUP reload: exit 0, dockerd runs the declared binaries; nothing written', async () => {
    const { kit, d } = await node('signal');
    const p = d.paths;
    const files = () => snapshot([kit.dir, d.dir], [p.dataRoot, p.execRoot, p.logPath, d.containerd.dir]);
    const before = files();
    const r = await doctor(args(d, kit));
    assert.equal(r.status, 0, `${r.stderr}\n${JSON.stringify(r.report.checks, null, 2)}`);
    assert.match(check(r.report, 'engine').summary, /^docker 20\.10\.\S+ answers on /);
    assert.equal(check(r.report, 'engine-config').summary, `docker (pid ${d.pid}) reads ${d.configPath}`);
    assert.equal(
      check(r.report, 'runtimes-loaded').summary,
      'docker loaded nvidia, nvidia-cdi, nvidia-legacy',
    );
    // docker 20.10 has no CDI: nvidia-cdi works on its own, so this is a warning, not a failure
    assert.equal(check(r.report, 'cdi-engine').status, 'warn');
    assert.deepEqual(files(), before);
  });

  test('daemon.json changed, dockerd not reloaded: runtimes-loaded says since when', async () => {
    const { kit, d } = await node('none');
    const r = await doctor(args(d, kit));
    assert.equal(r.status, 1);
    assert.deepEqual(failing(r.report), ['runtimes-loaded']);
    assert.match(
      check(r.report, 'runtimes-loaded').summary,
      /^nvidia, nvidia-cdi, nvidia-legacy declared in the file but not loaded: the engine was not reloaded since \d{4}-\d\d-\d\dT/,
    );
    assert.match(check(r.report, 'runtimes-loaded').fix ?? '', /reload dockerd/);
  });
});
