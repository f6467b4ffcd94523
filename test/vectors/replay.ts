/**
 * Replays one vector of the Go original's unit tests (see replay.test.ts) through our planner and engines
 * and reduces both sides to parsed values. Pure apart from nothing: inputs come from the vector itself.
 */
import { parse as parseToml } from 'smol-toml';
import { stringifyToml, type TomlTable } from '../../src/edit/toml';
import {
  type ContainerdVersion,
  containerdEngine,
  detectContainerdVersion,
} from '../../src/engines/containerd';
import { crioEngine } from '../../src/engines/crio';
import { dockerEngine } from '../../src/engines/docker';
import { type EngineRequest, emptyLedger, type Ledger, planCleanup, planSetup } from '../../src/engines/plan';
import { cloneTree, type Tree } from '../../src/engines/tree';
import type { Engine, EngineName } from '../../src/engines/types';
import { runtimeSet } from '../../src/runtimes/runtime-set';

export interface Vector {
  readonly name: string;
  readonly engine: EngineName;
  readonly kind: string;
  readonly input: unknown;
  readonly options: Record<string, unknown>;
  readonly expected: unknown;
}

/** Where two parsed values differ, as `path: ours != original` lines (for the failure message). */
export function differences(a: unknown, b: unknown, path = ''): string[] {
  const isObj = (x: unknown): x is Tree => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => differences(a[k], b[k], `${path}.${k}`));
  }
  return JSON.stringify(a) === JSON.stringify(b)
    ? []
    : [`${path || '.'}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`];
}

export interface Outcome {
  /** Our result and the original's, both as parsed values (trees, or per-file maps of trees and null). */
  readonly actual: unknown;
  readonly expected: unknown;
}

type Files = Record<string, Tree | null>;

const plain = (v: unknown): Tree => JSON.parse(JSON.stringify(v ?? {})) as Tree;
const tomlTree = (text: string): Tree => plain(parseToml(text));
/** The original's annotation options are whole annotations (`cdi.k8s.io/*`); ours are prefixes. */
const prefixes = (a: unknown): string[] =>
  ((a as string[] | undefined) ?? []).map((x) => x.replace(/\*$/, ''));

function request(
  engine: EngineName,
  o: Record<string, unknown>,
  main: string,
  text: string | null,
): EngineRequest {
  return {
    engine,
    owner: (o.runtimeName as string) || 'nvidia',
    runtimes: runtimeSet({
      name: (o.runtimeName as string) || 'nvidia',
      setAsDefault: o.setAsDefault === true,
      // cleanup removes by name; the directory only has to be a valid one
      dir: (o.runtimeDir as string) || '/unused',
    }),
    enableCdi: o.enableCDI === true,
    containerd: {
      runtimeType: (o.runtimeType as string) ?? 'io.containerd.runc.v2',
      annotationPrefixes: prefixes(o.containerAnnotations ?? o.cdiAnnotationPrefixes),
      useLegacyConfig: o.useLegacyConfig === true,
    },
    main: { path: main, text },
  };
}

function render(engine: EngineName, tree: Tree): string {
  return engine === 'docker' ? JSON.stringify(tree) : stringifyToml(tree as TomlTable);
}

function parseAs(engine: EngineName, text: string | null): Tree | null {
  if (text === null) return null;
  if (text.trim() === '') return {};
  return engine === 'docker' ? plain(JSON.parse(text)) : tomlTree(text);
}

/** `a.b."c.d".e` as a key path. */
function splitPath(p: string): string[] {
  return [...p.matchAll(/"([^"]*)"|([^.]+)/g)].map((m) => m[1] ?? m[2]!);
}

function at(tree: unknown, path: readonly string[]): unknown {
  let cur = tree;
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, k)) return null;
    cur = (cur as Tree)[k];
  }
  return cur;
}

/** A `paths` expectation compares only the values at those paths (null = absent). */
function projected(expected: unknown, actual: Tree): Outcome {
  const paths = (expected as { paths?: Record<string, unknown> }).paths;
  if (!paths) return { actual, expected };
  const mine = Object.fromEntries(Object.keys(paths).map((p) => [p, at(actual, splitPath(p))]));
  return { actual: mine, expected: paths };
}

function setupOnce(v: Vector, main: string, input: Tree): Tree {
  let tree = input;
  if (v.engine === 'containerd' && tree.version === undefined && v.options.configVersion !== undefined)
    tree = { version: v.options.configVersion, ...tree }; // the original's test forces the config version
  const text =
    Object.keys(tree).length === 0 && v.engine === 'containerd' && v.options.configVersion === 2
      ? ''
      : render(v.engine, tree);
  const plan = planSetup(request(v.engine, v.options, main, text), emptyLedger());
  return parseAs(v.engine, plan.writes[0]?.after ?? text) ?? {};
}

function updateConfig(v: Vector): Outcome {
  const main = v.engine === 'docker' ? '/etc/docker/daemon.json' : '/etc/containerd/config.toml';
  return projected(v.expected, setupOnce(v, main, plain(v.input)));
}

function revertConfig(v: Vector): Outcome {
  const main = v.engine === 'docker' ? '/etc/docker/daemon.json' : '/etc/containerd/config.toml';
  const text = render(v.engine, plain(v.input));
  const plan = planCleanup(request(v.engine, v.options, main, text), emptyLedger());
  const after = plan.writes.length > 0 ? plan.writes[0]!.after : text;
  return { actual: parseAs(v.engine, after) ?? {}, expected: plain(v.expected) };
}

interface Call {
  readonly name: string;
  readonly path: string;
  readonly setAsDefault: boolean;
}

function addRuntime(v: Vector): Outcome {
  const file = `/vector/${v.engine}`;
  const source: Tree =
    v.engine === 'docker' ? plain(v.input) : tomlTree(typeof v.input === 'string' ? v.input : '');
  let engine: Engine;
  if (v.engine === 'docker') engine = dockerEngine(file);
  else if (v.engine === 'crio') engine = crioEngine(file);
  else {
    const empty = Object.keys(source).length === 0;
    const version: ContainerdVersion = detectContainerdVersion(
      source,
      empty,
      v.options.useLegacyConfig === true,
      file,
    );
    engine = containerdEngine(
      version,
      {
        runtimeType: v.options.runtimeType as string,
        annotationPrefixes: prefixes(v.options.containerAnnotations),
        useLegacyConfig: v.options.useLegacyConfig === true,
      },
      file,
    );
  }
  // `configDestination: empty`: the original adds to an empty drop-in tree, reading templates from the source
  const tree = v.options.configDestination === 'empty' ? {} : cloneTree(source);
  // the original's String() of the tree includes the version its engine works with
  if (engine.name === 'containerd' && tree.version === undefined)
    tree.version = (engine as { version?: number }).version;
  for (const c of v.options.calls as Call[]) {
    engine.addRuntime(tree, { name: c.name, binary: c.path, isDefault: c.setAsDefault }, { source });
    if (c.setAsDefault) engine.setDefaultRuntime(tree, c.name);
    else if (engine.defaultRuntime(tree) === c.name) engine.setDefaultRuntime(tree, undefined);
  }
  const expected = typeof v.expected === 'string' ? tomlTree(v.expected) : plain(v.expected);
  return projected(expected, plain(tree));
}

function ensureImports(v: Vector): Outcome {
  const o = v.options as { dropInPath: string };
  const main = '/etc/containerd/config.toml';
  const text = v.input === null ? null : render('containerd', plain(v.input));
  const req = request(
    'containerd',
    { runtimeName: 'nvidia', runtimeDir: '/usr/bin', setAsDefault: false },
    main,
    text,
  );
  const plan = planSetup(
    { ...req, dropIn: { file: { path: o.dropInPath, text: null }, importPath: o.dropInPath } },
    emptyLedger(),
  );
  const written = plan.writes.find((w) => w.path === main);
  const tree = parseAs('containerd', written ? written.after : text) ?? {};
  return { actual: { imports: tree.imports ?? null }, expected: plain(v.expected) };
}

const ROOT = '{{ .testRoot }}';

function lifecycle(v: Vector): Outcome {
  const o = v.options;
  const sub = (s: string) => s.replaceAll(ROOT, '/root');
  const inputFiles = (v.input as { files: Record<string, string | null> }).files;
  const disk = new Map<string, string | null>(
    Object.entries(inputFiles).map(([p, t]) => [sub(p), t === null ? null : sub(t)]),
  );
  const main = sub(o.topLevelConfigPath as string);
  const dropIn = sub((o.dropInConfig as string) ?? '');
  const req = (): EngineRequest => {
    const base = request(v.engine, o, main, disk.get(main) ?? null);
    if (dropIn === '' || v.engine === 'docker') return base;
    return {
      ...base,
      dropIn: {
        file: { path: dropIn, text: disk.get(dropIn) ?? null },
        importPath: (o.dropInConfigHostPath as string) || dropIn,
      },
    };
  };
  const snapshot = (paths: string[]): Files =>
    Object.fromEntries(paths.map((p) => [p, parseAs(v.engine, disk.get(p) ?? null)]));
  const expected = v.expected as {
    afterSetup: Record<string, unknown>;
    afterCleanup: Record<string, unknown>;
  };
  const files = [
    ...new Set([...Object.keys(expected.afterSetup), ...Object.keys(expected.afterCleanup)]),
  ].map(sub);
  const want = (m: Record<string, unknown>): Files =>
    Object.fromEntries(
      files.map((p) => {
        const e = Object.entries(m).find(([k]) => sub(k) === p)?.[1];
        return [p, typeof e === 'string' ? parseAs(v.engine, sub(e)) : ((e as null) ?? null)];
      }),
    );
  const setup = planSetup(req(), emptyLedger());
  for (const w of setup.writes) disk.set(w.path, w.after);
  const afterSetup = snapshot(files);
  const ledger: Ledger = setup.ledger;
  const cleanup = planCleanup(req(), ledger);
  for (const w of cleanup.writes) disk.set(w.path, w.after);
  return {
    actual: { afterSetup, afterCleanup: snapshot(files) },
    expected: { afterSetup: want(expected.afterSetup), afterCleanup: want(expected.afterCleanup) },
  };
}

export const REPLAYED_KINDS: Readonly<Record<string, (v: Vector) => Outcome>> = {
  'options.updateConfig': updateConfig,
  'options.revertConfig': revertConfig,
  'engine.addRuntime': addRuntime,
  'dropin.ensureImports': ensureImports,
  'lifecycle.setup-then-cleanup': lifecycle,
};
