/**
 * The low-level runtimes the NVIDIA runtime wrappers fall back to (`nvidia-container-runtime.runtimes` in the
 * toolkit config), when no --nvidia-container-runtime.runtimes is given (upstream HEAD): the binary paths of
 * the engine's default runtime (unless it is one of ours), `runc` and `crun` as the engine config declares
 * them, followed by the plain names `runc` and `crun`; empty entries and repeats are dropped.
 *
 * The config is read as it was before our first setup (the ledger's original bytes): after a setup with
 * --set-as-default the default is `nvidia`, and a restarted orchestrator must compute the same list.
 */
import { type ContainerdOptions, containerdEngine, detectContainerdVersion } from '../engines/containerd';
import { crioEngine } from '../engines/crio';
import { dockerEngine } from '../engines/docker';
import { parseConfig } from '../engines/document';
import type { Engine, EngineName } from '../engines/types';
import { isNvidiaRuntimeName } from '../runtimes/runtime-set';

export const FALLBACK_RUNTIMES: readonly string[] = ['runc', 'crun'];

function engineFor(
  name: EngineName,
  tree: Record<string, unknown>,
  text: string,
  file: string,
  c: ContainerdOptions,
): Engine {
  if (name === 'docker') return dockerEngine(file);
  if (name === 'crio') return crioEngine(file);
  const empty = text.trim() === '' || Object.keys(tree).length === 0;
  return containerdEngine(detectContainerdVersion(tree, empty, c.useLegacyConfig, file), c, file);
}

/** Throws ConfigError when the text does not parse (setup would refuse the file anyway). */
export function lowLevelRuntimes(
  name: EngineName,
  text: string | null,
  file: string,
  c: ContainerdOptions,
): string[] {
  const out: string[] = [];
  const add = (v: string | undefined) => {
    if (v !== undefined && v !== '' && !out.includes(v)) out.push(v);
  };
  if (text !== null && text.trim() !== '') {
    const format = name === 'docker' ? 'json' : 'toml';
    const doc = parseConfig(format, text, file);
    const engine = engineFor(name, doc.tree, text, file, c);
    const current = engine.defaultRuntime(doc.tree);
    const names = [current, ...FALLBACK_RUNTIMES].filter((n): n is string => !!n && !isNvidiaRuntimeName(n));
    for (const n of names) add(engine.binaryPath(doc.tree, n));
  }
  for (const n of FALLBACK_RUNTIMES) add(n);
  return out;
}
