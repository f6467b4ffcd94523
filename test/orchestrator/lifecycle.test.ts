// The lifecycle in-process, with fake steps and a fake signal source (real signals would hit the test runner):
// order of the steps, pid and readiness files, the early-signal exit, errors, and the flock on the pid file.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HostError, LockedError } from '../../src/errors';
import { memoryLogger } from '../../src/log';
import {
  type LifecycleOptions,
  type LifecycleSteps,
  lockPidFile,
  runLifecycle,
  SHUTDOWN_SIGNALS,
  type SignalSource,
} from '../../src/orchestrator/lifecycle';

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ctk-life-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function setup(over: Partial<LifecycleOptions> = {}) {
  const dir = join(tmp, String(n++));
  const o: LifecycleOptions = {
    pidFile: join(dir, 'run/toolkit.pid'),
    readyFile: join(dir, 'ready'),
    noDaemon: false,
    cleanupOnExit: true,
    ...over,
  };
  const calls: string[] = [];
  const signals = new EventEmitter();
  const exits: number[] = [];
  const logger = memoryLogger('debug');
  const listeners = () => SHUTDOWN_SIGNALS.reduce((sum, s) => sum + signals.listenerCount(s), 0);
  const emit = (s: NodeJS.Signals) => signals.emit(s, s);
  const deps = {
    logger,
    signals: signals as unknown as SignalSource,
    exit: (c: number) => void exits.push(c),
    pid: 4242,
  };
  return { o, calls, exits, logger, listeners, emit, deps };
}

/** Steps that record their calls; `hooks` run inside a step (to look at the files at that moment). */
function steps(
  calls: string[],
  hooks: Partial<Record<keyof LifecycleSteps, () => void | Promise<void>>> = {},
): LifecycleSteps {
  const step = (name: keyof LifecycleSteps) => async () => {
    calls.push(name);
    await hooks[name]?.();
  };
  return { install: step('install'), setup: step('setup'), cleanup: step('cleanup') };
}

const tick = () => new Promise((r) => setImmediate(r));
async function untilWaiting(t: ReturnType<typeof setup>): Promise<void> {
  for (let i = 0; i < 100 && !t.logger.lines.some((l) => l.includes('waiting for a signal')); i++)
    await tick();
}

for (const signal of SHUTDOWN_SIGNALS) {
  test(`daemon: install, setup, ready, wait; ${signal} → cleanup, ready and pid files removed`, async () => {
    const t = setup();
    const seen: Record<string, boolean> = {};
    const run = runLifecycle(
      t.o,
      steps(t.calls, {
        install: () => {
          seen.pidDuringInstall = readFileSync(t.o.pidFile, 'utf8') === '4242\n';
        },
        setup: () => {
          seen.readyDuringSetup = existsSync(t.o.readyFile);
        },
        cleanup: () => {
          seen.readyDuringCleanup = existsSync(t.o.readyFile);
          seen.pidDuringCleanup = existsSync(t.o.pidFile);
        },
      }),
      t.deps,
    );
    await untilWaiting(t);
    assert.ok(existsSync(t.o.readyFile), 'ready while waiting');
    assert.equal(t.listeners(), 4);
    t.emit(signal);
    assert.equal(await run, 'stopped');
    assert.deepEqual(t.calls, ['install', 'setup', 'cleanup']);
    assert.deepEqual(seen, {
      pidDuringInstall: true,
      readyDuringSetup: false,
      readyDuringCleanup: false,
      pidDuringCleanup: true,
    });
    assert.ok(!existsSync(t.o.pidFile) && !existsSync(t.o.readyFile));
    assert.equal(t.listeners(), 0, 'signal handlers removed');
    assert.deepEqual(t.exits, []);
  });
}

test('--no-cleanup-on-exit: a signal stops it without touching the engine configuration', async () => {
  const t = setup({ cleanupOnExit: false });
  const run = runLifecycle(t.o, steps(t.calls), t.deps);
  await untilWaiting(t);
  t.emit('SIGTERM');
  assert.equal(await run, 'stopped');
  assert.deepEqual(t.calls, ['install', 'setup']);
  assert.ok(!existsSync(t.o.pidFile) && !existsSync(t.o.readyFile));
});

test('--no-daemon: returns after setup; pid file removed, readiness file left (the setup stays), no handlers', async () => {
  const t = setup({ noDaemon: true });
  assert.equal(await runLifecycle(t.o, steps(t.calls), t.deps), 'done');
  assert.deepEqual(t.calls, ['install', 'setup']);
  assert.ok(!existsSync(t.o.pidFile));
  assert.ok(existsSync(t.o.readyFile));
  assert.equal(t.listeners(), 0);
});

test('a readiness file left by an earlier run is removed before anything is installed', async () => {
  const t = setup({ noDaemon: true });
  mkdirSync(join(t.o.readyFile, '..'), { recursive: true });
  writeFileSync(t.o.readyFile, 'stale\n');
  let readyDuringInstall = true;
  await runLifecycle(
    t.o,
    steps(t.calls, {
      install: () => {
        readyDuringInstall = existsSync(t.o.readyFile);
      },
    }),
    t.deps,
  );
  assert.equal(readyDuringInstall, false);
});

test('a signal before setup finished: exit(0) at once, no cleanup, pid file removed, later steps skipped', async () => {
  const t = setup();
  let release: () => void = () => {};
  const installing = new Promise<void>((r) => {
    release = r;
  });
  const run = runLifecycle(t.o, steps(t.calls, { install: () => installing }), t.deps);
  await tick();
  t.emit('SIGTERM');
  assert.deepEqual(t.exits, [0]);
  assert.ok(!existsSync(t.o.pidFile));
  assert.ok(t.logger.lines.some((l) => /Signal received, exiting early.*signal=SIGTERM/.test(l)));
  release();
  assert.equal(await run, 'early-exit');
  assert.deepEqual(t.calls, ['install']);
  assert.ok(!existsSync(t.o.readyFile));
  assert.equal(t.listeners(), 0);
});

test('a setup error rejects with that error; pid file released, no readiness file', async () => {
  const t = setup();
  const boom = new HostError('engine refused');
  await assert.rejects(
    runLifecycle(t.o, steps(t.calls, { setup: () => Promise.reject(boom) }), t.deps),
    boom,
  );
  assert.ok(!existsSync(t.o.pidFile) && !existsSync(t.o.readyFile));
  assert.equal(t.listeners(), 0);
  // and the lock is free again
  lockPidFile(t.o.pidFile, 1).release();
});

test('a cleanup error rejects; the pid file is still removed; more signals during cleanup are only logged', async () => {
  const t = setup();
  const boom = new HostError('cannot restore');
  const run = runLifecycle(
    t.o,
    steps(t.calls, {
      cleanup: async () => {
        t.emit('SIGINT');
        throw boom;
      },
    }),
    t.deps,
  );
  await untilWaiting(t);
  t.emit('SIGTERM');
  await assert.rejects(run, boom);
  assert.deepEqual(t.calls, ['install', 'setup', 'cleanup']);
  assert.ok(!existsSync(t.o.pidFile) && !existsSync(t.o.readyFile));
  assert.ok(t.logger.lines.some((l) => /while shutting down.*signal=SIGINT/.test(l)));
  assert.deepEqual(t.exits, []);
});

test('pid file held by another open file description: LockedError "already running", the holder’s pid stays', async () => {
  const t = setup();
  const holder = lockPidFile(t.o.pidFile, 111);
  try {
    await assert.rejects(
      runLifecycle(t.o, steps(t.calls), t.deps),
      (e: unknown) => e instanceof LockedError && /already running/.test(e.message),
    );
    assert.equal(readFileSync(t.o.pidFile, 'utf8'), '111\n');
    assert.deepEqual(t.calls, []);
    assert.equal(t.listeners(), 0);
  } finally {
    holder.release();
  }
});

test('a stale pid file (no holder) is taken over and its old content replaced', async () => {
  const t = setup({ noDaemon: true });
  mkdirSync(join(t.o.pidFile, '..'), { recursive: true });
  writeFileSync(t.o.pidFile, '99999999\nleftover text\n');
  let pid = '';
  await runLifecycle(
    t.o,
    steps(t.calls, {
      install: () => {
        pid = readFileSync(t.o.pidFile, 'utf8');
      },
    }),
    t.deps,
  );
  assert.equal(pid, '4242\n');
});

test('daemon: the watcher starts once waiting; a signal stops it and waits for it before cleanup', async () => {
  const t = setup();
  let finishStop: () => void = () => {};
  const s: LifecycleSteps = {
    ...steps(t.calls),
    watch() {
      t.calls.push('watch');
      return {
        stop: () => {
          t.calls.push('stop');
          return new Promise<void>((r) => {
            finishStop = () => {
              t.calls.push('stopped');
              r();
            };
          });
        },
      };
    },
  };
  const run = runLifecycle(t.o, s, t.deps);
  await untilWaiting(t);
  assert.deepEqual(t.calls, ['install', 'setup', 'watch']);
  t.emit('SIGTERM');
  for (let i = 0; i < 20; i++) await tick();
  assert.deepEqual(
    t.calls,
    ['install', 'setup', 'watch', 'stop'],
    'no cleanup while a reconcile is in flight',
  );
  finishStop();
  assert.equal(await run, 'stopped');
  assert.deepEqual(t.calls, ['install', 'setup', 'watch', 'stop', 'stopped', 'cleanup']);
});
