/** The engine (and containerd config version) a request's main file calls for, and each engine's format. */

import { ConfigError } from '../errors';
import { containerdEngine, detectContainerdVersion } from './containerd';
import { crioEngine } from './crio';
import { dockerEngine } from './docker';
import { isK3sTemplatePath } from './k3s-template';
import type { EngineRequest } from './plan';
import type { Tree } from './tree';
import type { ConfigFormat, Engine, EngineName } from './types';

export const FORMAT: Record<EngineName, ConfigFormat> = { docker: 'json', containerd: 'toml', crio: 'toml' };

export function engineFor(
  req: EngineRequest,
  mainTree: Tree,
  mainText: string,
): Engine & { version?: 1 | 2 | 3 } {
  const file = req.main.path;
  if (req.engine === 'docker') return dockerEngine(file);
  if (req.engine === 'crio') return crioEngine(req.dropIn?.file.path ?? file);
  if (isK3sTemplatePath(file)) {
    const v = req.containerd.renderedVersion;
    if (v === undefined) {
      throw new ConfigError(
        file,
        'a k3s/RKE2 template, whose config version is the one k3s renders: edit it with --preset k3s or --preset rke2',
      );
    }
    return containerdEngine(v, req.containerd, file);
  }
  const empty = mainText.trim() === '' || Object.keys(mainTree).length === 0;
  const version = detectContainerdVersion(
    mainTree,
    empty,
    req.containerd.useLegacyConfig,
    file,
    req.containerd.newConfigVersion,
  );
  return containerdEngine(version, req.containerd, file);
}
