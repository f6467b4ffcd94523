/**
 * Which NVIDIA runtimes an engine ends up with from its files, by the engine's own merge rule (pure):
 * containerd before 2.1 takes each plugin's table from the LAST file that has it (a drop-in's CRI table hides
 * the main file's runtimes); containerd 2.1+ and cri-o merge key by key; docker has one file.
 */
import { isNvidiaRuntime } from './paths';
import type { ConfigFileFact, EngineFacts } from './types';

export interface EffectiveRuntime {
  readonly name: string;
  readonly binary: string;
  /** The file whose entry is in effect. */
  readonly file: string;
  readonly mtimeMs?: number;
}

export interface Hidden {
  readonly name: string;
  readonly file: string;
  /** The later file whose CRI table replaces it. */
  readonly by: string;
}

/** `1.6.20~ds1`, `v2.1.9`, `28.2.2` → [major, minor]; undefined when unknown. */
export function versionOf(v: string): [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function atLeast(v: string, major: number, minor: number): boolean | undefined {
  const p = versionOf(v);
  if (!p) return undefined;
  return p[0] > major || (p[0] === major && p[1] >= minor);
}

function replacesPluginTables(e: EngineFacts): boolean {
  if (e.engine !== 'containerd') return false;
  const v = e.live.reachable ? atLeast(e.live.version, 2, 1) : undefined;
  return v !== true;
}

export function effectiveRuntimes(e: EngineFacts): { runtimes: EffectiveRuntime[]; hidden: Hidden[] } {
  const files = e.files.filter((f) => f.exists && f.error === undefined);
  const hidden: Hidden[] = [];
  let sources: readonly ConfigFileFact[] = files;
  if (replacesPluginTables(e)) {
    const last = [...files].reverse().find((f) => f.setsCriTable);
    sources = last ? [last] : [];
    for (const f of files) {
      if (f === last) continue;
      for (const r of f.runtimes)
        if (isNvidiaRuntime(r.name, r.binary) && last && !last.runtimes.some((x) => x.name === r.name))
          hidden.push({ name: r.name, file: f.path, by: last.path });
    }
  }
  const byName = new Map<string, EffectiveRuntime>();
  for (const f of sources)
    for (const r of f.runtimes)
      if (isNvidiaRuntime(r.name, r.binary))
        byName.set(r.name, { name: r.name, binary: r.binary, file: f.path, mtimeMs: f.mtimeMs });
  return { runtimes: [...byName.values()], hidden };
}

/** The CDI setting the files give the engine (the last file that sets it wins). */
export function cdiInFiles(e: EngineFacts): { enabled: boolean; file?: string } {
  const f = [...e.files].reverse().find((x) => x.cdiEnabled !== undefined);
  return f ? { enabled: f.cdiEnabled === true, file: f.path } : { enabled: false };
}
