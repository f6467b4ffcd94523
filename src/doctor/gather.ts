/**
 * Gathers everything `doctor` looks at, reading only: which engines run, their config files, what they report
 * live, our ledger, the runtime binaries, the toolkit config and the CDI specs. No write, no signal.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ENGINE_NAMES, PRESETS } from '../engines/presets';
import type { EngineName } from '../engines/types';
import { HostError } from '../errors';
import { DEFAULT_CDI_DIRS, gatherCdiSpecs } from './gather-cdi';
import { resolveConfigFiles } from './gather-config';
import { binaryFact, toolkitConfigFacts } from './gather-files';
import { gatherLedger } from './gather-ledger';
import { gatherLive, probeSocket } from './gather-live';
import { hostPath, isNvidiaRuntime } from './paths';
import type { EngineFacts, NodeFacts } from './types';

export interface DoctorRequest {
  readonly runtime: 'auto' | EngineName;
  /** As this process sees them (not under the host root); default: the engine's own, under the host root. */
  readonly config?: string;
  readonly socket?: string;
  readonly hostRoot: string;
  readonly timeoutMs: number;
  /** CDI spec dirs to check instead of those the engine or its config names. */
  readonly cdiSpecDirs?: readonly string[];
}

interface Target {
  engine: EngineName;
  chosenBy: EngineFacts['chosenBy'];
  config: string;
  socket: string;
}

async function targets(req: DoctorRequest): Promise<Target[]> {
  const root = req.hostRoot;
  const make = (engine: EngineName, chosenBy: Target['chosenBy']): Target => ({
    engine,
    chosenBy,
    config: req.config ?? hostPath(root, PRESETS[engine].config),
    socket: req.socket ?? hostPath(root, PRESETS[engine].socket),
  });
  if (req.runtime !== 'auto') return [make(req.runtime, 'flag')];
  if (req.socket !== undefined) {
    const engine = await probeSocket(req.socket, req.timeoutMs);
    if (engine === undefined)
      throw new HostError(`no container engine answers on ${req.socket}; name it with --runtime`);
    return [make(engine, 'socket')];
  }
  const live: Target[] = [];
  for (const e of ENGINE_NAMES) {
    const socket = hostPath(root, PRESETS[e].socket);
    if (existsSync(socket) && (await probeSocket(socket, req.timeoutMs)) === e) live.push(make(e, 'socket'));
  }
  if (live.length > 0) return live;
  const configured = ENGINE_NAMES.filter((e) =>
    existsSync(req.config ?? hostPath(root, PRESETS[e].config)),
  ).map((e) => make(e, 'config'));
  if (configured.length === 1 || (configured.length > 0 && req.config === undefined)) return configured;
  throw new HostError(
    req.config === undefined
      ? 'no container engine found: no engine answers on its socket and no engine config file exists; name one with --runtime'
      : `cannot tell which engine reads ${req.config}; name it with --runtime`,
  );
}

async function engineFacts(t: Target, req: DoctorRequest): Promise<EngineFacts> {
  const ledger = gatherLedger(t.config);
  const candidates = ledger.files.map((f) => f.path).filter((p) => p !== t.config);
  const { files, importProblems } = resolveConfigFiles(t.engine, req.hostRoot, t.config, candidates);
  const live = await gatherLive(t.engine, t.socket, req.hostRoot, req.timeoutMs);
  return { ...t, files, importProblems, live, ledger };
}

export async function gatherFacts(req: DoctorRequest): Promise<NodeFacts> {
  const engines: EngineFacts[] = [];
  for (const t of await targets(req)) engines.push(await engineFacts(t, req));
  const binaries = new Set<string>();
  for (const e of engines)
    for (const f of e.files)
      for (const r of f.runtimes)
        if (r.binary !== '' && isNvidiaRuntime(r.name, r.binary)) binaries.add(r.binary);
  const binaryFacts = [...binaries].sort().map((b) => binaryFact(req.hostRoot, b));
  const dirs = new Set<string>();
  for (const e of engines) {
    const fromFiles = [...e.files].reverse().find((f) => f.cdiSpecDirs !== undefined)?.cdiSpecDirs;
    const live = e.live.reachable ? e.live.cdiSpecDirs : undefined;
    for (const d of live ?? fromFiles ?? DEFAULT_CDI_DIRS) dirs.add(d);
  }
  const cdiDirs = req.cdiSpecDirs?.length ? [...req.cdiSpecDirs] : [...dirs];
  return {
    hostRoot: req.hostRoot,
    engines,
    binaries: binaryFacts,
    toolkitConfigs: toolkitConfigFacts(req.hostRoot, [...new Set(binaryFacts.map((b) => dirname(b.path)))]),
    cdiDirs,
    cdiSpecs: gatherCdiSpecs(req.hostRoot, cdiDirs),
  };
}
