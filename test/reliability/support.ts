/**
 * Shared pieces of the reliability suites: seeds and run counts from the environment, an in-memory "disk"
 * that plans are applied to, and the checks that say an edit kept everything that is not ours.
 */

import { parse as parseTomlValues } from 'smol-toml';
import { isTable, valueEquals } from '../../src/edit/value';
import type { ContainerdOptions } from '../../src/engines/containerd';
import { parseConfig } from '../../src/engines/document';
import type { EngineRequest, FileSnapshot, Plan } from '../../src/engines/plan';
import { cloneTree, deleteIn, type Tree } from '../../src/engines/tree';
import type { Engine, EngineName } from '../../src/engines/types';
import { MODE_RUNTIMES, runtimeSet } from '../../src/runtimes/runtime-set';

/** A non-negative integer from the environment, else `fallback` (a typo in the variable must not pass silently). */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name}=${JSON.stringify(raw)}: expected a non-negative integer`);
  return Number(raw);
}

export const FUZZ_SEED = envInt('CTK_FUZZ_SEED', 20260701);
export const FUZZ_RUNS = envInt('CTK_FUZZ_RUNS', 2000);

/** The toolkit directory every request uses. */
export const TK = '/usr/local/nvidia/toolkit';

export type Disk = Map<string, string | null>;

export interface OpOptions {
  readonly name: string;
  readonly setAsDefault: boolean;
  readonly cdi: boolean;
}

export interface Layout {
  readonly engine: EngineName;
  readonly main: string;
  readonly dropIn?: string;
  readonly containerd: ContainerdOptions;
}

export const DEFAULT_CONTAINERD: ContainerdOptions = {
  runtimeType: 'io.containerd.runc.v2',
  annotationPrefixes: [],
  useLegacyConfig: false,
};

export function request(layout: Layout, disk: Disk, op: OpOptions): EngineRequest {
  const snap = (path: string): FileSnapshot => ({ path, text: disk.get(path) ?? null });
  const runtimes = runtimeSet({ name: op.name, setAsDefault: op.setAsDefault, dir: TK });
  return {
    engine: layout.engine,
    owner: runtimes[0]!.name,
    runtimes,
    enableCdi: op.cdi,
    containerd: layout.containerd,
    main: snap(layout.main),
    ...(layout.dropIn ? { dropIn: { file: snap(layout.dropIn), importPath: layout.dropIn } } : {}),
  };
}

export function applyPlan(disk: Disk, plan: Plan): void {
  for (const w of plan.writes) disk.set(w.path, w.after);
}

/** The value of a config text as the engines' own parsers see it (smol-toml for TOML, JSON.parse for JSON). */
export function parseValue(engine: EngineName, text: string): Tree {
  if (engine === 'docker') return text.trim() === '' ? {} : (JSON.parse(text) as Tree);
  return parseTomlValues(text, { integersAsBigInt: 'asNeeded' }) as Tree;
}

/** Every runtime name a setup with one of `names` can write. */
export function runtimeNamesOf(names: Iterable<string>): string[] {
  return [...new Set([...names, ...MODE_RUNTIMES.map((m) => m.name)])];
}

function prune(t: Tree): Tree {
  for (const [k, v] of Object.entries(t)) {
    if (isTable(v)) {
      prune(v);
      if (Object.keys(v).length === 0) delete t[k];
    }
  }
  return t;
}

/**
 * A config value without anything setup or cleanup may touch: our runtime tables, the default runtime, the
 * CDI switch, `imports` and (containerd) `version`; tables left empty are dropped. Two texts whose stripped
 * values are equal differ only in what the tool owns.
 */
export function stripOurs(engine: Engine, tree: Tree, names: readonly string[]): Tree {
  const t = cloneTree(tree);
  for (const n of names) engine.removeRuntime(t, n);
  engine.setDefaultRuntime(t, undefined);
  const plugin = (engine as { pluginPath?: readonly string[] }).pluginPath;
  if (plugin) {
    deleteIn(t, [...plugin, 'enable_cdi']);
    deleteIn(t, [...plugin, 'containerd', 'default_runtime']);
  }
  if (engine.name === 'docker') deleteIn(t, ['features', 'cdi']);
  if (engine.format === 'toml') {
    delete t.imports;
    delete t.version;
  }
  return prune(t);
}

export function sameValue(a: unknown, b: unknown): boolean {
  return valueEquals(a, b);
}

/**
 * The text without what we own, made by the format-preserving editor itself: two texts that differ only in
 * our keys strip to the same bytes, so any foreign byte an edit changed (a reformatted neighbour, a lost
 * blank line, a comment glued to our table) shows up as a difference.
 */
export function strippedText(engine: Engine, text: string, file: string, names: readonly string[]): string {
  const doc = parseConfig(engine.format, text, file);
  return doc.render(stripOurs(engine, doc.tree, names));
}

/** Comment texts of a TOML file (the part after a `#` that is not inside a string, heuristically). */
export function commentsOf(text: string): string[] {
  return text.split(/\r?\n/).flatMap((l) => {
    const i = l.indexOf('#');
    return i >= 0 && !/["']/.test(l.slice(i)) ? [l.slice(i).trim()] : [];
  });
}

/** Deterministic PRNG (mulberry32) for the process-level suites, seeded like the fuzzers. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
