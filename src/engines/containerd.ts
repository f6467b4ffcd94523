/**
 * containerd `config.toml`, config versions 1, 2 and 3 (upstream-behaviour §2.2). The version comes from the
 * file's own root `version` key, never from `containerd config dump` (field-notes A-03): a dump can report a
 * newer schema than the file on disk.
 */

import { posix } from 'node:path';
import type { KeyPath } from '../edit/path';
import { getIn, isTable } from '../edit/value';
import { ConfigError } from '../errors';
import { isNvidiaRuntimeName, type RuntimeSpec } from '../runtimes/runtime-set';
import { cloneTree, deleteIn, ensureTable, setIn, stringAt, type Tree, tableAt, typeName } from './tree';
import type { AddOptions, Engine } from './types';

export type ContainerdVersion = 1 | 2 | 3;

/** The CRI plugin id per config version (v3 moved the runtimes to the runtime plugin of containerd 2.x). */
export const CRI_PLUGIN: Readonly<Record<ContainerdVersion, string>> = {
  1: 'cri',
  2: 'io.containerd.grpc.v1.cri',
  3: 'io.containerd.cri.v1.runtime',
};

export interface ContainerdOptions {
  /** Type for runtime tables that have no template to copy (default io.containerd.runc.v2). */
  readonly runtimeType: string;
  /** CDI annotation prefixes; each prefix P becomes container annotation `P*`. */
  readonly annotationPrefixes: readonly string[];
  /** v1 only: write the legacy `default_runtime` table instead of `default_runtime_name`. */
  readonly useLegacyConfig: boolean;
  /** The version a new (empty) file gets: 3 when the running engine is containerd 2.x (default 2). */
  readonly newConfigVersion?: 2 | 3;
  /**
   * The file is the TOML tail of a k3s/RKE2 template (k3s-template.ts), read in the version of the config k3s
   * renders from it: it has no `version` key and must never get one (the base has it; a second one is a
   * duplicate key and containerd does not start).
   */
  readonly renderedVersion?: 2 | 3;
}

/**
 * Config version from the file itself: an empty file is a new config (`newVersion`, or 1 with useLegacyConfig); a
 * non-empty file without `version` is 1; only integer versions 1–3 are understood.
 */
export function detectContainerdVersion(
  tree: Tree,
  isEmpty: boolean,
  useLegacyConfig: boolean,
  file: string,
  newVersion: 2 | 3 = 2,
): ContainerdVersion {
  const v = tree.version;
  if (v === undefined) return isEmpty && !useLegacyConfig ? newVersion : 1;
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new ConfigError(
      file,
      `unsupported type for version field: expected an integer, found ${typeName(v)} ${JSON.stringify(String(v))}`,
    );
  }
  if (n === 1 || n === 2 || n === 3) return n;
  throw new ConfigError(
    file,
    `unsupported containerd config version ${n} (this tool understands versions 1, 2 and 3)`,
  );
}

export function containerdEngine(
  version: ContainerdVersion,
  opts: ContainerdOptions,
  file: string,
): Engine & {
  readonly version: ContainerdVersion;
  readonly pluginPath: KeyPath;
} {
  const plugin: KeyPath = ['plugins', CRI_PLUGIN[version]];
  const containerd: KeyPath = [...plugin, 'containerd'];
  const runtimesPath: KeyPath = [...containerd, 'runtimes'];
  const defaultName: KeyPath = [...containerd, 'default_runtime_name'];
  const legacyDefault: KeyPath = [...containerd, 'default_runtime'];
  const runtimes = (tree: Tree) => tableAt(tree, runtimesPath, file);

  /**
   * First existing table among the default runtime (unless ours), runc, crun — from the source config: a full
   * copy, since addRuntime edits it (and its options) directly.
   */
  function template(source: Tree, templateDefault: string | undefined): Tree | undefined {
    const current = templateDefault ?? stringAt(source, defaultName, file);
    const names = [current, 'runc', 'crun'].filter((n): n is string => !!n && !isNvidiaRuntimeName(n));
    const table = runtimes(source);
    for (const n of names) {
      const t = table?.[n];
      if (isTable(t)) return cloneTree(t);
    }
    return undefined;
  }

  function withAnnotations(table: Tree): void {
    if (opts.annotationPrefixes.length === 0) return;
    const existing = table.container_annotations ?? [];
    if (!Array.isArray(existing) || existing.some((a) => typeof a !== 'string')) {
      throw new ConfigError(
        file,
        'container_annotations of the template runtime must be an array of strings',
      );
    }
    const wanted = opts.annotationPrefixes.map((p) => `${p}*`);
    table.container_annotations = [...new Set([...wanted, ...(existing as string[])])];
  }

  function addRuntime(tree: Tree, rt: RuntimeSpec, add: AddOptions): void {
    const table: Tree = template(add.source, add.templateDefault) ?? {
      runtime_type: opts.runtimeType,
      runtime_root: '',
      runtime_engine: '',
      privileged_without_host_devices: false,
    };
    withAnnotations(table);
    if (table.runtime_type === undefined || table.runtime_type === '') table.runtime_type = opts.runtimeType;
    const options = table.options === undefined ? {} : table.options;
    if (!isTable(options))
      throw new ConfigError(
        file,
        `the template runtime's options must be a table, found ${typeName(options)}`,
      );
    options.BinaryName = rt.binary;
    if (version === 1) options.Runtime = rt.binary;
    table.options = options;
    ensureTable(tree, runtimesPath, file);
    const existing = runtimes(tree)?.[rt.name];
    if (existing !== undefined && !isTable(existing)) {
      throw new ConfigError(file, `runtime ${rt.name} must be a table, found ${typeName(existing)}`);
    }
    setIn(tree, [...runtimesPath, rt.name], table, file);
  }

  return {
    name: 'containerd',
    format: 'toml',
    version,
    pluginPath: plugin,
    addRuntime,
    removeRuntime(tree, name) {
      const entry = runtimes(tree)?.[name];
      if (entry === undefined) return;
      // v1: the legacy default_runtime table that setup (--use-legacy-config) pointed at this runtime's binary
      // goes with it, as in the original; a default_runtime table with any other binary is someone else's.
      if (version === 1 && isTable(entry) && pointsAtSameBinary(entry, getIn(tree, legacyDefault)))
        deleteIn(tree, legacyDefault, { prune: true });
      deleteIn(tree, [...runtimesPath, name], { prune: true });
    },
    defaultRuntime: (tree) => stringAt(tree, defaultName, file),
    setDefaultRuntime(tree, name) {
      const legacy = version === 1 && opts.useLegacyConfig;
      if (name === undefined) {
        if (tableAt(tree, containerd, file)?.default_runtime_name !== undefined)
          deleteIn(tree, defaultName, { prune: true });
        if (legacy && tableAt(tree, legacyDefault, file)) deleteIn(tree, legacyDefault, { prune: true });
        return;
      }
      if (legacy) {
        // containerd 1.x legacy form: a whole runtime table as the default (upstream §2.2 step 6).
        const binary = this.binaryPath(tree, name);
        const table = ensureTable(tree, legacyDefault, file);
        table.runtime_type ??= opts.runtimeType;
        table.runtime_root ??= '';
        table.runtime_engine ??= '';
        table.privileged_without_host_devices ??= false;
        if (binary) {
          const o = ensureTable(tree, [...legacyDefault, 'options'], file);
          o.BinaryName = binary;
          o.Runtime = binary;
        }
        return;
      }
      setIn(tree, defaultName, name, file);
    },
    enableCdi(tree) {
      // The real key for every version is on the CRI plugin itself (the original wrote v1's one level too deep).
      setIn(tree, [...plugin, 'enable_cdi'], true, file);
    },
    binaryPath(tree, name) {
      const entry = runtimes(tree)?.[name];
      if (!isTable(entry) || !isTable(entry.options)) return undefined;
      const b = entry.options.BinaryName ?? entry.options.Runtime;
      return typeof b === 'string' ? b : undefined;
    },
    runtimeNames: (tree) => Object.keys(runtimes(tree) ?? {}),
  };
}

/** Whether two v1 runtime tables run one binary (options.BinaryName or options.Runtime in common). */
function pointsAtSameBinary(a: Tree, b: unknown): boolean {
  const binaries = (t: unknown): string[] => {
    const o = isTable(t) ? t.options : undefined;
    if (!isTable(o)) return [];
    return [o.BinaryName, o.Runtime].filter((x): x is string => typeof x === 'string' && x !== '');
  };
  const mine = binaries(a);
  return binaries(b).some((x) => mine.includes(x));
}

/**
 * Whether the `imports` entry `entry` of the config file `mainPath` surely loads the file `path`, on every
 * containerd we support. An entry without `*` is a literal path, resolved against the directory of the file
 * that holds it (`conf.d/99-nvidia.toml` in /etc/containerd/config.toml is /etc/containerd/conf.d/99-nvidia.toml;
 * a `?` alone is no pattern). An entry with `*` is a glob (`*`, `?` within one path segment); containerd 2.x
 * resolves a relative one against that directory too, but containerd 1.6 globs it against its own working
 * directory (`/` under systemd), so a relative glob is never taken as covering our drop-in: the absolute
 * entry is added, and containerd loads a file matched twice only once.
 */
export function importLoads(entry: string, mainPath: string, path: string): boolean {
  const dir = posix.dirname(mainPath);
  const target = posix.resolve(dir, path);
  if (!entry.includes('*')) return posix.resolve(dir, entry) === target;
  if (!posix.isAbsolute(entry)) return false;
  const re = new RegExp(
    `^${posix
      .normalize(entry)
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
  return re.test(target);
}
