/**
 * The toolkit's own `config.toml`, read by nvidia-container-runtime and its hook (see plan.ts for how the
 * wrappers point each toolkit version at it). Built from the built-in defaults of v1.18+ (no file is read) plus the flags, per
 * upstream-behaviour §4.3. Rendered with sorted keys and go-toml's indentation so it reads like the original's,
 * then parsed back with smol-toml and compared, so a rendering bug can never reach the disk.
 */
import { posix } from 'node:path';
import { parse } from 'smol-toml';
import { BugError } from '../errors';
import type { ToolkitOptions } from './options';

export type TomlValue = string | boolean | readonly string[] | TomlTable;
export interface TomlTable {
  readonly [key: string]: TomlValue;
}

/**
 * `$XDG_CONFIG_HOME` of the runtime wrappers, relative to the toolkit root. Toolkits up to v1.17 find their
 * config only as `$XDG_CONFIG_HOME/nvidia-container-runtime/config.toml`, so the file must live exactly there.
 */
export const CONFIG_HOME_REL_PATH = '.config';
/** Relative path of the config file inside the toolkit root (the one file every lookup must reach). */
export const CONFIG_REL_PATH = posix.join(CONFIG_HOME_REL_PATH, 'nvidia-container-runtime/config.toml');

function defaults(): Record<string, unknown> {
  return {
    'accept-nvidia-visible-devices-as-volume-mounts': false,
    'accept-nvidia-visible-devices-envvar-when-unprivileged': true,
    'disable-require': false,
    'supported-driver-capabilities': 'compat32,compute,display,graphics,ngx,utility,video',
    'swarm-resource': '',
    'nvidia-container-cli': {
      environment: [],
      ldcache: '',
      ldconfig: '@/sbin/ldconfig',
      'load-kmods': true,
      'no-cgroups': false,
      path: '/usr/bin/nvidia-container-cli',
      root: '',
      user: '',
    },
    'nvidia-container-runtime': {
      debug: '/dev/null',
      'log-level': 'info',
      mode: 'auto',
      runtimes: ['runc', 'crun'],
      modes: {
        cdi: {
          'annotation-prefixes': ['cdi.k8s.io/'],
          'default-kind': 'nvidia.com/gpu',
          'spec-dirs': ['/etc/cdi', '/var/run/cdi'],
        },
        csv: { 'mount-spec-path': '/etc/nvidia-container-runtime/host-files-for-container.d' },
        legacy: { 'cuda-compat-mode': 'ldconfig' },
      },
    },
    'nvidia-container-runtime-hook': {
      path: '/usr/bin/nvidia-container-runtime-hook',
      'skip-mode-detection': false,
    },
    'nvidia-ctk': { path: '/usr/bin/nvidia-ctk' },
  };
}

export interface ConfigInput {
  readonly options: ToolkitOptions;
  /**
   * Whether `<driver root>/sbin/ldconfig.real` exists on the host (checked through the driver root as the
   * installer sees it; the original looked in its own image, which is wrong for a host with Ubuntu's wrapper).
   */
  readonly ldconfigReal: boolean;
}

/** `@` + the driver root joined with the host's ldconfig (`.real` when the host has one). */
export function ldconfigValue(driverRoot: string, ldconfigReal: boolean): string {
  const base = `/sbin/ldconfig${ldconfigReal ? '.real' : ''}`;
  return `@${posix.join(driverRoot, base)}`;
}

export function toolkitConfig(input: ConfigInput): TomlTable {
  const o = input.options;
  const root = o.toolkitRoot;
  const c = defaults();
  const table = (k: string) => c[k] as Record<string, unknown>;
  c['accept-nvidia-visible-devices-envvar-when-unprivileged'] = o.acceptEnvvarUnprivileged;
  c['accept-nvidia-visible-devices-as-volume-mounts'] = o.acceptVolumeMounts;
  const cli = table('nvidia-container-cli');
  cli.root = o.driverRoot;
  cli.path = posix.join(root, 'nvidia-container-cli');
  cli.ldconfig = ldconfigValue(o.driverRoot, input.ldconfigReal);
  if (o.cliDebug !== undefined) cli.debug = o.cliDebug;
  table('nvidia-ctk').path = posix.join(root, 'nvidia-ctk');
  const hook = table('nvidia-container-runtime-hook');
  hook.path = posix.join(root, 'nvidia-container-runtime-hook');
  hook['skip-mode-detection'] = o.hookSkipModeDetection;
  const rt = table('nvidia-container-runtime');
  const cdi = (rt.modes as Record<string, Record<string, unknown>>).cdi!;
  if (o.runtime.debug !== undefined) rt.debug = o.runtime.debug;
  if (o.runtime.logLevel !== undefined) rt['log-level'] = o.runtime.logLevel;
  if (o.runtime.mode !== undefined) rt.mode = o.runtime.mode;
  if (o.runtime.cdiDefaultKind !== undefined) cdi['default-kind'] = o.runtime.cdiDefaultKind;
  if (o.runtime.cdiAnnotationPrefixes !== undefined)
    cdi['annotation-prefixes'] = [...o.runtime.cdiAnnotationPrefixes];
  // v1.17+: written whenever non-empty (the orchestrator fills it from the engine's runtimes).
  if (o.runtime.runtimes.length > 0) rt.runtimes = [...o.runtime.runtimes];
  if (o.optInFeatures.length > 0) c.features = Object.fromEntries(o.optInFeatures.map((f) => [f, true]));
  return c as unknown as TomlTable;
}

function quoteString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function key(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : quoteString(k);
}

function scalar(v: TomlValue): string {
  if (typeof v === 'string') return quoteString(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${(v as readonly string[]).map(quoteString).join(', ')}]`;
  throw new BugError('a table is not a scalar');
}

const isTable = (v: TomlValue): v is TomlTable => typeof v === 'object' && !Array.isArray(v);

function renderTable(table: TomlTable, path: readonly string[], out: string[]): void {
  const indent = '  '.repeat(Math.max(0, path.length - 1));
  const keys = Object.keys(table).sort();
  if (path.length > 0) {
    if (out.length > 0) out.push('');
    out.push(`${'  '.repeat(path.length - 1)}[${path.map(key).join('.')}]`);
  }
  const inner = path.length > 0 ? `${indent}  ` : '';
  for (const k of keys) if (!isTable(table[k]!)) out.push(`${inner}${key(k)} = ${scalar(table[k]!)}`);
  for (const k of keys) if (isTable(table[k]!)) renderTable(table[k] as TomlTable, [...path, k], out);
}

export function renderToml(table: TomlTable): string {
  const out: string[] = [];
  renderTable(table, [], out);
  const text = `${out.join('\n')}\n`;
  const back = JSON.stringify(parse(text));
  if (back !== JSON.stringify(sortDeep(table)))
    throw new BugError('the rendered toolkit config does not parse back to its values');
  return text;
}

function sortDeep(v: TomlValue): unknown {
  if (!isTable(v)) return v;
  const keys = Object.keys(v).sort();
  // smol-toml returns keys in document order: scalars first, then tables.
  const ordered = [...keys.filter((k) => !isTable(v[k]!)), ...keys.filter((k) => isTable(v[k]!))];
  return Object.fromEntries(ordered.map((k) => [k, sortDeep(v[k]!)]));
}

/** The config file text for this install. */
export function renderToolkitConfig(input: ConfigInput): string {
  return renderToml(toolkitConfig(input));
}
