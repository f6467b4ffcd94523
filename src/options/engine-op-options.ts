/**
 * The typed options of one engine operation (setup or cleanup of docker, containerd or cri-o): the single place
 * where the resolved runtime flags (strings, lists, booleans) become the transaction's input. The standalone
 * CLIs, `runtime configure` and the orchestrator all build their operations here.
 */
import type { EngineName } from '../engines/types';
import type { RestartMode } from '../host/restart';
import type { Resolved } from './option-spec';

export type Action = 'setup' | 'cleanup';

export interface EngineOpOptions {
  readonly engine: EngineName;
  readonly action: Action;
  readonly runtimeDir: string;
  readonly config: string;
  readonly socket: string;
  readonly restartMode: RestartMode;
  readonly restartUnit: string;
  readonly restartAttempts: number;
  readonly restartIntervalMs: number;
  readonly verifyTimeoutMs: number;
  readonly runtimeName: string;
  readonly setAsDefault: boolean;
  readonly hostRoot: string;
  readonly dropInConfig: string;
  readonly dropInConfigHostPath: string;
  readonly enableCdi: boolean;
  readonly useLegacyConfig: boolean;
  readonly runtimeType: string;
  readonly annotationPrefixes: readonly string[];
  readonly configMode: 'config' | 'hook';
  readonly hooksDir: string;
  readonly hookFilename: string;
  readonly dryRun?: boolean;
  /** containerd: the version a new config file gets (3 when the identified engine is 2.x; src/ops/node-profile). */
  readonly newConfigVersion?: 2 | 3;
  /**
   * containerd: `config` is a drop-in that the engine imports by itself (k3s/RKE2 `config-v3.toml.d`, k0s
   * `containerd.d`). A missing one starts empty, never from `containerd config default`, whose grpc address,
   * root and state would override the engine's own (src/ops/node-profile).
   */
  readonly configImportedByEngine?: boolean;
  /** containerd: `config` is a k3s/RKE2 template (src/engines/k3s-template.ts; src/ops/node-profile). */
  readonly k3sTemplate?: K3sTemplateTarget;
}

export interface K3sTemplateTarget {
  /** The config k3s renders from the template (what it rendered last time tells what its base defines). */
  readonly rendered: string;
  /** The config version k3s renders: 2 for containerd 1.x, 3 for 2.x. */
  readonly version: 2 | 3;
  /** The paths k3s's nvidia runtime detection looks at that exist on the host (k3sCandidatePaths). */
  readonly hostBinaries: readonly string[];
}

/** Typed options from resolved values (see runtime-options.ts for the flags). */
export function engineOpOptions(
  engine: EngineName,
  action: Action,
  r: Resolved,
  runtimeDir: string,
  enableCdi: boolean,
): EngineOpOptions {
  const v = r.values;
  const str = (k: string) => String(v[k] ?? '');
  const num = (k: string) => Number(v[k]);
  return {
    engine,
    action,
    runtimeDir,
    config: str('config'),
    socket: str('socket'),
    restartMode: str('restartMode') as RestartMode,
    restartUnit: str('restartUnit'),
    restartAttempts: num('restartAttempts'),
    restartIntervalMs: num('restartInterval'),
    verifyTimeoutMs: num('verifyTimeout'),
    runtimeName: str('runtimeName'),
    setAsDefault: v.setAsDefault === true,
    hostRoot: str('hostRoot'),
    dropInConfig: str('dropInConfig'),
    dropInConfigHostPath: str('dropInConfigHostPath'),
    enableCdi,
    useLegacyConfig: v.useLegacyConfig === true,
    runtimeType: str('runtimeType') || 'io.containerd.runc.v2',
    annotationPrefixes: (v.annotationPrefixes as readonly string[] | undefined) ?? [],
    configMode: (str('configMode') || 'config') as 'config' | 'hook',
    hooksDir: str('hooksDir'),
    hookFilename: str('hookFilename'),
  };
}
