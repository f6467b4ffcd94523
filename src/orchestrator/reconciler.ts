/**
 * Reconcile while `run` waits (issue 14 item 2): keeps the engine configured when another program overwrites
 * the files setup wrote (config management, k3s regenerating its config) or the engine runs without our
 * runtimes (restarted on an old file).
 *
 * Triggers: fs.watch on the written files' directories (an atomic rename replaces the inode, so the directory
 * is watched, not the file), debounced; and a periodic tick, the safety net for missed events, which also asks
 * the live engine (CRI status / GET /info). A check reads the files and the ledger and asks drift.ts which of
 * our claims are gone: an unrelated key changing is no drift, so nothing is written or restarted. On drift,
 * setup runs again through the same transaction (src/ops) as at start, which writes and restarts only when a
 * file changes and makes the overwritten file the ledger's new original. Restarts are rationed by
 * restart-budget.ts; a check over budget is put off until the budget allows it, never skipped. One check runs
 * at a time; stop() closes the watchers and waits for the check in flight, so a shutdown never cleans up
 * under a half-done re-apply.
 */
import { type FSWatcher, watch as watchDirectory } from 'node:fs';
import { basename, dirname } from 'node:path';
import { driftOf } from '../engines/drift';
import { FORMAT } from '../engines/engine-for';
import { sha256 } from '../engines/ledger';
import { oneLine } from '../errors';
import { hostEffects } from '../host/engine-effects';
import { readFileState } from '../host/files';
import { readLedger } from '../host/ledger-store';
import type { Logger } from '../log';
import type { EngineOpOptions } from '../ops/options';
import { targetOf } from '../ops/plan-step';
import { restartAndVerify } from '../ops/restart-verify';
import { runEngineOp } from '../ops/transaction';
import { runtimeSet } from '../runtimes/runtime-set';
import { liveMismatch } from './live-check';
import { nextRestartAt, recentRestarts } from './restart-budget';

export interface ReconcilePolicy {
  readonly intervalMs: number;
  readonly maxRestarts: number;
  readonly windowMs: number;
}

export interface Reconciler {
  /** Closes the watchers and timers, then waits for a check in flight. */
  stop(): Promise<void>;
}

/** Long enough to see a rename-over as one change, short next to the 5 s the engine gets to show it. */
const DEBOUNCE_MS = 100;

type Trigger = 'event' | 'tick';

export function startReconciler(o: EngineOpOptions, policy: ReconcilePolicy, logger: Logger): Reconciler {
  const target = targetOf(o);
  const runtimes = runtimeSet({ name: o.runtimeName, setAsDefault: o.setAsDefault, dir: o.runtimeDir });
  const owner = runtimes[0]!.name;
  const names = new Set(target.files.map((f) => basename(f)));
  const budget = { max: policy.maxRestarts, windowMs: policy.windowMs, backoffMs: policy.intervalMs };
  const restarts: number[] = [];
  const watchers = new Map<string, FSWatcher>();
  let stopped = false;
  let inFlight: Promise<void> | undefined;
  let pending: Trigger | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let deferred: NodeJS.Timeout | undefined;
  /** Drift a re-apply found nothing to write for (e.g. an import another entry already loads): not re-run. */
  let settled = '';

  function drift(): { file: string; changes: string[] }[] {
    const ledger = readLedger(target.ledgerPath);
    const out: { file: string; changes: string[] }[] = [];
    for (const file of target.files) {
      const st = readFileState(file);
      const text = st.exists ? st.bytes.toString('utf8') : null;
      const entry = ledger.files[file];
      const changes = target.hook
        ? entry && sha256(text) !== entry.afterSha256
          ? [text === null ? `${file} was removed` : 'the hook file was changed']
          : []
        : driftOf(entry, owner, file, text, FORMAT[o.engine]);
      if (changes.length > 0) out.push({ file, changes });
    }
    return out;
  }

  /** Whether a restart may happen now; otherwise schedules a check for when it may, and logs why not. */
  function withinBudget(what: string): boolean {
    if (o.restartMode === 'none') return true;
    const now = Date.now();
    const at = nextRestartAt(restarts, now, budget);
    if (at <= now) return true;
    const used = recentRestarts(restarts, now, policy.windowMs).length;
    logger.warn(
      `${what} put off: restart budget (${used} of at most ${policy.maxRestarts} restarts in ${policy.windowMs / 1000} s, with backoff)`,
      {
        retry_in_ms: at - now,
      },
    );
    clearTimeout(deferred);
    deferred = setTimeout(() => trigger('tick'), at - now);
    return false;
  }

  function counted(restarted: boolean): void {
    if (!restarted) return;
    const recent = recentRestarts([...restarts, Date.now()], Date.now(), policy.windowMs);
    restarts.splice(0, restarts.length, ...recent); // older ones no longer count: a long run keeps only these
    const used = recent.length;
    logger.info(`Reconcile restarted ${o.engine}`, { restarts_in_window: used, cap: policy.maxRestarts });
  }

  async function check(kind: Trigger): Promise<void> {
    const found = drift();
    if (found.length > 0) {
      const key = JSON.stringify(found);
      if (key === settled) return;
      for (const d of found)
        logger.warn(`Drift: ${d.file} lost the NVIDIA configuration: ${d.changes.join('; ')}`, {
          file: d.file,
        });
      if (!withinBudget('Re-applying the configuration')) return;
      logger.info('Re-applying the configuration through the setup transaction');
      // A re-apply that throws may have restarted the engine before failing to verify: it counts, so a
      // failure that repeats is rationed like a success.
      let restarted = true;
      try {
        const r = await runEngineOp(o, logger);
        settled = r.changed.length === 0 ? key : '';
        restarted = r.restart !== null && r.restart.skipped !== true;
      } finally {
        counted(restarted && o.restartMode !== 'none');
      }
      return;
    }
    settled = '';
    if (kind !== 'tick') return;
    const problems = await liveMismatch(o, runtimes, logger);
    if (!problems || problems.length === 0) return;
    logger.warn(`Drift: ${o.engine} does not run with the configured runtimes: ${problems.join('; ')}`);
    if (!withinBudget(`Restarting ${o.engine}`)) return;
    try {
      await restartAndVerify(o, runtimes, logger, hostEffects);
    } finally {
      counted(true);
    }
  }

  async function loop(first: Trigger): Promise<void> {
    for (let kind: Trigger | undefined = first; kind && !stopped; kind = pending, pending = undefined) {
      try {
        await check(kind);
      } catch (err) {
        logger.error(`Reconcile failed; trying again on the next change or tick: ${oneLine(err)}`);
      }
    }
  }

  function trigger(kind: Trigger): void {
    if (stopped) return;
    if (inFlight) {
      if (pending !== 'tick') pending = kind;
      return;
    }
    inFlight = loop(kind).finally(() => {
      inFlight = undefined;
    });
  }

  function watch(): void {
    for (const dir of new Set(target.files.map((f) => dirname(f)))) {
      if (watchers.has(dir)) continue;
      try {
        const w = watchDirectory(dir, { persistent: false }, (_event, name) => {
          if (name !== null && !names.has(name.toString())) return;
          clearTimeout(debounce);
          debounce = setTimeout(() => trigger('event'), DEBOUNCE_MS);
        });
        w.on('error', () => {
          w.close();
          watchers.delete(dir); // watched again on the next tick
        });
        watchers.set(dir, w);
      } catch (err) {
        logger.debug(`cannot watch ${dir} (the periodic check still runs): ${oneLine(err)}`);
      }
    }
  }

  watch();
  const tick = setInterval(() => {
    watch();
    trigger('tick');
  }, policy.intervalMs);
  logger.info('Reconciling: watching the configured files', {
    files: target.files.join(','),
    interval_s: policy.intervalMs / 1000,
    max_restarts: policy.maxRestarts,
    window_s: policy.windowMs / 1000,
  });

  return {
    async stop() {
      stopped = true;
      clearInterval(tick);
      clearTimeout(debounce);
      clearTimeout(deferred);
      for (const w of watchers.values()) w.close();
      watchers.clear();
      if (inFlight) {
        logger.info('Waiting for the reconcile in progress to finish');
        await inFlight;
      }
      logger.debug('Stopped reconciling');
    },
  };
}
