// The check after a restart: what the engine must show, a runtime left to a distribution that only some of
// its versions generate (k3s's nvidia-cdi), whose absence is a warning naming those versions, not a failure, and
// CDI that dockerd still shows off after a reload (a warning saying to restart it fully).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EngineExpectation, EngineState } from '../../src/host/engine-status';
import { memoryLogger } from '../../src/log';
import { restartAndVerify } from '../../src/ops/restart-verify';
import { runtimeSet } from '../../src/runtimes/runtime-set';

const TK = '/usr/local/nvidia/toolkit';
const runtimes = runtimeSet({ name: 'nvidia', setAsDefault: false, dir: TK });
const o = {
  engine: 'containerd' as const,
  action: 'setup' as const,
  restartMode: 'systemd' as const,
  socket: '/run/k3s/containerd/containerd.sock',
  hostRoot: '',
  restartUnit: 'k3s',
  restartAttempts: 1,
  restartIntervalMs: 0,
  verifyTimeoutMs: 1000,
  setAsDefault: false,
  enableCdi: false,
};

function fakeEngine(state: EngineState) {
  const asked: EngineExpectation[] = [];
  return {
    asked,
    fx: {
      restart: async () => ({ skipped: false, method: 'systemd' as const }),
      waitForEngine: async (req: { expect: EngineExpectation }) => {
        asked.push(req.expect);
        return { elapsedMs: 1, state };
      },
    },
  };
}

const shown = (names: string[]): EngineState => ({
  runtimes: Object.fromEntries(
    names.map((n) => [
      n,
      {
        path: `${TK}/${n === 'nvidia' ? 'nvidia-container-runtime' : `nvidia-container-runtime.${n.slice(7)}`}`,
      },
    ]),
  ),
  defaultRuntime: 'runc',
});

test('every runtime is waited for when none is left to the distribution', async () => {
  const e = fakeEngine(shown(['nvidia', 'cdi', 'legacy'].map((n) => (n === 'nvidia' ? n : `nvidia-${n}`))));
  await restartAndVerify(o, runtimes, memoryLogger(), e.fx as never);
  assert.deepEqual(Object.keys(e.asked[0]!.present!).sort(), ['nvidia', 'nvidia-cdi', 'nvidia-legacy']);
});

test('k3s without nvidia-cdi: not waited for, a warning names the k3s versions that make it', async () => {
  const e = fakeEngine(shown(['nvidia', 'nvidia-legacy']));
  const logger = memoryLogger();
  const since = 'v1.28.15, v1.29.10, v1.30.6, v1.31.2';
  const r = await restartAndVerify(o, runtimes, logger, e.fx as never, { 'nvidia-cdi': since });
  assert.equal(r.verified, true);
  assert.deepEqual(Object.keys(e.asked[0]!.present!).sort(), ['nvidia', 'nvidia-legacy']);
  const warned = logger.lines.filter((l) => l.includes('level=warning'));
  assert.equal(warned.length, 1);
  assert.match(
    warned[0]!,
    /does not show the runtime nvidia-cdi .*not there.*only from v1\.28\.15, v1\.29\.10, v1\.30\.6, v1\.31\.2/,
  );
});

test('k3s with nvidia-cdi: no warning', async () => {
  const e = fakeEngine(shown(['nvidia', 'nvidia-cdi', 'nvidia-legacy']));
  const logger = memoryLogger();
  await restartAndVerify(o, runtimes, logger, e.fx as never, { 'nvidia-cdi': 'v1.28.15' });
  assert.deepEqual(
    logger.lines.filter((l) => l.includes('level=warning')),
    [],
  );
});

const docker = {
  ...o,
  engine: 'docker' as const,
  restartMode: 'signal' as const,
  socket: '/run/docker.sock',
};
const cdiWarnings = async (enableCdi: boolean, cdi: boolean | undefined) => {
  const e = fakeEngine({
    ...shown(['nvidia', 'nvidia-cdi', 'nvidia-legacy']),
    ...(cdi === undefined ? {} : { cdi }),
  });
  const logger = memoryLogger();
  await restartAndVerify({ ...docker, enableCdi }, runtimes, logger, e.fx as never);
  return logger.lines.filter((l) => l.includes('level=warning'));
};

test('dockerd showing CDI off after a setup that turns it on: a warning to restart it fully', async () => {
  const warned = await cdiWarnings(true, false);
  assert.equal(warned.length, 1);
  assert.match(warned[0]!, /docker shows CDI off .*a reload does not apply it; restart docker fully/);
});

test('no CDI warning when dockerd has CDI on, does not say (before 25), or CDI was not asked for', async () => {
  assert.deepEqual(await cdiWarnings(true, true), []);
  assert.deepEqual(await cdiWarnings(true, undefined), []);
  assert.deepEqual(await cdiWarnings(false, false), []);
});
