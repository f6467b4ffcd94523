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
  | 'enableCdi'
>;

/**
 * `versionDependent`: runtimes left to a distribution that only some of its versions generate (src/ops/plan-step.ts);
 * the engine is not waited for them, and their absence afterwards is a warning that names the versions.
 */
export async function restartAndVerify(
  o: RestartOptions,
  runtimes: readonly RuntimeSpec[],
  logger: Logger,
  fx: Pick<EngineEffects, 'restart' | 'waitForEngine'>,
  versionDependent: Readonly<Record<string, string>> = {},
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
          present: Object.fromEntries(
            runtimes.filter((r) => versionDependent[r.name] === undefined).map((r) => [r.name, r.binary]),
          ),
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
  // dockerd applies `features` only when it starts: a SIGHUP reload leaves CDI off (measured with dockerd 28)
  if (o.action === 'setup' && o.enableCdi && waited.state?.cdi === false) {
    logger.warn(
      `${o.engine} shows CDI off (GET /info lists no CDI spec directories) although the config turns it on: a reload does not apply it; restart ${o.engine} fully (systemctl restart docker, or --restart-mode=systemd) for CDI`,
    );
  }
  const shown = o.action === 'setup' ? waited.state?.runtimes : undefined;
  for (const r of shown ? runtimes : []) {
    const since = versionDependent[r.name];
    if (since === undefined || shown![r.name]?.path === r.binary) continue;
    logger.warn(
      `${o.engine} does not show the runtime ${r.name} with ${r.binary} (${shown![r.name] ? `it uses ${shown![r.name]!.path}` : 'not there'}): the distribution generates it only from ${since}; upgrade it for ${r.name}, the other runtimes are configured`,
    );
  }
  return { restart, verified: true };
}
