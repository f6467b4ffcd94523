/**
 * What the orchestrator does in each lifecycle step, built on the shared pieces: the toolkit installer and
 * the engine-operation transaction (src/ops: lock, plan, compare-and-swap writes, ledger, restart only when
 * a file changed, verify).
 *
 * One addition on top of the transaction: when setup finds the files already configured (a restarted pod), the
 * engine is asked whether it really runs with our runtimes. Normally it does and nothing is restarted; if an
 * earlier instance was stopped between writing the file and restarting the engine, it does not, and only
 * then is the engine restarted.
 */
import { hostEffects } from '../host/engine-effects';
import { readFileState } from '../host/files';
import { ledgerPaths, readLedger } from '../host/ledger-store';
import type { Logger } from '../log';
import type { EngineOpOptions, EngineOpResult } from '../ops/options';
import { restartAndVerify } from '../ops/restart-verify';
import { runEngineOp } from '../ops/transaction';
import type { ToolkitOptions } from '../toolkit/options';
import { type LifecycleDeps, type LifecycleOutcome, type LifecycleSteps, runLifecycle } from './lifecycle';
import { liveMismatch } from './live-check';
import { FALLBACK_RUNTIMES, lowLevelRuntimes } from './low-level-runtimes';
import type { RunOptions } from './options';
import { startReconciler } from './reconciler';

/** The main config as it was before our first setup touched it. */
function configBeforeSetup(path: string): string | null {
  const entry = readLedger(ledgerPaths(path).ledger).files[path];
  if (entry) return entry.existed ? entry.original : null;
  const st = readFileState(path);
  return st.exists ? st.bytes.toString('utf8') : null;
}

export function runtimesFor(o: RunOptions): string[] {
  const s = o.setup;
  if (!o.runtimeConfig || (o.engine === 'crio' && s.configMode === 'hook')) return [...FALLBACK_RUNTIMES];
  const c = {
    runtimeType: s.runtimeType,
    annotationPrefixes: s.annotationPrefixes,
    useLegacyConfig: s.useLegacyConfig,
  };
  return lowLevelRuntimes(o.engine, configBeforeSetup(s.config), s.config, c);
}

async function install(o: RunOptions, logger: Logger): Promise<void> {
  let toolkit: ToolkitOptions = o.toolkit;
  if (!o.runtimesGiven) {
    const runtimes = runtimesFor(o);
    logger.info('Low-level runtimes for the NVIDIA runtime', { runtimes: runtimes.join(',') });
    toolkit = { ...toolkit, runtime: { ...toolkit.runtime, runtimes } };
  }
  const { installToolkit } = await import('../toolkit/install');
  await installToolkit(toolkit, { logger });
}

/** Setup wrote nothing: restart the engine only if it does not show our runtimes. */
async function reconcile(s: EngineOpOptions, r: EngineOpResult, logger: Logger): Promise<void> {
  const problems = await liveMismatch(s, r.runtimes, logger);
  if (problems === undefined) return;
  if (problems.length === 0) {
    logger.info(`${s.engine} already runs with the NVIDIA runtimes; nothing to restart`);
    return;
  }
  logger.warn(
    `${s.engine} does not run with the configured runtimes (${problems.join('; ')}); restarting it`,
  );
  await restartAndVerify(s, r.runtimes, logger, hostEffects);
}

export function orchestratorSteps(o: RunOptions, logger: Logger): LifecycleSteps {
  return {
    install: () => install(o, logger),
    async setup() {
      if (!o.runtimeConfig) {
        logger.info('Not configuring the container engine (--no-runtime-config)');
        return;
      }
      const r = await runEngineOp(o.setup, logger);
      if (r.changed.length === 0) await reconcile(o.setup, r, logger);
    },
    watch() {
      if (!o.runtimeConfig || !o.reconcile) return undefined;
      return startReconciler(o.setup, o.reconcile, logger);
    },
    async cleanup() {
      if (!o.runtimeConfig) return;
      await runEngineOp(o.cleanup, logger);
    },
  };
}

export function runOrchestrator(o: RunOptions, deps: LifecycleDeps): Promise<LifecycleOutcome> {
  const { logger } = deps;
  logger.info('Starting the NVIDIA toolkit installer', {
    runtime: o.engine,
    root: o.installDir,
    pidFile: o.pidFile,
    config: o.runtimeConfig ? o.setup.config : undefined,
    socket: o.runtimeConfig ? o.setup.socket : undefined,
    restartMode: o.runtimeConfig ? o.setup.restartMode : undefined,
  });
  logger.debug('Runtime options', { options: JSON.stringify(o.runtimeValues) });
  return runLifecycle(
    { pidFile: o.pidFile, readyFile: o.readyFile, noDaemon: o.noDaemon, cleanupOnExit: o.cleanupOnExit },
    orchestratorSteps(o, logger),
    deps,
  );
}
