/**
 * Stand-ins for the toolkit binaries that read the toolkit config (stand-ins/*.sh), so the installed wrappers
 * can be run as an engine runs them and checked against each era's config lookup rules, without NVIDIA's
 * binaries. `ERA` selects the rules: `v1.17` (v1.13–v1.17: XDG_CONFIG_HOME, hook `-config`) or `v1.18`
 * (v1.18+: NVIDIA_CTK_CONFIG_FILE_PATH too).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { makeArtifacts } from './fixture';

export type Era = 'v1.17' | 'v1.18';

export const RUNTIMES = [
  'nvidia-container-runtime',
  'nvidia-container-runtime.cdi',
  'nvidia-container-runtime.legacy',
] as const;

const here = join(__dirname, 'stand-ins');
const part = (name: string) => fs.readFileSync(join(here, name), 'utf8');

export function standIn(role: 'runtime' | 'hook', era: Era): string {
  return `#!/bin/sh\nERA=${era}\n${part('toml.sh')}\n${part(`${role}.sh`)}`;
}

/** An unpacked toolkit package whose runtimes and hook are the stand-ins of `era` (the rest are fakes). */
export function makeEraArtifacts(root: string, era: Era): string {
  makeArtifacts(root, { variant: era });
  const write = (name: string, text: string) =>
    fs.writeFileSync(join(root, 'usr/bin', name), text, { mode: 0o755 });
  for (const name of RUNTIMES) write(name, standIn('runtime', era));
  write('nvidia-container-runtime-hook', standIn('hook', era));
  return root;
}

export interface StandInReport {
  readonly status: number | null;
  readonly stderr: string;
  /** The `key=value` lines a stand-in printed. */
  readonly report: ReadonlyMap<string, string>;
}

/** Runs `file` (with `shell`, or exec'd directly through its `#!` line when `shell` is undefined). */
export function runStandIn(
  shell: string | undefined,
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): StandInReport {
  const r =
    shell === undefined
      ? spawnSync(file, args, { env, encoding: 'utf8' })
      : spawnSync(shell, [file, ...args], { env, encoding: 'utf8' });
  const report = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) report.set(line.slice(0, i), line.slice(i + 1));
  }
  return { status: r.status, stderr: r.stderr, report };
}
