/** All checks for the gathered facts, in report order (pure). */
import { configFilesCheck, engineCheck, engineConfigCheck, importsCheck } from './check-engine';
import { driftCheck, ledgerCheck } from './check-ledger';
import {
  binariesCheck,
  cdiDevicesCheck,
  cdiKindsCheck,
  cdiSpecsCheck,
  toolkitConfigCheck,
  wrappersCheck,
} from './check-node';
import { cdiEngineCheck, runtimesDeclaredCheck, runtimesLoadedCheck } from './check-runtimes';
import type { Check, NodeFacts } from './types';

export function evaluate(facts: NodeFacts): Check[] {
  const checks: (Check | undefined)[] = [];
  for (const e of facts.engines)
    checks.push(
      engineCheck(e),
      engineConfigCheck(e),
      configFilesCheck(e),
      importsCheck(e),
      runtimesDeclaredCheck(e),
      runtimesLoadedCheck(e),
      cdiEngineCheck(e),
      ledgerCheck(e),
      driftCheck(e),
    );
  checks.push(
    binariesCheck(facts),
    wrappersCheck(facts),
    toolkitConfigCheck(facts),
    cdiSpecsCheck(facts),
    cdiDevicesCheck(facts),
    cdiKindsCheck(facts),
  );
  return checks.filter((c): c is Check => c !== undefined);
}
