/**
 * What the commands call before the transaction: lay the node profile over the resolved options (explicit
 * flags untouched), check that every path to be written can be written, or, with --verify-only, only ask the
 * running engine whether it already has the runtimes.
 */
import { dirname, join } from 'node:path';
import type { PresetName } from '../engines/presets';
import type { EngineName } from '../engines/types';
import { HostError, VerifyError } from '../errors';
import { describeMismatch, readEngineState } from '../host/engine-status';
import { firstUnwritable } from '../host/writable';
import type { K3sTemplateTarget } from '../options/engine-op-options';
import type { RuntimeSpec } from '../runtimes/runtime-set';
import { type NodeProfile, nodeProfile, type ProfileFields } from './node-profile';

/** The part of an engine operation's options a profile decides. */
export interface ProfiledOptions extends ProfileFields {
  readonly engine: EngineName;
  readonly hostRoot: string;
  readonly newConfigVersion?: 2 | 3;
  readonly configImportedByEngine?: boolean;
  readonly k3sTemplate?: K3sTemplateTarget;
  readonly setAsDefault: boolean;
  readonly enableCdi: boolean;
}

export interface NodeFlags {
  /** undefined: no preset (the standalone CLIs' original defaults). */
  readonly preset?: PresetName;
  readonly ignoreEngineConfigMismatch: boolean;
}

const FIELDS: readonly (keyof ProfileFields)[] = [
  'config',
  'socket',
  'restartMode',
  'restartUnit',
  'dropInConfig',
];

/** `sources`: where each option came from (`cli`/`env` are explicit; only `default`s are replaced). */
export async function withNodeProfile<T extends ProfiledOptions>(
  o: T,
  sources: Readonly<Record<string, string>>,
  flags: NodeFlags,
): Promise<{ options: T; profile?: NodeProfile }> {
  if (flags.preset === undefined) return { options: o };
  const explicit = new Set(FIELDS.filter((f) => sources[f] !== undefined && sources[f] !== 'default'));
  const profile = await nodeProfile(
    {
      engine: o.engine,
      preset: flags.preset,
      values: o,
      explicit,
      ignoreConfigMismatch: flags.ignoreEngineConfigMismatch,
    },
    { hostRoot: o.hostRoot },
  );
  const options: T = {
    ...o,
    ...profile.fields,
    ...(profile.newConfigVersion ? { newConfigVersion: profile.newConfigVersion } : {}),
    ...(profile.configImportedByEngine ? { configImportedByEngine: true } : {}),
    ...(profile.k3sTemplate ? { k3sTemplate: profile.k3sTemplate, ...k3sDefaults(o, sources, profile) } : {}),
  };
  return { options, profile };
}

/**
 * A k3s template's base defines the tables the default runtime and CDI are set in (src/engines/k3s-template.ts):
 * asked for, they are refused there; only defaulted (the installer's --set-as-default, --enable-cdi-in-runtime
 * following --cdi-enabled), they are left to k3s with a note, so a DaemonSet with its defaults still configures
 * the node.
 */
function k3sDefaults(
  o: ProfiledOptions,
  sources: Readonly<Record<string, string>>,
  profile: NodeProfile,
): { setAsDefault?: false; enableCdi?: false } {
  const out: { setAsDefault?: false; enableCdi?: false } = {};
  const file = profile.fields.config;
  if (o.setAsDefault && (sources.setAsDefault ?? 'default') === 'default') {
    out.setAsDefault = false;
    profile.notes.push(
      `${file}: not making our runtime the default (--set-as-default is only defaulted): the default runtime is k3s's to set (default-runtime in /etc/rancher/k3s/config.yaml)`,
    );
  }
  if (o.enableCdi && (sources.enableCdiInRuntime ?? 'default') === 'default') {
    out.enableCdi = false;
    profile.notes.push(
      `${file}: not enabling CDI in the CRI plugin (--enable-cdi-in-runtime is only defaulted): its table is k3s's base's; the nvidia-cdi runtime works without it`,
    );
  }
  return out;
}

/** Every directory the operation writes in: the files' own, and the restore ledger's beside the edited file. */
export function pathsToWrite(
  o: Pick<ProfiledOptions, 'engine' | 'config' | 'dropInConfig'> & {
    readonly configMode: string;
    readonly hooksDir: string;
    readonly hookFilename: string;
  },
): string[] {
  // cri-o's hook mode writes only the hook file (and its ledger beside it)
  const files =
    o.engine === 'crio' && o.configMode === 'hook'
      ? [join(o.hooksDir, o.hookFilename)]
      : o.engine === 'docker'
        ? [o.config] // docker has no drop-ins (engine-op ignores --drop-in-config)
        : [o.config, o.dropInConfig];
  const main = files[0]!;
  return [...files, join(dirname(main), '.ctk-installer', 'ledger')].filter((p) => p !== '');
}

/** Refuses before any change when a path cannot be written (a read-only /etc: field-notes A-39). */
export function preflightWritable(paths: readonly string[]): void {
  const bad = firstUnwritable(paths);
  if (!bad) return;
  if (bad.readOnlyRoot) {
    throw new HostError(
      `${bad.readOnlyRoot} is read-only on this host (cannot write ${bad.path}): use --drop-in-config under a writable path that the engine imports, or --verify-only`,
      { file: bad.path },
    );
  }
  const why = bad.code === 'EPERM' ? 'operation not permitted' : 'permission denied';
  throw new HostError(`${bad.at}: cannot write ${bad.path}: ${why} (${bad.code})`, { file: bad.path });
}

/** --verify-only: does the running engine already have every runtime? One line either way; VerifyError (exit 1) when not. */
export async function verifyOnly(
  o: Pick<ProfiledOptions, 'engine' | 'socket'> & { readonly verifyTimeoutMs: number },
  runtimes: readonly RuntimeSpec[],
): Promise<string> {
  if (o.engine === 'crio') {
    throw new VerifyError(
      'cri-o does not report its runtimes over its socket: --verify-only cannot check it',
    );
  }
  const state = await readEngineState(o.engine, o.socket, o.verifyTimeoutMs || 5000);
  if (!state.runtimes) throw new VerifyError(`${o.engine} on ${o.socket} does not report its runtimes`);
  const problems = describeMismatch(state, {
    present: Object.fromEntries(runtimes.map((r) => [r.name, r.binary])),
  });
  if (problems.length > 0) {
    throw new VerifyError(`${o.engine} on ${o.socket} lacks the NVIDIA runtimes: ${problems.join('; ')}`);
  }
  return `${o.engine} on ${o.socket} has the runtimes ${runtimes.map((r) => r.name).join(', ')}\n`;
}
