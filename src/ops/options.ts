/** What one engine operation is asked to do (the transaction's input) and what it reports. */
import type { EngineName } from '../engines/types';
import type { RestartResult } from '../host/restart';
import type { Action, EngineOpOptions } from '../options/engine-op-options';
import type { RuntimeSpec } from '../runtimes/runtime-set';

// The input type is declared once, beside the flag tables that build it (src/options).
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
