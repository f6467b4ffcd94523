/**
 * A directory that `chroot DIR systemctl restart X` can run in: bash and the libraries ldd lists for it, plus a
 * fake `usr/bin/systemctl`. Never a real systemd: booting one empties the machine's /tmp (real-daemons.md).
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { runProcessSync } from '../../src/host/proc';

export interface HostRoot {
  root: string;
  /** Where the fake systemctl from `fakeSystemctl` records its arguments (a path on this machine). */
  callsFile: string;
  /** The recorded calls, one `systemctl ARGS` line each. */
  calls(): string[];
}

/** Copies `bin` to `root/dest` (default: the same path under root) with every library `ldd` lists. */
export function copyWithLibraries(bin: string, root: string, dest = bin): void {
  const to = join(root, dest);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(bin, to);
  chmodSync(to, 0o755);
  const ldd = runProcessSync('ldd', [bin]);
  if (ldd.code !== 0) throw new Error(`ldd ${bin} failed: ${ldd.stderr.trim()}`);
  for (const lib of ldd.stdout.match(/\/\S+/g) ?? []) {
    const target = join(root, lib);
    if (existsSync(target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(lib, target); // follows the symlink chain: the copy is the real library
  }
}

/**
 * Builds a chroot-able host root in `dir` (created if needed) with `systemctlScript` as usr/bin/systemctl.
 * Layout: usr/bin/{bash,sh,systemctl}, bin -> usr/bin, the loader and libraries at their ldd paths, run/.
 */
export function makeHostRoot(dir: string, systemctlScript: string): HostRoot {
  mkdirSync(join(dir, 'usr/bin'), { recursive: true });
  mkdirSync(join(dir, 'run'), { recursive: true });
  copyWithLibraries('/bin/bash', dir, 'usr/bin/bash');
  if (!existsSync(join(dir, 'bin'))) symlinkSync('usr/bin', join(dir, 'bin'));
  if (!existsSync(join(dir, 'usr/bin/sh'))) symlinkSync('bash', join(dir, 'usr/bin/sh'));
  writeFileSync(join(dir, 'usr/bin/systemctl'), systemctlScript, { mode: 0o755 });
  chmodSync(join(dir, 'usr/bin/systemctl'), 0o755);
  const callsFile = join(dir, 'run/systemctl.calls');
  return {
    root: dir,
    callsFile,
    calls: () => (existsSync(callsFile) ? readFileSync(callsFile, 'utf8').split('\n').filter(Boolean) : []),
  };
}

export interface FakeSystemctlOptions {
  /** Where the calls are recorded (default /run/systemctl.calls: inside the chroot, so HostRoot.callsFile). */
  callsFile?: string;
  /** Printed on stdout, e.g. "Running in chroot, ignoring request." */
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  /**
   * A pid file (path inside the host root, e.g. /run/engine.pid) whose process gets SIGTERM on `restart`,
   * the way a service manager stops a unit; a supervised test daemon then comes back by itself.
   */
  killPidFile?: string;
}

const quoteBash = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** A bash script (bash builtins only) that records `systemctl ARGS`, one line per call. */
export function fakeSystemctl(opts: FakeSystemctlOptions = {}): string {
  const lines = [
    '#!/bin/bash',
    `echo "systemctl $*" >>${quoteBash(opts.callsFile ?? '/run/systemctl.calls')}`,
  ];
  if (opts.killPidFile !== undefined) {
    lines.push(`if [ "$1" = restart ]; then kill -TERM "$(< ${quoteBash(opts.killPidFile)})" || exit 1; fi`);
  }
  if (opts.stdout !== undefined) lines.push(`printf '%s\\n' ${quoteBash(opts.stdout)}`);
  if (opts.stderr !== undefined) lines.push(`printf '%s\\n' ${quoteBash(opts.stderr)} >&2`);
  lines.push(`exit ${opts.exitCode ?? 0}`, '');
  return lines.join('\n');
}
