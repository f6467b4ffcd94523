/**
 * Fixture artifact trees for the toolkit tests: fake executables (small /bin/sh scripts that record their argv
 * and environment, NUL-separated, into the files named by $CTK_FAKE_ARGS / $CTK_FAKE_ENV) and versioned
 * libraries with `.so.1` links, laid out like an unpacked package.
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Resolved } from '../../src/options/option-spec';
import { TOOLKIT_COMMAND_SPECS } from '../../src/options/toolkit-options';
import { type ToolkitExtras, type ToolkitOptions, toolkitOptionsFrom } from '../../src/toolkit/options';

export const EXECUTABLE_NAMES = [
  'nvidia-container-runtime',
  'nvidia-container-runtime.cdi',
  'nvidia-container-runtime.legacy',
  'nvidia-container-cli',
  'nvidia-container-runtime-hook',
  'nvidia-ctk',
  'nvidia-cdi-hook',
] as const;

export function tempDir(prefix = 'ctk-toolkit-'): string {
  return fs.mkdtempSync(join(tmpdir(), prefix));
}

/** A fake program: prints its name, records argv and env (NUL-separated) when asked to. */
export function fakeProgram(label: string): string {
  return [
    '#!/bin/sh',
    `echo 'fake:${label}'`,
    'if [ -n "$CTK_FAKE_ARGS" ]; then printf \'%s\\0\' "$@" > "$CTK_FAKE_ARGS"; fi',
    'if [ -n "$CTK_FAKE_ENV" ]; then /usr/bin/env -0 > "$CTK_FAKE_ENV"; fi',
    '',
  ].join('\n');
}

export interface ArtifactOptions {
  /** Distinguishes two artifact sets (content differs). */
  readonly variant?: string;
  /** Executables to leave out (missing-artifact tests). */
  readonly omit?: readonly string[];
  /** Mode per executable (default 0755). */
  readonly modes?: Readonly<Record<string, number>>;
}

/**
 * Builds an unpacked-package tree: executables in usr/bin, libnvidia-container in usr/lib/x86_64-linux-gnu with
 * a relative `.so.1` link, libnvidia-container-go in usr/lib64 with an ABSOLUTE link (resolved inside the root).
 */
export function makeArtifacts(root: string, opts: ArtifactOptions = {}): string {
  const variant = opts.variant ?? 'v1';
  const bin = join(root, 'usr/bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const name of EXECUTABLE_NAMES) {
    if (opts.omit?.includes(name)) continue;
    const p = join(bin, name);
    fs.writeFileSync(p, fakeProgram(`${name}:${variant}`));
    fs.chmodSync(p, opts.modes?.[name] ?? 0o755);
  }
  const gnu = join(root, 'usr/lib/x86_64-linux-gnu');
  const lib64 = join(root, 'usr/lib64');
  fs.mkdirSync(gnu, { recursive: true });
  fs.mkdirSync(lib64, { recursive: true });
  if (!opts.omit?.includes('libnvidia-container.so.1')) {
    fs.writeFileSync(join(gnu, 'libnvidia-container.so.1.17.8'), `ELF fake libnvidia-container ${variant}\n`);
    fs.chmodSync(join(gnu, 'libnvidia-container.so.1.17.8'), 0o644);
    fs.symlinkSync('libnvidia-container.so.1.17.8', join(gnu, 'libnvidia-container.so.1'));
  }
  if (!opts.omit?.includes('libnvidia-container-go.so.1')) {
    fs.writeFileSync(
      join(lib64, 'libnvidia-container-go.so.1.17.8'),
      `ELF fake libnvidia-container-go ${variant}\n`,
    );
    fs.chmodSync(join(lib64, 'libnvidia-container-go.so.1.17.8'), 0o755);
    fs.symlinkSync('/usr/lib64/libnvidia-container-go.so.1.17.8', join(lib64, 'libnvidia-container-go.so.1'));
  }
  return root;
}

/** A Resolved as the command would produce it: `cli` values override the defaults, everything else default. */
export function resolvedWith(cli: Record<string, unknown>, env: Record<string, unknown> = {}): Resolved {
  const values: Record<string, unknown> = {};
  const sources: Record<string, 'cli' | 'env' | 'default'> = {};
  for (const s of TOOLKIT_COMMAND_SPECS) {
    if (s.name in cli) {
      values[s.name] = cli[s.name];
      sources[s.name] = 'cli';
    } else if (s.name in env) {
      values[s.name] = env[s.name];
      sources[s.name] = 'env';
    } else {
      values[s.name] = s.default;
      sources[s.name] = 'default';
    }
  }
  return { values, sources } as Resolved;
}

export function optionsWith(cli: Record<string, unknown>, extra: ToolkitExtras = {}): ToolkitOptions {
  return toolkitOptionsFrom(resolvedWith(cli), extra);
}

/** Every entry under `dir` (following `dir` itself if it is a link): type, mode, content hash or link target. */
export function manifest(dir: string): string[] {
  const out: string[] = [];
  const top = fs.realpathSync(dir);
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = join(d, name);
      const st = fs.lstatSync(p);
      const rel = relative(top, p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.push(`${rel} -> ${fs.readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.push(`${rel}/ ${mode}`);
        walk(p);
      } else out.push(`${rel} ${mode} ${createHash('sha1').update(fs.readFileSync(p)).digest('hex')}`);
    }
  };
  walk(top);
  return out;
}

export function hashFile(path: string): string {
  return createHash('sha1').update(fs.readFileSync(path)).digest('hex');
}

export interface ShResult {
  readonly status: number | null;
  readonly pid: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly args?: string[];
  readonly env?: Map<string, string>;
}

/** Runs `file` with `shell` (e.g. /bin/sh) and collects what the fake program recorded. */
export function runWrapper(
  shell: string,
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  outDir: string,
): ShResult {
  const argsFile = join(outDir, `args-${process.hrtime.bigint()}`);
  const envFile = `${argsFile}.env`;
  const r = spawnSync(shell, [file, ...args], {
    env: { ...env, CTK_FAKE_ARGS: argsFile, CTK_FAKE_ENV: envFile },
    encoding: 'utf8',
  });
  const read = (p: string) => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined);
  const rawArgs = read(argsFile);
  const rawEnv = read(envFile);
  const envMap = rawEnv === undefined ? undefined : new Map<string, string>();
  for (const kv of (rawEnv ?? '').split('\0')) {
    const i = kv.indexOf('=');
    if (i > 0) envMap?.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return {
    status: r.status,
    pid: r.pid,
    stdout: r.stdout,
    stderr: r.stderr,
    args: rawArgs === undefined ? undefined : rawArgs.split('\0').slice(0, -1),
    env: envMap,
  };
}

/** A modules file with or without the nvidia module. */
export function modulesFile(path: string, nvidia: boolean): string {
  const lines = ['nvme 61440 3 - Live 0x0000000000000000', 'ext4 1044480 1 - Live 0x0000000000000000'];
  if (nvidia) lines.splice(1, 0, 'nvidia 56758272 2 nvidia_uvm,nvidia_modeset, Live 0x0000000000000000');
  else lines.push('nvidia_drm 122880 0 - Live 0x0000000000000000');
  fs.writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}
