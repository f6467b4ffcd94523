/**
 * Vectors of the Go original that ctk-installer answers differently, by name, with the reason. The replay
 * fails when a vector not listed here disagrees, or when a listed one agrees (remove it then).
 */

const GLOB_IMPORT =
  'the main file imports the drop-in file itself, not a `<dir>/*.toml` glob: a glob would also load ' +
  'whatever else lies in that directory, and containerd 1.6 resolves a relative glob against its own ' +
  'working directory (README, drop-ins)';
const IMPORT_KEPT =
  'cleanup takes back the imports entry setup added; the original leaves it in the main file';
const V1_ENABLE_CDI =
  'containerd v1: enable_cdi is written at its real key plugins.cri.enable_cdi; the original writes ' +
  'plugins.cri.containerd.enable_cdi, one level too deep, which containerd ignores';
const V116 =
  'v1.16 behaviour: runc took precedence over the default runtime as the template, and ' +
  '--runtime-config-override was applied; we follow v1.17+ (default runtime first; the override is parsed ' +
  'but not applied upstream since v1.17, and not offered here)';
const DUMP_SEED =
  'the original seeds a version 3 drop-in with the CRI runtime table of `containerd config dump` / the ' +
  'main file (runc copied in); our drop-in holds only what we add, so the main file keeps its own runc';
const DEFAULT_RESTORED =
  'cleanup restores the default runtime setup replaced (here runc); the original deletes it';
const OLD_NVIDIA_RESTORED =
  'the user had an nvidia runtime (old path) and default before setup: our cleanup gives both back; the ' +
  'original deletes them';
const CRIO_DROPIN_LEFT =
  'cri-o config mode: our cleanup removes the drop-in setup wrote; the original leaves it with the ' +
  'runtimes in it (cri-o would keep offering them)';
const VERSION_KEPT =
  "original-style cleanup (a file with no ledger) keeps the file's `version` key; the original drops it with " +
  'the runtimes. Which version the file is written in is not ours to take back: without the key containerd ' +
  'reads the rest as version 1';
const CRIO_HOOK =
  'cri-o hook mode is not a planner operation (the OCI hook file is written by the hook path of the engine ' +
  'transaction); this replay drives the planner and engines only';
const FORCED_RUNC =
  'cleanup without a record of the previous default removes the default-runtime setting (the engine’s ' +
  'own default applies); the original forces "runc" (README, Cleanup takes back only what setup did)';

export const DIFFERENCES: Readonly<Record<string, string>> = {
  'containerd/dropin/ensureImports/empty': GLOB_IMPORT,
  'containerd/dropin/ensureImports/existing imports as any slice': GLOB_IMPORT,
  'containerd/dropin/ensureImports/existing imports as string slice': GLOB_IMPORT,
  'containerd/engine-v1.16/addRuntime/empty config not default runtime with overrides': V116,
  'containerd/engine-v1.16/addRuntime/options from runc take precedence over default runtime': V116,
  'containerd/engine-v1.16/addRuntimeV1/empty config not default runtime with overrides': V116,
  'containerd/engine-v1.16/addRuntimeV1/options from runc take precedence over default runtime': V116,
  'crio/engine-v1.16/addRuntime/options from runc take precedence over default runtime': V116,
  'containerd/options-v1/enableCDI/2: enableCDI=true': V1_ENABLE_CDI,
  'containerd/lifecycle/v1: existing config without nvidia runtime': V1_ENABLE_CDI,
  'containerd/lifecycle/v1: existing config with default_runtime_name set and restoration on cleanup':
    DEFAULT_RESTORED,
  'containerd/lifecycle/v2: top-level config does not exist': GLOB_IMPORT,
  'containerd/lifecycle/v2: top-level config does not exist with drop-in-config-host-path': GLOB_IMPORT,
  'containerd/lifecycle/v2: complex config with multiple plugins and settings': `${GLOB_IMPORT}; ${IMPORT_KEPT}`,
  'containerd/lifecycle/v2: existing config without default runtime (SetAsDefault=false)': `${GLOB_IMPORT}; ${IMPORT_KEPT}`,
  'containerd/lifecycle/v2: existing config without default runtime (SetAsDefault=true)': `${GLOB_IMPORT}; ${IMPORT_KEPT}`,
  'containerd/lifecycle/v2: existing config without nvidia runtime and CDI enabled': `${GLOB_IMPORT}; ${IMPORT_KEPT}`,
  'containerd/lifecycle/v2: existing config with nvidia runtime using old path already present': `${GLOB_IMPORT}; ${IMPORT_KEPT}; ${OLD_NVIDIA_RESTORED}`,
  'containerd/lifecycle/v3: minimal config without nvidia runtime': `${GLOB_IMPORT}; ${IMPORT_KEPT}; ${DUMP_SEED}`,
  'containerd/lifecycle/v3: existing config with runtime and OPTIONS inheritance': `${GLOB_IMPORT}; ${IMPORT_KEPT}; ${DUMP_SEED}`,
  'containerd/lifecycle/v3: minimal config using runtime config sources with extraneous spaces': `${GLOB_IMPORT}; ${IMPORT_KEPT}; ${DUMP_SEED}`,
  'containerd/lifecycle/v3: minimal config using runtime config sources with extraneous spaces in the config file name': `${GLOB_IMPORT}; ${IMPORT_KEPT}; ${DUMP_SEED}`,
  'crio/lifecycle/config mode: top-level config does not exist': CRIO_DROPIN_LEFT,
  'crio/lifecycle/config mode: existing config without nvidia runtime': CRIO_DROPIN_LEFT,
  'crio/lifecycle/config mode: complex config with multiple settings': CRIO_DROPIN_LEFT,
  'crio/lifecycle/hook mode: no existing hook': CRIO_HOOK,
  'crio/lifecycle/hook mode: existing hook file': CRIO_HOOK,
  'docker/options/revertConfig/4': FORCED_RUNC,
  'containerd/options-v1/revertConfig/1': VERSION_KEPT,
  'containerd/options-v1/revertConfig/2': VERSION_KEPT,
  'containerd/options-v1/revertConfig/3': VERSION_KEPT,
  'containerd/options-v2/revertConfig/1': VERSION_KEPT,
  'containerd/options-v2/revertConfig/2': VERSION_KEPT,
  'containerd/options-v2/revertConfig/3': VERSION_KEPT,
  // crio.conf itself now agrees (issue 10 item 1: drop-in mode never writes it); only the drop-in differs
  'crio/lifecycle/config mode: existing config with nvidia runtime already present': CRIO_DROPIN_LEFT,
};
