/**
 * The read-and-plan step of the transaction: which files an operation touches, their current contents, and
 * the pure plan (src/engines/plan.ts, or hook-plan.ts for cri-o's OCI hook).
 */
import { dirname, join } from 'node:path';
import { parseToml } from '../edit/toml';
import { parseConfig } from '../engines/document';
import { planTemplate } from '../engines/k3s-template';
import type { Ledger } from '../engines/ledger';
import { ociHookText } from '../engines/ocihook';
import {
  type EngineRequest,
  type FileSnapshot,
  type FileWrite,
  planCleanup,
  planSetup,
} from '../engines/plan';
import type { Tree } from '../engines/tree';
import { ConfigError, CtkError } from '../errors';
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
  /**
   * Runtimes left to the distribution that only some of its versions generate (k3s's nvidia-cdi): after the
   * restart their absence is a warning, not a failed verification. Name -> since which versions.
   */
  readonly versionDependent?: Record<string, string>;
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
    !o.configImportedByEngine &&
    !o.k3sTemplate
      ? containerdTemplate(o, fx, warnings)
      : undefined;
  const k3s = o.k3sTemplate ? k3sTemplatePart(o, runtimes, main, fx) : undefined;
  const req: EngineRequest = {
    engine: o.engine,
    owner: runtimes[0]!.name,
    runtimes: k3s?.runtimes ?? runtimes,
    enableCdi: k3s?.enableCdi ?? o.enableCdi,
    containerd: {
      runtimeType: o.runtimeType,
      annotationPrefixes: o.annotationPrefixes,
      useLegacyConfig: o.useLegacyConfig,
      ...(o.newConfigVersion ? { newConfigVersion: o.newConfigVersion } : {}),
      ...(o.k3sTemplate ? { renderedVersion: o.k3sTemplate.version } : {}),
    },
    main,
    ...(template !== undefined ? { mainTemplate: template } : {}),
    ...(k3s?.renderedBase ? { renderedBase: k3s.renderedBase } : {}),
    ...(dropInPath
      ? { dropIn: { file: fx.read(dropInPath), importPath: o.dropInConfigHostPath || dropInPath } }
      : {}),
  };
  const plan = o.action === 'setup' ? planSetup(req, ledger) : planCleanup(req, ledger);
  return {
    ...plan,
    warnings: [...warnings, ...plan.warnings],
    notes: [...(k3s?.notes ?? []), ...plan.notes],
    ...(k3s?.versionDependent ? { versionDependent: k3s.versionDependent } : {}),
  };
}

/**
 * A k3s/RKE2 template: setup writes only the runtimes k3s's base does not define, never a table it defines
 * (k3s-template.ts); cleanup takes back what the ledger recorded. Both read the tail in the rendered version.
 */
function k3sTemplatePart(
  o: EngineOpOptions,
  runtimes: readonly RuntimeSpec[],
  main: FileSnapshot,
  fx: EngineEffects,
): {
  runtimes?: RuntimeSpec[];
  versionDependent?: Record<string, string>;
  enableCdi?: boolean;
  renderedBase?: Tree;
  notes: string[];
} {
  if (o.action === 'cleanup') return { notes: [] };
  const t = o.k3sTemplate!;
  const rendered = fx.read(t.rendered);
  const renderedTree = rendered.text === null ? null : (parseToml(rendered.text, t.rendered).value as Tree);
  if (main.text === '') {
    throw new ConfigError(
      o.config,
      'an empty template, from which k3s renders an empty containerd config: remove it (k3s then renders its own config) before adding runtimes',
    );
  }
  const tail = parseConfig('toml', main.text ?? '', o.config).tree;
  const d = planTemplate({
    file: o.config,
    version: t.version,
    runtimes,
    enableCdi: o.enableCdi,
    tail,
    rendered: renderedTree ? { path: t.rendered, tree: renderedTree } : null,
    hostBinaries: new Set(t.hostBinaries),
  });
  return { ...d, ...(renderedTree ? { renderedBase: renderedTree } : {}) };
}
