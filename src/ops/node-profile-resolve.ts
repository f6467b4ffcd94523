/**
 * Preset + identified engine -> the concrete files, socket and restart of one engine operation. Explicit
 * flags (command line or environment) always win; the preset and the identified engine only replace
 * defaults. Pure: the host is seen through `ProfileFacts`, so every rule is unit-tested on made-up hosts.
 */
import { basename, dirname, join } from 'node:path';
import { detectContainerdVersion } from '../engines/containerd';
import { parseConfig } from '../engines/document';
import { isK3sTemplatePath, k3sCandidatePaths } from '../engines/k3s-template';
import {
  NODE_PRESETS,
  type NodePreset,
  type NodePresetName,
  PRESETS,
  type PresetName,
} from '../engines/presets';
import type { EngineName } from '../engines/types';
import { ConfigError, UsageError } from '../errors';
import type { IdentifiedEngine } from '../host/engine-identify';
import type { RestartMode } from '../host/restart';
import type { K3sTemplateTarget } from '../options/engine-op-options';

export interface ProfileFields {
  readonly config: string;
  readonly socket: string;
  readonly restartMode: RestartMode;
  readonly restartUnit: string;
  readonly dropInConfig: string;
}

export interface ProfileRequest {
  readonly engine: EngineName;
  readonly preset: PresetName;
  /** The resolved option values (defaults included). */
  readonly values: ProfileFields;
  /** The fields given on the command line or in the environment: these are never replaced. */
  readonly explicit: ReadonlySet<keyof ProfileFields>;
  readonly ignoreConfigMismatch: boolean;
}

export interface ProfileFacts {
  readonly identified?: IdentifiedEngine;
  /** Why identification failed (nobody listens, …); shown, not fatal. */
  readonly identifyProblem?: string;
  exists(path: string): boolean;
  /** null when the file does not exist. */
  readText(path: string): string | null;
  /**
   * Is our `path` the file the engine runs with? Through the engine's own root (`/proc/PID/root`), so a
   * DaemonSet's mount of the host's config directory at another path is still the same file.
   */
  isEngineConfig(path: string, engine: IdentifiedEngine): boolean;
  /** The host's root (k3s looks for the nvidia runtimes there); '/' when not given. */
  readonly hostRoot?: string;
}

export interface NodeProfile {
  readonly preset: NodePresetName;
  readonly identified?: IdentifiedEngine;
  readonly fields: ProfileFields;
  /** containerd: the version a new config file gets (3 for containerd 2.x). */
  readonly newConfigVersion?: 2 | 3;
  /** `config` is a drop-in the engine imports by itself (see EngineOpOptions.configImportedByEngine). */
  readonly configImportedByEngine?: true;
  /** `config` is the k3s/RKE2 template (k3s on containerd 1.x, or 2.x without the drop-in directory). */
  readonly k3sTemplate?: K3sTemplateTarget;
  /** What was decided and why, one line each (the dry-run header). */
  readonly notes: string[];
}

/** Our drop-in's file name in a directory the engine imports (`99-nvidia.toml`, sorted last). */
const DROP_IN_NAME = basename(PRESETS.containerd.dropIn);

function pickPreset(req: ProfileRequest, id: IdentifiedEngine | undefined, notes: string[]): NodePresetName {
  if (req.preset !== 'auto') {
    if (NODE_PRESETS[req.preset].engine !== req.engine) {
      throw new UsageError(
        `--preset=${req.preset} is a ${NODE_PRESETS[req.preset].engine} preset, not for --runtime=${req.engine}`,
      );
    }
    if (id?.distro && id.distro !== req.preset)
      notes.push(`the engine is embedded in ${id.distro}, but --preset=${req.preset} was given`);
    return req.preset;
  }
  const picked: NodePresetName = id?.distro ?? req.engine;
  notes.push(
    id
      ? `preset ${picked} (auto: ${id.distro ? `exe or parent process of PID ${id.pid} belongs to ${id.distro}` : `a standalone ${id.engine}`})`
      : `preset ${picked} (auto: no engine identified, the ${req.engine} defaults)`,
  );
  return picked;
}

/** The config file's own version (containerd), or undefined for a missing or empty file. */
function fileVersion(path: string, text: string | null): number | undefined {
  if (text === null || text.trim() === '') return undefined;
  const tree = parseConfig('toml', text, path).tree;
  if (Object.keys(tree).length === 0) return undefined;
  return detectContainerdVersion(tree, false, false, path);
}

/**
 * containerd 2.x reads nothing of a version 1 file's `[plugins.cri]` (real-daemons.md, measured with 2.1), and
 * 1.x silently ignores version 3 plugin names: refuse to write entries the running engine will never read.
 */
function checkVersionFits(config: string, facts: ProfileFacts, id: IdentifiedEngine | undefined): void {
  const major = id?.engine === 'containerd' ? id.version?.major : undefined;
  if (major === undefined) return;
  const v = fileVersion(config, facts.readText(config));
  if (major >= 2 && v === 1) {
    throw new ConfigError(
      config,
      `a version 1 config, and containerd ${id!.version!.text} (PID ${id!.pid}) ignores its whole [plugins.cri] section, runtimes included: migrate it (containerd config migrate) or write a version 3 drop-in the engine imports (--drop-in-config PATH)`,
    );
  }
  if (major < 2 && v === 3) {
    throw new ConfigError(
      config,
      `a version 3 config, which containerd ${id!.version!.text} (PID ${id!.pid}) reads as version 2 and whose runtimes it never sees: write a version 2 config for this engine`,
    );
  }
}

function restartFor(
  req: ProfileRequest,
  preset: NodePreset,
  id: IdentifiedEngine | undefined,
  noRestart: boolean,
): Pick<ProfileFields, 'restartMode' | 'restartUnit'> {
  const v = req.values;
  const unitFromCgroup = id?.unit?.replace(/\.service$/, '');
  let mode = v.restartMode;
  if (!req.explicit.has('restartMode')) {
    if (noRestart) mode = 'none';
    // auto keeps the persona's default for a standalone engine outside any service (a test daemon, a container);
    // a distribution, or an engine that runs under a unit, gets the preset's way (A-27: containerd dies on SIGHUP)
    else if (req.preset !== 'auto' || id?.distro !== undefined || unitFromCgroup !== undefined)
      mode = preset.restartMode;
  }
  const unit = req.explicit.has('restartUnit')
    ? v.restartUnit
    : (unitFromCgroup ?? (preset.unit || v.restartUnit));
  return { restartMode: mode, restartUnit: unit };
}

export function resolveProfile(req: ProfileRequest, facts: ProfileFacts): NodeProfile {
  const v = req.values;
  const id = facts.identified;
  const notes: string[] = [];
  if (id && id.engine !== req.engine) {
    throw new UsageError(
      `--runtime=${req.engine}, but the process listening on ${id.socket} (PID ${id.pid}, ${id.exe}) is ${id.engine}`,
    );
  }
  if (!id && facts.identifyProblem) notes.push(`engine not identified: ${facts.identifyProblem}`);
  const name = pickPreset(req, id, notes);
  const preset = NODE_PRESETS[name];

  const running = id?.config ?? (req.preset === 'auto' ? v.config : preset.config);
  // --config naming k3s's template (the GPU Operator's CONTAINERD_CONFIG on k3s): the engine runs with the config
  // rendered beside it, and the template route is the one to take
  const givenTemplate =
    (name === 'k3s' || name === 'rke2') && req.explicit.has('config') && isK3sTemplatePath(v.config);
  const given = givenTemplate ? join(dirname(v.config), 'config.toml') : v.config;
  if (req.explicit.has('config') && id && !facts.isEngineConfig(given, id)) {
    if (!req.ignoreConfigMismatch) {
      throw new UsageError(
        `--config is ${v.config}, but the engine on ${id.socket} (PID ${id.pid}) runs with ${id.config}${id.configFromCmdline ? '' : ' (its built-in default)'}: point --config at that file, or give --ignore-engine-config-mismatch to edit ${v.config} anyway`,
      );
    }
    notes.push(
      `--config ${v.config} differs from the engine's ${id.config}; editing it as asked (--ignore-engine-config-mismatch)`,
    );
  }
  const base = req.explicit.has('config') ? given : running;
  const dir = dirname(base);
  const v3 = id?.engine === 'containerd' && (id.version?.major ?? 0) >= 2;
  const pick = (names: { v2: string; v3: string }) => (v3 ? names.v3 : names.v2);
  let config = base;
  let dropInConfig = v.dropInConfig;
  let noRestart = false;
  let importedByEngine = false;
  let template: K3sTemplateTarget | undefined;
  const pinned = req.explicit.has('config') && req.ignoreConfigMismatch;

  if (
    givenTemplate ||
    (!pinned && preset.writes === 'drop-in' && usesK3sTemplate(name, v3, dropDirOf(preset, dir, pick), facts))
  ) {
    // k3s/RKE2 import their drop-in directory only in versions that create it; containerd 1.x would replace its
    // whole CRI table with an imported one (field-notes A-12), so those get the template instead.
    config = join(dir, pick(preset.template!));
    if (givenTemplate && config !== v.config) {
      throw new UsageError(
        `--config is ${v.config}, but ${name} on ${id?.version ? `containerd ${id.version.text}` : 'this node'} renders its config from ${basename(config)}: point --config at ${config}`,
      );
    }
    template = k3sTemplate(name, base, v3, req, facts);
    dropInConfig = '';
    notes.push(
      `${name} renders ${basename(base)} from ${basename(config)} at every start${givenTemplate ? '' : ` and does not import ${basename(dropDirOf(preset, dir, pick))}/${id?.version && !v3 ? ` (containerd ${id.version.text})` : ''}`}: editing the template after its base line`,
    );
  } else if (pinned || preset.writes === 'config') {
    if (!req.explicit.has('dropInConfig') && v3 && preset.dropInDir) {
      dropInConfig = join(dir, pick(preset.dropInDir), DROP_IN_NAME);
      notes.push(`containerd ${id!.version!.text} merges imported files: writing a drop-in`);
    }
  } else if (preset.writes === 'template') {
    config = join(dir, pick(preset.template!));
    dropInConfig = req.explicit.has('dropInConfig') ? v.dropInConfig : '';
    notes.push(
      `${name} renders ${basename(base)} from ${basename(config)} at every start: editing the template`,
    );
  } else {
    const dropDir = dropDirOf(preset, dir, pick);
    if (req.explicit.has('dropInConfig')) dropInConfig = v.dropInConfig;
    else {
      config = join(dropDir, DROP_IN_NAME);
      dropInConfig = '';
      importedByEngine = true;
    }
    noRestart = preset.reloadsDropIns;
    notes.push(
      `${name} imports ${dropDir}/*.toml itself${preset.reloadsDropIns ? ' and reloads them: no restart' : ''}`,
    );
  }
  // a template's version is the rendered config's, whatever its tail holds
  if (!template) checkVersionFits(dropInConfig === '' || pinned ? config : base, facts, id);

  const socket = req.explicit.has('socket')
    ? v.socket
    : (id?.socket ?? (req.preset === 'auto' ? v.socket : preset.socket));
  const fields: ProfileFields = { config, socket, dropInConfig, ...restartFor(req, preset, id, noRestart) };
  return {
    preset: name,
    ...(id ? { identified: id } : {}),
    fields,
    ...(req.engine === 'containerd' && id?.version ? { newConfigVersion: v3 ? 3 : 2 } : {}),
    ...(importedByEngine ? { configImportedByEngine: true as const } : {}),
    ...(template ? { k3sTemplate: template } : {}),
    notes,
  };
}

const dropDirOf = (preset: NodePreset, dir: string, pick: (n: { v2: string; v3: string }) => string) =>
  join(dir, pick(preset.dropInDir!));

function usesK3sTemplate(name: NodePresetName, v3: boolean, dropDir: string, facts: ProfileFacts): boolean {
  return (name === 'k3s' || name === 'rke2') && (!v3 || !facts.exists(dropDir));
}

/**
 * The k3s/RKE2 template target: the rendered config beside it, its version, and the host binaries k3s's runtime
 * detection will find. A drop-in given on the command line cannot be imported from a template's tail (a root
 * key there lands in the base's last table); on containerd 2.x an existing config.toml.tmpl is what k3s renders
 * from until config-v3.toml.tmpl exists, so creating the latter would drop its entries.
 */
function k3sTemplate(
  name: string,
  rendered: string,
  v3: boolean,
  req: ProfileRequest,
  facts: ProfileFacts,
): K3sTemplateTarget {
  if (req.explicit.has('dropInConfig') && req.values.dropInConfig !== '') {
    throw new UsageError(
      `${name} renders its containerd config from a template here, which cannot import --drop-in-config ${req.values.dropInConfig}: leave out --drop-in-config`,
    );
  }
  const dir = dirname(rendered);
  const old = join(dir, 'config.toml.tmpl');
  if (v3 && facts.exists(old) && !facts.exists(join(dir, 'config-v3.toml.tmpl'))) {
    throw new UsageError(
      `${name} renders its containerd 2.x config from ${old} (a version 2 template) until config-v3.toml.tmpl exists, and creating that one would drop its entries: move them into ${join(dir, 'config-v3.toml.tmpl')} (version 3 names) first, or remove ${old}`,
    );
  }
  const root = facts.hostRoot ?? '/';
  return {
    rendered,
    version: v3 ? 3 : 2,
    hostBinaries: k3sCandidatePaths().filter((p) => facts.exists(join(root, p))),
  };
}
