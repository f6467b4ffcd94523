/**
 * The files the NVIDIA runtime entries depend on (reads only): each runtime binary, the `.real` binary a
 * toolkit wrapper script runs, and the toolkit's config.toml with the paths it names.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { oneLine } from '../errors';
import { CONFIG_REL_PATH } from '../toolkit/config';
import { hostPath } from './paths';
import type { BinaryFact, ToolkitConfigFact } from './types';

function isExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A toolkit wrapper is a small /bin/sh script that execs `NAME.real` (ours and the original's). */
function wrapperTarget(p: string): string | undefined {
  try {
    if (statSync(p).size > 64 * 1024) return undefined;
    const text = readFileSync(p, 'utf8');
    if (!text.startsWith('#!')) return undefined;
    return /(\/[^\s'"]+\.real)(?=['"\s])/.exec(text)?.[1];
  } catch {
    return undefined;
  }
}

/** Where the engine finds a bare binary name: the usual PATH of a service. */
const SERVICE_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function locate(root: string, binary: string): string {
  if (isAbsolute(binary)) return hostPath(root, binary);
  const found = SERVICE_PATH.map((d) => hostPath(root, join(d, binary))).find((p) => existsSync(p));
  return found ?? binary;
}

export function binaryFact(root: string, binary: string): BinaryFact {
  const p = locate(root, binary);
  if (!isAbsolute(p)) return { declared: binary, path: p, exists: false, executable: false };
  const target = wrapperTarget(p);
  const real = target === undefined ? undefined : hostPath(root, target);
  return {
    declared: binary,
    path: p,
    exists: existsSync(p),
    executable: isExecutable(p),
    ...(real ? { real: { path: real, exists: isExecutable(real) } } : {}),
  };
}

const PATH_KEYS: readonly (readonly [string, string])[] = [
  ['nvidia-container-cli', 'path'],
  ['nvidia-container-runtime-hook', 'path'],
  ['nvidia-ctk', 'path'],
  ['nvidia-container-cli', 'ldconfig'],
];

/**
 * The toolkit config the runtimes in `binaryDirs` read: `<dir>/.config/nvidia-container-runtime/config.toml`
 * for a toolkit tree; /etc/nvidia-container-runtime/config.toml for a packaged install. Only existing ones.
 */
export function toolkitConfigFacts(root: string, binaryDirs: readonly string[]): ToolkitConfigFact[] {
  const candidates = new Set([
    ...binaryDirs.map((d) => join(d, CONFIG_REL_PATH)),
    hostPath(root, '/etc/nvidia-container-runtime/config.toml'),
  ]);
  const out: ToolkitConfigFact[] = [];
  for (const path of candidates) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    let tree: Record<string, unknown>;
    try {
      tree = parseToml(text) as Record<string, unknown>;
    } catch (err) {
      out.push({ path, error: oneLine(err), paths: [] });
      continue;
    }
    const paths = [];
    for (const [table, key] of PATH_KEYS) {
      const t = tree[table];
      const raw = typeof t === 'object' && t !== null ? (t as Record<string, unknown>)[key] : undefined;
      if (typeof raw !== 'string' || raw === '') continue;
      // ldconfig "@/sbin/ldconfig" names a host binary; the "@" only says so
      const value = raw.startsWith('@') ? raw.slice(1) : raw;
      if (!value.startsWith('/')) continue; // a bare name is looked up on PATH at run time
      paths.push({ key: `${table}.${key}`, path: value, exists: existsSync(hostPath(root, value)) });
    }
    out.push({ path, paths });
  }
  return out;
}
