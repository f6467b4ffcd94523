/**
 * The DaemonSet process's life, in-process (upstream-behaviour §1.4 "Run sequence"):
 *   1. lock the pid file (flock, non-blocking: the Go original's instances and ours exclude each other; a
 *      SIGKILLed holder leaves no lock behind, only a stale file we take over), then write our pid into it;
 *   2. remove a stale readiness file, install the toolkit, configure the engine, write the readiness file;
 *   3. `--no-daemon`: return here; otherwise wait for SIGTERM/SIGINT/SIGHUP/SIGQUIT;
 *   4. remove the readiness file, undo the engine configuration (unless --no-cleanup-on-exit), remove the
 *      pid file.
 * A signal before step 3 ends the process at once with status 0 and no cleanup ("exiting early"), as the
 * original does. That is safe at any await point: every config write is a single atomic rename and the
 * restore ledger is written before the change it records; a write whose engine restart was cut short is
 * reconciled by the next start (steps.ts).
 */
import { ftruncateSync, writeSync } from 'node:fs';
import { HostError, oneLine } from '../errors';
import { atomicWrite, removeFile } from '../host/files';
import { type FileLock, lockFile, removeLockFile } from '../host/lock';
import type { Logger } from '../log';

export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'] as const;
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

export interface LifecycleOptions {
  readonly pidFile: string;
  /** '' = none. */
  readonly readyFile: string;
  readonly noDaemon: boolean;
  readonly cleanupOnExit: boolean;
}

export interface LifecycleSteps {
  install(): Promise<void>;
  setup(): Promise<void>;
  cleanup(): Promise<void>;
  /** Starts keeping the configuration true while waiting (reconcile); stop() is awaited before cleanup. */
  watch?(): { stop(): Promise<void> } | undefined;
}

/** `process` in production; an EventEmitter in tests. */
export interface SignalSource {
  on(signal: ShutdownSignal, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: ShutdownSignal, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface LifecycleDeps {
  readonly logger: Logger;
  readonly signals?: SignalSource;
  /** Ends the process for an early signal (default process.exit; only this path may not return). */
  readonly exit?: (code: number) => void;
  readonly pid?: number;
}

export type LifecycleOutcome = 'done' | 'stopped' | 'early-exit';

/** Takes the pid-file lock and writes our pid (after locking: truncating first would blank a holder's pid). */
export function lockPidFile(path: string, pid: number): FileLock {
  const lock = lockFile(path, {
    waitSeconds: 0,
    heldMessage: `an instance of the NVIDIA toolkit container is already running (${path} is locked); exiting`,
  });
  try {
    ftruncateSync(lock.fd, 0);
    writeSync(lock.fd, `${pid}\n`, 0);
  } catch (err) {
    removeLockFile(lock);
    throw new HostError(`${path}: cannot write the pid: ${oneLine(err)}`, { file: path });
  }
  return lock;
}

function removeReady(path: string, logger: Logger): void {
  if (path !== '' && removeFile(path)) logger.debug('Removed the readiness file', { file: path });
}

export async function runLifecycle(
  o: LifecycleOptions,
  steps: LifecycleSteps,
  deps: LifecycleDeps,
): Promise<LifecycleOutcome> {
  const { logger } = deps;
  const signals = deps.signals ?? process;
  const exit = deps.exit ?? ((code: number) => process.exit(code));
  const pid = deps.pid ?? process.pid;

  const lock = lockPidFile(o.pidFile, pid);
  logger.info('Acquired the pid file lock', { file: o.pidFile, pid });
  // An object, not a variable: the signal handler changes it between awaits.
  const st: { phase: 'setup' | 'waiting' | 'stopping' | 'exited' } = { phase: 'setup' };
  const exitedEarly = () => st.phase === 'exited';
  let wake: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    wake = resolve;
  });
  const released = { done: false };
  const release = () => {
    if (released.done) return;
    released.done = true;
    for (const s of SHUTDOWN_SIGNALS) signals.off(s, onSignal);
    removeLockFile(lock);
    logger.debug('Removed the pid file', { file: o.pidFile });
  };
  function onSignal(signal: NodeJS.Signals): void {
    if (st.phase === 'setup') {
      st.phase = 'exited';
      logger.info('Signal received, exiting early', { signal });
      release();
      exit(0);
    } else if (st.phase === 'waiting') {
      st.phase = 'stopping';
      wake(signal);
    } else {
      logger.info('Signal received while shutting down; finishing the shutdown first', { signal });
    }
  }
  for (const s of SHUTDOWN_SIGNALS) signals.on(s, onSignal);

  try {
    // A marker from an earlier run must not announce a setup that has not happened yet (field-notes A-32).
    removeReady(o.readyFile, logger);
    await steps.install();
    if (exitedEarly()) return 'early-exit';
    await steps.setup();
    if (exitedEarly()) return 'early-exit';
    if (o.readyFile !== '') {
      atomicWrite(o.readyFile, `${pid}\n`, { mode: 0o644 });
      logger.info('Wrote the readiness file', { file: o.readyFile });
    }
    if (o.noDaemon) {
      logger.info('Setup complete; exiting (--no-daemon): the configuration stays in place');
      return 'done';
    }
    st.phase = 'waiting';
    logger.info('Setup complete; waiting for a signal (SIGTERM, SIGINT, SIGHUP or SIGQUIT) to clean up');
    // Signal listeners do not keep Node's event loop alive; this timer does, until a signal arrives.
    const keepAlive = setInterval(() => {}, 1 << 30);
    const watcher = steps.watch?.();
    const signal = await stopped.finally(() => clearInterval(keepAlive));
    logger.info('Signal received, shutting down', { signal });
    // before anything is undone: a re-apply in flight finishes first, and none starts after
    await watcher?.stop();
    removeReady(o.readyFile, logger);
    if (o.cleanupOnExit) await steps.cleanup();
    else logger.info('Leaving the engine configuration in place (--no-cleanup-on-exit)');
    logger.info('Shutdown complete');
    return 'stopped';
  } finally {
    // After an early exit the lock is already gone (and with a real exit we never get here).
    if (!exitedEarly()) release();
  }
}
