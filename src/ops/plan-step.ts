/**
 * The read-and-plan step of the transaction: which files an operation touches, their current contents, and
 * the pure plan (src/engines/plan.ts, or hook-plan.ts for cri-o's OCI hook).
 */
import { dirname, join } from 'node:path';
import { parseToml } from '../edit/toml';
import type { Ledger } from '../engines/ledger';
import { ociHookText } from '../engines/ocihook';
import { type EngineRequest, type FileWrite, planCleanup, planSetup } from '../engines/plan';
import { CtkError } from '../errors';
import type { EngineEffects } from '../host/engine-effects';
import { ledgerPaths } from '../host/ledger-store';
import type { RuntimeSpec } from '../runtimes/runtime-set';
import { planHook } from './hook-plan';
import type { EngineOpOptions } from './options';

export interface OpTarget {
  /** The file whose directory is locked and whose ledger records the operation. */
  readonly anchor: string;
  readonly ledgerPath: string;
  /** Every file the operation may write. */
  readonly files: readonly string[];
  readonly hook: boolean;
}

export interface OpPlan {
  readonly writes: FileWrite[];
  readonly ledger: Ledger;
  readonly warnings: string[];
  readonly notes: string[];
}

/** docker has no drop-in files: the flag is ignored there (with a warning, see transaction.ts). */
export function dropInOf(o: EngineOpOptions): string {
  return o.engine === 'docker' ? '' : o.dropInConfig;
}

export function targetOf(o: EngineOpOptions): OpTarget {
  const hook = o.engine === 'crio' && o.configMode === 'hook';
  const anchor = hook ? join(o.hooksDir, o.hookFilename) : o.config;
  const dropIn = hook ? '' : dropInOf(o);
  return {
    anchor,
    ledgerPath: ledgerPaths(anchor).ledger,
    files: [anchor, ...(dropIn ? [dropIn] : [])],
    hook,
  };
}

/** Fallback when the host's containerd cannot say: `runc` declared as containerd 1.6/1.7's default does. */
export const RUNC_DEFAULT_V2 = `version = 2

[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "runc"

  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
`;

/** What setup starts from when containerd has no config file (issue 10 item 14). */
function containerdTemplate(o: EngineOpOptions, fx: EngineEffects, warnings: string[]): string | undefined {
  if (o.useLegacyConfig) return undefined; // a version 1 file is asked for: the default is version 2 or 3
  const got = fx.containerdDefault(o.hostRoot);
  if ('text' in got) {
    try {
      parseToml(got.text, 'containerd config default');
      return got.text;
    } catch (err) {
      if (!(err instanceof CtkError)) throw err;
      warnings.push(`containerd config default printed no valid TOML (${err.message})`);
    }
  } else {
    warnings.push(`cannot run containerd config default: ${got.unavailable}`);
  }
  warnings[warnings.length - 1] +=
    `; ${o.config} does not exist, so it starts with runc declared as containerd's default config declares it`;
  return RUNC_DEFAULT_V2;
}

export function planOp(
  o: EngineOpOptions,
  runtimes: readonly RuntimeSpec[],
  target: OpTarget,
  ledger: Ledger,
  fx: EngineEffects,
): OpPlan {
  if (target.hook) {
    const text = ociHookText(dirname(runtimes[0]!.binary));
    return planHook(o.action, fx.read(target.anchor), ledger, text);
  }
  const main = fx.read(o.config);
  const dropInPath = dropInOf(o);
  const warnings: string[] = [];
  const template =
    o.engine === 'containerd' &&
    o.action === 'setup' &&
    main.text === null &&
    !ledger.files[o.config] &&
    !o.configImportedByEngine
      ? containerdTemplate(o, fx, warnings)
      : undefined;
  const req: EngineRequest = {
    engine: o.engine,
    owner: runtimes[0]!.name,
    runtimes,
    enableCdi: o.enableCdi,
    containerd: {
      runtimeType: o.runtimeType,
      annotationPrefixes: o.annotationPrefixes,
      useLegacyConfig: o.useLegacyConfig,
      ...(o.newConfigVersion ? { newConfigVersion: o.newConfigVersion } : {}),
    },
    main,
    ...(template !== undefined ? { mainTemplate: template } : {}),
    ...(dropInPath
      ? { dropIn: { file: fx.read(dropInPath), importPath: o.dropInConfigHostPath || dropInPath } }
      : {}),
  };
  const plan = o.action === 'setup' ? planSetup(req, ledger) : planCleanup(req, ledger);
  return { ...plan, warnings: [...warnings, ...plan.warnings] };
}
