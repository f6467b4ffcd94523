/**
 * ctk-installer as a library: the engines, the runtime set, the format-preserving documents and the
 * setup/cleanup planner, for other TypeScript tools. Everything exported here is pure (no filesystem, no
 * processes): feed it file contents and a ledger, get back the files to write and the new ledger.
 *
 * Invariants: `planSetup` followed by `planCleanup` with the returned ledger gives back the original bytes of
 * every file nobody else changed in between; a second identical `planSetup` returns no writes.
 */
export { applyEdits, type Edit, isNoop } from './edit/apply';
export { unifiedDiff } from './edit/diff';
export {
  applyJson,
  type JsonDoc,
  type JsonObject,
  type JsonValue,
  parseJson,
  planJson,
  stringifyJson,
} from './edit/json';
export type { KeyPath } from './edit/path';
export {
  applyToml,
  parseToml,
  planToml,
  stringifyToml,
  type TomlDoc,
  type TomlTable,
  type TomlValue,
} from './edit/toml';
export { type Change, diffTrees, revertChanges } from './engines/changes';
export {
  type ContainerdOptions,
  type ContainerdVersion,
  CRI_PLUGIN,
  containerdEngine,
  detectContainerdVersion,
} from './engines/containerd';
export { crioEngine } from './engines/crio';
export { dockerEngine } from './engines/docker';
export { ociHookText } from './engines/ocihook';
export {
  type EngineRequest,
  emptyLedger,
  type FileSnapshot,
  type FileWrite,
  type Ledger,
  type Plan,
  planCleanup,
  planSetup,
} from './engines/plan';
export { type EnginePreset, PRESETS } from './engines/presets';
export type { Tree } from './engines/tree';
export type { AddOptions, ConfigFormat, Engine, EngineName } from './engines/types';
export { BugError, ConfigError, CtkError, HostError, UsageError } from './errors';
export { checkRuntimeName, isNvidiaRuntimeName, type RuntimeSpec, runtimeSet } from './runtimes/runtime-set';
