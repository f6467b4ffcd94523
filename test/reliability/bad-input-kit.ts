/**
 * The bad-input catalogue's shape and helpers: each case prepares a fresh directory `d`, runs one command of
 * the built CLI, and states the exit code and the one error line it must print (or, for inputs that must WORK
 * such as CRLF and a BOM, exit 0 and a check of the result). The cases: bad-input-*.ts; run by bad-input.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/fixtures';
import { TK } from './support';

export interface BadInput {
  readonly name: string;
  /** Shown in the summary table: the command with `$D` for the case directory. */
  readonly args: (d: string) => string[];
  readonly env?: (d: string) => Record<string, string>;
  readonly prepare?: (d: string) => void;
  /** Paths (relative to d) made immutable with chattr +i before the run. */
  readonly immutable?: readonly string[];
  readonly status: 0 | 1 | 2;
  /** The error line's message must match (failures). */
  readonly message?: RegExp;
  /** Extra checks after a successful run. */
  readonly check?: (d: string) => void;
  /** The command prints its findings on stdout (a validator): stdout is not required to be empty. */
  readonly reportsOnStdout?: boolean;
  /** Commands other than the engine CLIs: skipped when this top-level command is not registered. */
  readonly needs?: 'cdi' | 'run';
}

export const CTD = fixture('containerd', 'k3s-style.toml');
export const DOCKER = fixture('docker', 'two-space.json');
export const CRIO = fixture('crio', 'crio-crun-runc.conf');
export const put = (rel: string, text: string | Buffer) => (d: string) => {
  mkdirSync(join(d, rel, '..'), { recursive: true });
  writeFileSync(join(d, rel), text);
};
export const both =
  (...fs: ((d: string) => void)[]) =>
  (d: string) => {
    for (const f of fs) f(d);
  };

export const ctd = (d: string, ...extra: string[]) => [
  'containerd',
  'setup',
  '--config',
  join(d, 'config.toml'),
  '--restart-mode',
  'none',
  ...extra,
  TK,
];
export const docker = (d: string, ...extra: string[]) => [
  'docker',
  'setup',
  '--config',
  join(d, 'daemon.json'),
  '--restart-mode',
  'none',
  ...extra,
  TK,
];
export const crio = (d: string, ...extra: string[]) => [
  'crio',
  'setup',
  '--config',
  join(d, 'crio.conf'),
  '--restart-mode',
  'none',
  '--config-mode',
  'config',
  ...extra,
  TK,
];
export const cri = '[plugins."io.containerd.grpc.v1.cri".containerd]';
export const ctdFile = (text: string) => put('config.toml', text);
export const hasNvidia = (file: string) => (d: string) => {
  const text = readFileSync(join(d, file), 'utf8');
  assert.match(text, /nvidia-container-runtime\.cdi/);
};
