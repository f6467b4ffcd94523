/** Restart the engine and wait until it shows the change itself (GET /info, CRI status). */
import type { EngineEffects } from '../host/engine-effects';
import type { RestartResult } from '../host/restart';
import type { Logger } from '../log';
import type { RuntimeSpec } from '../runtimes/runtime-set';
import type { EngineOpOptions } from './options';

export type RestartOptions = Pick<
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
>;

export async function restartAndVerify(
  o: RestartOptions,
  runtimes: readonly RuntimeSpec[],
  logger: Logger,
  fx: Pick<EngineEffects, 'restart' | 'waitForEngine'>,
): Promise<{ restart: RestartResult; verified: boolean }> {
  const restart = await fx.restart({
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
  const main = runtimes.find((r) => r.isDefault);
  const expect =
    o.action === 'setup'
      ? {
          present: Object.fromEntries(runtimes.map((r) => [r.name, r.binary])),
          ...(main ? { defaultRuntime: main.name } : {}),
        }
      : { absent: runtimes.map((r) => r.name) };
  const waited = await fx.waitForEngine({
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
