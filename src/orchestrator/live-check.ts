/** Asking the live engine whether it runs with our runtimes (CRI status / docker GET /info). */
import { oneLine } from '../errors';
import { describeMismatch, type EngineExpectation, readEngineState } from '../host/engine-status';
import type { Logger } from '../log';
import type { EngineOpOptions } from '../ops/options';
import type { RuntimeSpec } from '../runtimes/runtime-set';

function expectation(runtimes: readonly RuntimeSpec[]): EngineExpectation {
  const main = runtimes.find((x) => x.isDefault);
  return {
    present: Object.fromEntries(runtimes.map((x) => [x.name, x.binary])),
    ...(main ? { defaultRuntime: main.name } : {}),
  };
}

/**
 * How the live engine differs from our runtimes ([] = it runs with them); undefined when it cannot be asked
 * cheaply or would not be restarted anyway (no restarts, cri-o, verification off, the engine not answering).
 */
export async function liveMismatch(
  s: EngineOpOptions,
  runtimes: readonly RuntimeSpec[],
  logger: Logger,
): Promise<string[] | undefined> {
  if (s.restartMode === 'none' || s.engine === 'crio' || s.verifyTimeoutMs === 0) return undefined;
  try {
    const state = await readEngineState(s.engine, s.socket, Math.min(5000, s.verifyTimeoutMs));
    return state.runtimes ? describeMismatch(state, expectation(runtimes)) : undefined;
  } catch (err) {
    logger.warn(`cannot ask ${s.engine} for its runtimes; not restarting it: ${oneLine(err)}`, {
      socket: s.socket,
    });
    return undefined;
  }
}
