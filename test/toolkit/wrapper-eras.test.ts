/**
 * Issue 12: the installed wrappers must get the toolkit config to the binaries of every toolkit version we may
 * install. The runtimes and the hook of the source tree are stand-ins (stand-ins/*.sh) that look for their
 * config with the lookup rules of v1.13–v1.17 or of v1.18+; each wrapper is run as an engine runs it, under
 * dash and bash and through its own `#!` line.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installToolkit } from '../../src/toolkit/install';
import { modulesFile, optionsWith, tempDir } from './fixture';
import { type Era, makeEraArtifacts, RUNTIMES, runStandIn } from './stand-ins';

const SHELLS = ['/bin/dash', '/bin/bash'];
const base = tempDir('ctk-eras-');
after(() => fs.rmSync(base, { recursive: true, force: true }));
const modules = modulesFile(join(base, 'modules'), true);
// The driver root as the installer sees it: no ldconfig.real, so the config names the plain ldconfig.
const driverCtr = join(base, 'driver');
fs.mkdirSync(join(driverCtr, 'sbin'), { recursive: true });
fs.writeFileSync(join(driverCtr, 'sbin/ldconfig'), '');

// What a containerd shim passes on, plus values of its own that the wrappers must override.
const ENGINE_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  XDG_CONFIG_HOME: join(base, 'engine-home/.config'),
  NVIDIA_CTK_CONFIG_FILE_PATH: join(base, 'elsewhere.toml'),
};
const RUNTIME_ARGS = ['--root', '/run/containerd/runc/k8s.io', 'create', '--bundle', '/run/b c', 'ctr-1'];

it('runs under both dash and bash (a missing shell fails, never skips)', () => {
  for (const shell of SHELLS) assert.ok(fs.existsSync(shell), `${shell} is required by these tests`);
});

for (const era of ['v1.17', 'v1.18'] as const satisfies readonly Era[]) {
  describe(`a toolkit installed from ${era}-era binaries`, () => {
    const root = join(base, era, 'toolkit');
    const config = join(root, '.config/nvidia-container-runtime/config.toml');
    const debugLog = join(base, era, "runtime debug 'log'");
    const runtimeVia = era === 'v1.17' ? 'XDG_CONFIG_HOME' : 'NVIDIA_CTK_CONFIG_FILE_PATH';
    const cliCall = `${root}/nvidia-container-cli --root=/run/nvidia/driver --load-kmods configure --ldconfig=@/run/nvidia/driver/sbin/ldconfig`;

    before(async () => {
      const src = makeEraArtifacts(join(base, `src-${era}`), era);
      await installToolkit(
        optionsWith(
          {
            toolkitRoot: root,
            toolkitSourceRoot: src,
            driverRoot: '/run/nvidia/driver',
            driverRootCtrPath: driverCtr,
            runtimeDebug: debugLog,
          },
          { procModulesPath: modules },
        ),
      );
    });

    for (const shell of [...SHELLS, undefined]) {
      const how = shell ?? 'its #! line';
      it(`${how}: every runtime reads the toolkit config and writes its debug log there`, (t) => {
        for (const name of RUNTIMES) {
          const before = fs.existsSync(debugLog) ? fs.readFileSync(debugLog, 'utf8') : '';
          const r = runStandIn(shell, join(root, name), RUNTIME_ARGS, ENGINE_ENV);
          assert.equal(r.status, 0, r.stderr);
          assert.equal(r.report.get('config'), config, name);
          assert.equal(r.report.get('via'), runtimeVia, name);
          assert.equal(r.report.get('debug'), debugLog, name);
          const added = fs.readFileSync(debugLog, 'utf8').slice(before.length);
          assert.equal(
            added,
            `${name}.real (${era} stand-in) config ${config} args ${RUNTIME_ARGS.join(' ')}\n`,
            name,
          );
          if (shell === undefined) t.diagnostic(`${name} appended to ${debugLog}: ${added.trimEnd()}`);
        }
      });

      it(`${how}: the hook reads the toolkit config and passes its driver root and ldconfig to nvidia-container-cli`, (t) => {
        for (const name of ['nvidia-container-runtime-hook', 'nvidia-container-toolkit']) {
          const r = runStandIn(shell, join(root, name), ['prestart'], ENGINE_ENV);
          assert.equal(r.status, 0, r.stderr);
          assert.equal(r.report.get('config'), config, name);
          assert.equal(r.report.get('via'), '-config', name);
          assert.equal(r.report.get('exec'), cliCall, name);
          // v1.18+ would find the same file through the variable alone.
          assert.equal(r.report.get('variable'), config, name);
          if (shell === undefined) t.diagnostic(`${name} prestart would exec: ${r.report.get('exec')}`);
        }
      });
    }

    it('the caller’s own flags still reach the hook after ours', () => {
      const r = runStandIn(undefined, join(root, 'nvidia-container-runtime-hook'), ['-debug', 'prestart'], {
        PATH: '/usr/bin:/bin',
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.report.get('config'), config);
      assert.equal(r.report.get('exec'), cliCall);
    });

    // The stand-ins tell the eras apart: given only the variable (all the previous wrappers set), a v1.17-era
    // binary misses the toolkit config and the hook loses --root, while a v1.18-era one finds it.
    it('control: with only NVIDIA_CTK_CONFIG_FILE_PATH, only v1.18-era binaries find the config', () => {
      const env = { PATH: '/usr/bin:/bin', NVIDIA_CTK_CONFIG_FILE_PATH: config };
      const rt = runStandIn('/bin/dash', join(root, 'nvidia-container-runtime.real'), RUNTIME_ARGS, env);
      const hook = runStandIn(
        '/bin/dash',
        join(root, 'nvidia-container-runtime-hook.real'),
        ['prestart'],
        env,
      );
      assert.equal(rt.status, 0, rt.stderr);
      assert.equal(hook.status, 0, hook.stderr);
      if (era === 'v1.17') {
        assert.notEqual(rt.report.get('config'), config);
        assert.notEqual(hook.report.get('config'), config);
        assert.doesNotMatch(hook.report.get('exec') ?? '', /--root=\/run\/nvidia\/driver/);
      } else {
        assert.equal(rt.report.get('config'), config);
        assert.equal(hook.report.get('config'), config);
        assert.equal(hook.report.get('exec'), cliCall);
      }
    });
  });
}
