/**
 * The engine-operation transaction: the one path every setup and cleanup takes, for every engine and mode
 * (config in place, drop-in, cri-o OCI hook, docker's transitional reload), whether started by the
 * `docker|containerd|crio` CLIs, `runtime configure` or the orchestrator.
 *
 *   lock -> read + plan -> [nothing to write: done] -> restart precheck -> commit -> restart -> verify
 *
 * commit is the one place files and ledger change, in one order with one rollback:
 * - setup records what it is about to change (ledger) before changing it; a failed write puts the ledger back;
 * - cleanup forgets only after undoing (writes, then ledger); a failed ledger write takes the writes back;
 * - every write is a compare-and-swap against the bytes that were read. When another program changed a file
 *   meanwhile, the writes are taken back and the whole read-plan-write runs once more from the new bytes; a
 *   second conflict is an error naming the file. Retrying once (rather than refusing at once) keeps a
 *   concurrent edit (a config-management run, an admin's editor) and still finishes our change.
 * Once a restart was attempted nothing is rolled back: the files are what the engine may now run with, and a
 * failed restart or verification is reported as the error.
 */
import { valueEquals } from '../edit/value';
import { dockerTransition } from '../engines/docker-transition';
import type { Ledger } from '../engines/ledger';
import type { FileWrite } from '../engines/plan';
import { UsageError } from '../errors';
import { type EngineEffects, hostEffects } from '../host/engine-effects';
import { WriteConflict } from '../host/files';
import type { RestartResult } from '../host/restart';
import type { Logger } from '../log';
import { runtimeSet } from '../runtimes/runtime-set';
import { diffOf } from './diff';
import type { Action, EngineOpOptions, EngineOpResult } from './options';
import { type OpPlan, type OpTarget, planOp, targetOf } from './plan-step';
import { restartAndVerify } from './restart-verify';

function validate(o: EngineOpOptions, logger: Logger): void {
  if (o.engine === 'crio' && o.restartMode === 'signal') {
    throw new UsageError('supporting crio via signal is unsupported; use --restart-mode=systemd or none');
  }
  if (o.engine === 'docker' && o.dropInConfig !== '') {
    logger.warn('docker has no drop-in config files; ignoring --drop-in-config', {
      'drop-in-config': o.dropInConfig,
    });
  }
}

const inverse = (writes: readonly FileWrite[]): FileWrite[] =>
  writes.map((w) => ({ path: w.path, before: w.after, after: w.before }));

/** Best effort while another error is on its way out: that error is the one to report. */
function quietly(step: () => void): void {
  try {
    step();
  } catch {
    // the original failure is rethrown by the caller
  }
}

/**
 * Writes `first` (the plan's writes, or docker's transitional file) and the ledger, in the order that keeps
 * the ledger true at every moment; on failure leaves files and ledger as they were, then throws.
 */
function commit(
  action: Action,
  first: readonly FileWrite[],
  plan: OpPlan,
  before: Ledger,
  target: OpTarget,
  fx: EngineEffects,
): void {
  if (action === 'setup') fx.writeLedger(target.ledgerPath, plan.ledger);
  try {
    fx.applyWrites(first, action); // takes back its own partial writes before it throws
  } catch (err) {
    if (action === 'setup') quietly(() => fx.writeLedger(target.ledgerPath, before));
    throw err;
  }
  if (action === 'cleanup') {
    try {
      fx.writeLedger(target.ledgerPath, plan.ledger);
    } catch (err) {
      quietly(() => fx.applyWrites(inverse(first), 'setup'));
      throw err;
    }
  }
}

export async function runEngineOp(
  o: EngineOpOptions,
  logger: Logger,
  fx: EngineEffects = hostEffects,
): Promise<EngineOpResult> {
  validate(o, logger);
  const runtimes = runtimeSet({ name: o.runtimeName, setAsDefault: o.setAsDefault, dir: o.runtimeDir });
  const target = targetOf(o);
  const lock = o.dryRun ? undefined : fx.lock(target.anchor);
  try {
    // a run killed mid-write leaves hidden temp files; under the lock nobody else is writing these files
    if (lock) fx.removeStaleTemps(target.files, target.ledgerPath);
    for (let attempt = 1; ; attempt++) {
      const ledger = fx.readLedger(target.ledgerPath);
      const plan = planOp(o, runtimes, target, ledger, fx);
      for (const w of plan.warnings) logger.warn(w);
      for (const n of plan.notes) logger.info(n);
      const result = { engine: o.engine, action: o.action, runtimes, warnings: plan.warnings };
      const changed = plan.writes.map((w) => w.path);
      if (o.dryRun) return { ...result, changed, restart: null, verified: false, diff: diffOf(plan.writes) };
      if (plan.writes.length === 0) {
        if (!valueEquals(ledger, plan.ledger)) fx.writeLedger(target.ledgerPath, plan.ledger);
        logger.info(`${o.engine} configuration unchanged; not restarting ${o.engine}`, {
          config: target.anchor,
        });
        return { ...result, changed: [], restart: null, verified: false };
      }
      const restarts = !target.hook; // the OCI hook is read per container: nothing to restart (the original)
      // A restart that cannot happen must fail before anything is written.
      if (restarts && o.restartMode === 'signal') await fx.checkSignalTarget(o.socket);
      // dockerd reloads only the keys present on SIGHUP: cleanup goes through a transitional file first
      const transition =
        o.engine === 'docker' && o.action === 'cleanup' && o.restartMode === 'signal'
          ? dockerTransition(plan.writes, o.config)
          : [];
      const first = transition.length > 0 ? transition : plan.writes;
      try {
        commit(o.action, first, plan, ledger, target, fx);
      } catch (err) {
        if (!(err instanceof WriteConflict) || attempt > 1) throw err;
        logger.warn(`${err.file}: changed by another program while this run planned; planning again from it`);
        continue;
      }
      for (const w of first) logger.info(w.after === null ? 'Removed file' : 'Wrote file', { file: w.path });
      if (!restarts) return { ...result, changed, restart: null, verified: false };
      let outcome: { restart: RestartResult; verified: boolean };
      try {
        outcome = await restartAndVerify(o, runtimes, logger, fx, plan.versionDependent);
      } finally {
        // the transitional file must never stay behind, whatever the reload did
        if (transition.length > 0) {
          const final = plan.writes.map((w) => ({ ...w, before: transition[0]!.after }));
          fx.applyWrites(final, o.action);
          for (const w of final)
            logger.info(w.after === null ? 'Removed file' : 'Wrote file', { file: w.path });
        }
      }
      return { ...result, changed, ...outcome };
    }
  } finally {
    lock?.release();
  }
}
