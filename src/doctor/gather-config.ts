/**
 * The config files an engine reads, resolved the way the engine resolves them (reads only):
 *   containerd  the main file, then each `imports` entry: an absolute path (a host path), or a path relative to
 *               the importing file's directory; entries may be globs (sorted matches); imports nest;
 *   cri-o       the main file, then every file of `crio.conf.d/` beside it, in lexical order;
 *   docker      the one daemon.json.
 * Drop-in candidates the engine does NOT read (our ledger's files, containerd's `conf.d/*.toml`) are kept too,
 * so a check can say "declared, but not imported".
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { isTable } from '../edit/value';
import { containerdEngine, detectContainerdVersion } from '../engines/containerd';
import { crioEngine } from '../engines/crio';
import { dockerEngine } from '../engines/docker';
import { parseConfig } from '../engines/document';
import { type Tree, tableAt } from '../engines/tree';
import type { Engine, EngineName } from '../engines/types';
import { oneLine } from '../errors';
import { readFileState } from '../host/files';
import { hostPath, isNvidiaRuntime } from './paths';
import type { ConfigFileFact, ImportProblem } from './types';

interface Parsed {
  fact: ConfigFileFact;
  tree?: Tree;
}

const NO_OPTIONS = { runtimeType: '', annotationPrefixes: [], useLegacyConfig: false };

function engineOf(
  name: EngineName,
  tree: Tree,
  empty: boolean,
  path: string,
): Engine & { pluginPath?: readonly string[] } {
  if (name === 'docker') return dockerEngine(path);
  if (name === 'crio') return crioEngine(path);
  return containerdEngine(detectContainerdVersion(tree, empty, false, path), NO_OPTIONS, path);
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined;
}

function cdiSettings(name: EngineName, tree: Tree, plugin: Tree | undefined) {
  if (name === 'docker') {
    const features = tree.features;
    const cdi = isTable(features) && typeof features.cdi === 'boolean' ? features.cdi : undefined;
    return { cdiEnabled: cdi, cdiSpecDirs: strings(tree['cdi-spec-dirs']) };
  }
  if (name === 'crio') {
    const crio = isTable(tree.crio) ? tree.crio : {};
    const runtime = isTable(crio.runtime) ? crio.runtime : {};
    return { cdiEnabled: true, cdiSpecDirs: strings(runtime.cdi_spec_dirs) };
  }
  const enable = plugin?.enable_cdi;
  return {
    cdiEnabled: typeof enable === 'boolean' ? enable : undefined,
    cdiSpecDirs: strings(plugin?.cdi_spec_dirs),
  };
}

export function readConfigFile(name: EngineName, path: string, via: ConfigFileFact['via']): Parsed {
  const base = { path, via, runtimes: [], setsCriTable: false };
  let text: string;
  let mtimeMs: number | undefined;
  try {
    const st = readFileState(path);
    if (!st.exists) return { fact: { ...base, exists: false } };
    text = st.bytes.toString('utf8');
    mtimeMs = st.mtimeMs;
  } catch (err) {
    return { fact: { ...base, exists: true, error: oneLine(err) } };
  }
  try {
    const tree = parseConfig(name === 'docker' ? 'json' : 'toml', text, path).tree;
    const engine = engineOf(name, tree, text.trim() === '', path);
    const plugin = engine.pluginPath ? tableAt(tree, engine.pluginPath, path) : undefined;
    const runtimes = engine
      .runtimeNames(tree)
      .map((n) => ({ name: n, binary: engine.binaryPath(tree, n) ?? '' }));
    const fact: ConfigFileFact = {
      ...base,
      exists: true,
      mtimeMs,
      runtimes,
      defaultRuntime: engine.defaultRuntime(tree),
      setsCriTable: plugin !== undefined,
      ...cdiSettings(name, tree, plugin),
    };
    return { fact, tree };
  } catch (err) {
    return { fact: { ...base, exists: true, mtimeMs, error: oneLine(err) } };
  }
}

const GLOB = /[*?[]/;

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/** Matches of a glob whose wildcards are in the last segment (containerd's conf.d patterns), sorted. */
function glob(pattern: string): string[] {
  const dir = dirname(pattern);
  if (GLOB.test(dir)) return []; // a wildcard directory: not a form containerd configs use
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const re = globToRegExp(basename(pattern));
  return names
    .filter((n) => re.test(n))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
}

const nvidiaNames = (f: ConfigFileFact) =>
  f.runtimes.filter((r) => isNvidiaRuntime(r.name, r.binary)).map((r) => r.name);

export interface ResolvedFiles {
  readonly files: ConfigFileFact[];
  readonly importProblems: ImportProblem[];
}

function containerdFiles(root: string, main: Parsed, candidates: readonly string[]): ResolvedFiles {
  const files: ConfigFileFact[] = [main.fact];
  const problems: ImportProblem[] = [];
  const seen = new Set([main.fact.path]);
  const visit = (from: Parsed) => {
    const entries = strings(from.tree?.imports) ?? [];
    for (const entry of entries) {
      const resolved = isAbsolute(entry) ? hostPath(root, entry) : join(dirname(from.fact.path), entry);
      const matches = GLOB.test(resolved) ? glob(resolved) : [resolved];
      const present = matches.filter((m) => readConfigFile('containerd', m, 'main').fact.exists);
      if (present.length === 0) {
        problems.push({ kind: 'no-match', entry, detail: resolved, declares: [] });
        continue;
      }
      for (const m of present) {
        if (seen.has(m)) continue;
        seen.add(m);
        const p = readConfigFile('containerd', m, { import: entry });
        files.push(p.fact);
        visit(p);
      }
    }
  };
  visit(main);
  const imports = strings(main.tree?.imports) ?? [];
  for (const c of candidates) {
    if (seen.has(c)) continue;
    const f = readConfigFile('containerd', c, 'main').fact;
    const names = nvidiaNames(f);
    if (f.exists && names.length > 0)
      problems.push({
        kind: 'not-imported',
        entry: c,
        detail: imports.length ? `imports = ${JSON.stringify(imports)}` : 'no imports',
        declares: names,
      });
  }
  return { files, importProblems: problems };
}

function crioFiles(main: Parsed, candidates: readonly string[]): ResolvedFiles {
  const dir = join(dirname(main.fact.path), 'crio.conf.d');
  const inDir = glob(join(dir, '*'));
  const files = [main.fact, ...inDir.map((p) => readConfigFile('crio', p, { dropInDir: dir }).fact)];
  const read = new Set(files.map((f) => f.path));
  const problems: ImportProblem[] = [];
  for (const c of candidates) {
    if (read.has(c)) continue;
    const f = readConfigFile('crio', c, 'main').fact;
    const names = nvidiaNames(f);
    if (f.exists && names.length > 0)
      problems.push({
        kind: 'not-imported',
        entry: c,
        detail: `cri-o reads drop-ins from ${dir}`,
        declares: names,
      });
  }
  return { files, importProblems: problems };
}

/**
 * The files `engine` reads when started with `config`, plus drop-in `candidates` it does not read (files our
 * ledger wrote, containerd's conf.d beside the main file).
 */
export function resolveConfigFiles(
  engine: EngineName,
  root: string,
  config: string,
  candidates: readonly string[],
): ResolvedFiles {
  const main = readConfigFile(engine, config, 'main');
  if (engine === 'docker') return { files: [main.fact], importProblems: [] };
  if (engine === 'crio') return crioFiles(main, candidates);
  const confD = glob(join(dirname(config), 'conf.d', '*.toml'));
  return containerdFiles(root, main, [...new Set([...candidates, ...confD])]);
}
