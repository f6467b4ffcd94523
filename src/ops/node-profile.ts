/**
 * Knows the node before an engine operation: which engine answers on which socket (engine-identify.ts), which
 * preset fits it, and so which files to write and how to restart (node-profile-resolve.ts). Called by the
 * commands before the transaction; `auto` probes the sockets of every preset of the engine.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { NODE_PRESETS, presetsFor } from '../engines/presets';
import { UsageError } from '../errors';
import { describeEngine, type IdentifiedEngine, identifyEngine } from '../host/engine-identify';
import {
  type NodeProfile,
  type ProfileFacts,
  type ProfileRequest,
  resolveProfile,
} from './node-profile-resolve';

export type { NodeProfile, ProfileFields, ProfileRequest } from './node-profile-resolve';

export interface ProfileHost {
  readonly hostRoot: string;
  readonly procRoot?: string;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function realpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function sameInode(a: string, b: string): boolean | undefined {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return undefined;
  }
}

/** Same file seen through the engine's root, else (a file not there yet) the same path once links are resolved. */
function isEngineConfig(procRoot: string) {
  return (path: string, id: IdentifiedEngine): boolean =>
    sameInode(path, `${procRoot}/${id.pid}/root${id.config}`) ?? realpath(path) === realpath(id.config);
}

/** The sockets to look at: the one given, else the preset's, else (auto) every preset's of this engine. */
function socketsToProbe(req: ProfileRequest): string[] {
  if (req.explicit.has('socket')) return [req.values.socket];
  if (req.preset !== 'auto') return [NODE_PRESETS[req.preset].socket];
  return [...new Set([req.values.socket, ...presetsFor(req.engine).map((p) => NODE_PRESETS[p].socket)])];
}

export async function nodeProfile(req: ProfileRequest, host: ProfileHost): Promise<NodeProfile> {
  const found: IdentifiedEngine[] = [];
  const problems: string[] = [];
  for (const socket of socketsToProbe(req)) {
    if (!existsSync(socket)) {
      problems.push(`socket ${socket} does not exist`);
      continue;
    }
    try {
      found.push(
        await identifyEngine(socket, {
          hostRoot: host.hostRoot,
          ...(host.procRoot ? { procRoot: host.procRoot } : {}),
        }),
      );
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (found.length > 1) {
    throw new UsageError(
      `several ${req.engine} engines run on this node (${found.map((f) => `${f.socket}: PID ${f.pid}`).join('; ')}): choose one with --socket or --preset`,
    );
  }
  const facts: ProfileFacts = {
    ...(found[0] ? { identified: found[0] } : { identifyProblem: problems.join('; ') }),
    exists: existsSync,
    readText,
    isEngineConfig: isEngineConfig(host.procRoot ?? '/proc'),
    hostRoot: host.hostRoot || '/',
  };
  return resolveProfile(req, facts);
}

/** The dry-run header: identified engine, preset, and what will be written and restarted. */
export function describeProfile(p: NodeProfile): string {
  const f = p.fields;
  const lines = [
    `engine:  ${p.identified ? describeEngine(p.identified) : 'not identified'}`,
    `preset:  ${p.preset}`,
    `writes:  ${f.config}${f.dropInConfig ? ` (runtimes in the drop-in ${f.dropInConfig})` : ''}`,
    `restart: ${f.restartMode}${f.restartMode === 'systemd' ? ` ${f.restartUnit}` : ''} (socket ${f.socket})`,
    ...p.notes.map((n) => `note:    ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}
