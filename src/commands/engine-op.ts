/**
 * setup / cleanup of one engine, shared by every CLI persona: validate, lock, read, plan (pure), write
 * crash-safely, then restart and verify only when a file really changed.
 */

import { dockerTransition } from '../engines/docker-transition';
import { type EngineRequest, type Plan, planCleanup, planSetup } from '../engines/plan';
import type { EngineName } from '../engines/types';
import { UsageError } from '../errors';
import { applyWrites } from '../host/apply-writes';
import { waitForEngine } from '../host/engine-status';
import { removeStaleTemps } from '../host/files';
import { ledgerPaths, lockLedger, readLedger, removeLedgerTemps, writeLedger } from '../host/ledger-store';
import { type RestartResult, restartEngine } from '../host/restart';
import { findSocketOwner } from '../host/socket-owner';
import type { Logger } from '../log';
import type { Action, EngineOpOptions } from '../options/engine-op-options';
import { type RuntimeSpec, runtimeSet } from '../runtimes/runtime-set';
import { runHook } from './crio-hook';
import { diffOf, releaseState, snapshot, unlock, writeLedgerIfChanged } from './engine-state';

export type { Action, EngineOpOptions };

export interface EngineOpResult {
  readonly engine: EngineName;
  readonly action: Action;
  readonly changed: string[];
  readonly runtimes: RuntimeSpec[];
  readonly restart: RestartResult | null;
  readonly verified: boolean;
  readonly warnings: string[];
  readonly diff?: string;
}

export async function runEngineOp(o: EngineOpOptions, logger: Logger): Promise<EngineOpResult> {
  const runtimes = runtimeSet({ name: o.runtimeName, setAsDefault: o.setAsDefault, dir: o.runtimeDir });
  if (o.engine === 'crio' && o.restartMode === 'signal') {
    throw new UsageError('supporting crio via signal is unsupported; use --restart-mode=systemd or none');
  }
  if (o.engine === 'crio' && o.configMode === 'hook') return runHook(o, runtimes, logger);
  if (o.engine === 'docker' && o.dropInConfig !== '') {
    logger.warn('docker has no drop-in config files; ignoring --drop-in-config', {
      'drop-in-config': o.dropInConfig,
    });
  }
  const dropInPath = o.engine === 'docker' ? '' : o.dropInConfig;
  const lock = o.dryRun ? undefined : lockLedger(o.config);
  try {
    const { ledger: ledgerPath } = ledgerPaths(o.config);
    // a run killed mid-write leaves a hidden temp file; under the lock nobody else is writing these files
    if (lock) {
      for (const p of [o.config, dropInPath]) if (p) removeStaleTemps(p);
      removeLedgerTemps(ledgerPath);
    }
    const ledger = readLedger(ledgerPath);
    const req: EngineRequest = {
      engine: o.engine,
      owner: runtimes[0]!.name,
      runtimes,
      enableCdi: o.enableCdi,
      containerd: {
        runtimeType: o.runtimeType,
        annotationPrefixes: o.annotationPrefixes,
        useLegacyConfig: o.useLegacyConfig,
      },
      main: snapshot(o.config),
      ...(dropInPath
        ? { dropIn: { file: snapshot(dropInPath), importPath: o.dropInConfigHostPath || dropInPath } }
        : {}),
    };
    const plan: Plan = o.action === 'setup' ? planSetup(req, ledger) : planCleanup(req, ledger);
    for (const w of plan.warnings) logger.warn(w);
    const result = { engine: o.engine, action: o.action, runtimes, warnings: plan.warnings };
    if (o.dryRun) {
      return {
        ...result,
        changed: plan.writes.map((w) => w.path),
        restart: null,
        verified: false,
        diff: diffOf(plan.writes),
      };
    }
    if (plan.writes.length === 0) {
      writeLedgerIfChanged(ledgerPath, ledger, plan.ledger);
      logger.info(`${o.engine} configuration unchanged; not restarting ${o.engine}`, { config: o.config });
      if (o.action === 'cleanup') releaseState(o.config, plan.ledger, lock);
      return { ...result, changed: [], restart: null, verified: false };
    }
    // A restart that cannot happen must fail before anything is written (the socket is checked now, not after).
    if (o.restartMode === 'signal') await findSocketOwner(o.socket);
    // Setup records what it is about to change before changing it; cleanup forgets only after undoing it.
    if (o.action === 'setup') writeLedger(ledgerPath, plan.ledger);
    const transition =
      o.engine === 'docker' && o.action === 'cleanup' && o.restartMode === 'signal'
        ? dockerTransition(plan.writes, o.config)
        : [];
    let outcome: { restart: RestartResult; verified: boolean };
    if (transition.length > 0) {
      applyWrites(transition, o.action);
      try {
        outcome = await restartAndVerify(o, runtimes, logger);
      } finally {
        // the transitional file must never stay behind, whatever the reload did
        applyWrites(plan.writes, o.action);
      }
    } else {
      try {
        applyWrites(plan.writes, o.action);
      } catch (err) {
        // nothing was changed after all: the ledger goes back to what it was (removed when it was empty)
        if (o.action === 'setup') writeLedger(ledgerPath, ledger);
        throw err;
      }
    }
    for (const w of plan.writes)
      logger.info(w.after === null ? 'Removed file' : 'Wrote file', { file: w.path });
    if (o.action === 'cleanup') writeLedger(ledgerPath, plan.ledger);
    const { restart, verified } =
      transition.length > 0 ? outcome! : await restartAndVerify(o, runtimes, logger);
    if (o.action === 'cleanup') releaseState(o.config, plan.ledger, lock);
    return { ...result, changed: plan.writes.map((w) => w.path), restart, verified };
  } finally {
    unlock(lock, o.config);
  }
}

export async function restartAndVerify(
  o: Pick<
    EngineOpOptions,
    | 'engine'
    | 'action'
    | 'restartMode'
    | 'socket'
    | 'hostRoot'
    | 'restartUnit'
    | 'restartAttempts'
    | 'restartIntervalMs'
    | 'verifyTimeoutMs'
    | 'setAsDefault'
  >,
  runtimes: readonly RuntimeSpec[],
  logger: Logger,
): Promise<{ restart: RestartResult; verified: boolean }> {
  const restart = await restartEngine({
    engine: o.engine,
    mode: o.restartMode,
    socket: o.socket,
    hostRoot: o.hostRoot,
    unit: o.restartUnit,
    attempts: o.restartAttempts,
    intervalMs: o.restartIntervalMs,
    logger,
  });
  if (restart.skipped || o.verifyTimeoutMs === 0 || o.engine === 'crio') {
    if (o.engine === 'crio' && !restart.skipped)
      logger.info('cri-o does not report its runtimes over the socket; not verified');
    return { restart, verified: false };
  }
  const expect =
    o.action === 'setup'
      ? {
          present: Object.fromEntries(runtimes.map((r) => [r.name, r.binary])),
          ...(runtimes.find((r) => r.isDefault)
            ? { defaultRuntime: runtimes.find((r) => r.isDefault)!.name }
            : {}),
        }
      : { absent: runtimes.map((r) => r.name) };
  const waited = await waitForEngine({
    engine: o.engine,
    socket: o.socket,
    expect,
    timeoutMs: o.verifyTimeoutMs,
    logger,
    ...(restart.pid !== undefined && o.engine === 'containerd' ? { previousPid: restart.pid } : {}),
  });
  logger.info(`${o.engine} shows the change`, { elapsed_ms: waited.elapsedMs });
  return { restart, verified: true };
}
