/**
 * Asking a running engine what it actually uses, so a restart is verified instead of assumed (field-notes
 * a reload that "worked" but the runtime never showed up):
 *   docker      `GET /info` over its unix socket (the Runtimes map and DefaultRuntime);
 *   containerd  CRI `RuntimeService/Status {verbose}` (its effective CRI config: runtimes and their options);
 *   cri-o       the same CRI call; cri-o does not report its runtime handlers there, so only liveness is checked.
 * `waitForEngine` polls until the engine answers AND shows the expected state. Every failure before that is
 * "not yet": a containerd that just exited on SIGHUP leaves a stale socket (ECONNREFUSED) or none (ENOENT).
 */

import type { EngineName } from '../engines/types';
import { HostError, oneLine, VerifyError } from '../errors';
import type { Logger } from '../log';
import { type CriApi, criStatusRaw, type RuntimeCondition } from './cri-client';
import { findSocketOwner } from './socket-owner';

export interface DockerRuntime {
  path: string;
  args?: string[];
}

export interface DockerInfo {
  runtimes: Record<string, DockerRuntime>;
  defaultRuntime: string;
  /** `CDISpecDirs` (dockerd 25 and later): empty while CDI is off; undefined where dockerd does not say. */
  cdiSpecDirs?: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `GET /info` from dockerd over its unix socket. */
export function dockerInfo(socket: string, timeoutMs = 5000): Promise<DockerInfo> {
  return new Promise((resolve, reject) => {
    // Loaded on first use, like http2 in cri-client.ts: start-up time matters for a CLI.
    const http = require('node:http') as typeof import('node:http');
    const req = http.request(
      { socketPath: socket, path: '/info', method: 'GET', headers: { Host: 'docker' }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => fail(e));
        res.on('end', () => {
          clearTimeout(timer);
          const body = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          if (res.statusCode !== 200) {
            const msg = isRecord(json) && typeof json.message === 'string' ? json.message : body.trim();
            reject(new HostError(`docker GET /info on ${socket}: HTTP ${res.statusCode}: ${oneLine(msg)}`));
            return;
          }
          if (!isRecord(json)) {
            reject(new HostError(`docker GET /info on ${socket}: answer is not a JSON object`));
            return;
          }
          resolve(parseDockerInfo(json));
        });
      },
    );
    const fail = (e: Error) => {
      clearTimeout(timer);
      req.destroy();
      if (e instanceof HostError) return reject(e);
      // An HTTP/2 (gRPC) server answers HTTP/1.1 with bytes node cannot parse: containerd's socket, probably.
      const hint = /parse error/i.test(e.message)
        ? ' (not an HTTP/1.1 server: is this the docker socket?)'
        : '';
      reject(new HostError(`docker GET /info on ${socket}: ${e.message}${hint}`, { cause: e }));
    };
    const timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', fail);
    req.end();
  });
}

export function parseDockerInfo(json: Record<string, unknown>): DockerInfo {
  const runtimes: Record<string, DockerRuntime> = {};
  if (isRecord(json.Runtimes)) {
    for (const [name, r] of Object.entries(json.Runtimes)) {
      if (!isRecord(r)) continue;
      const entry: DockerRuntime = { path: typeof r.path === 'string' ? r.path : '' };
      if (Array.isArray(r.runtimeArgs)) entry.args = r.runtimeArgs.map(String);
      runtimes[name] = entry;
    }
  }
  return {
    runtimes,
    defaultRuntime: typeof json.DefaultRuntime === 'string' ? json.DefaultRuntime : '',
    ...(Array.isArray(json.CDISpecDirs) ? { cdiSpecDirs: json.CDISpecDirs.map(String) } : {}),
  };
}

export interface CriRuntime {
  runtimeType: string;
  options: Record<string, unknown>;
}

export interface CriStatus {
  api: CriApi;
  /** undefined when the engine's status does not carry a containerd-style CRI config (cri-o). */
  runtimes?: Record<string, CriRuntime>;
  defaultRuntimeName: string;
  conditions: RuntimeCondition[];
}

/** CRI status of containerd (or cri-o) over its unix socket, runtime.v1 with a runtime.v1alpha2 fallback. */
export async function criStatus(socket: string, timeoutMs = 5000): Promise<CriStatus> {
  let raw: Awaited<ReturnType<typeof criStatusRaw>>;
  try {
    raw = await criStatusRaw(socket, timeoutMs);
  } catch (err) {
    if (err instanceof HostError) throw err;
    const msg = oneLine(err);
    const hint = /protocol error/i.test(msg)
      ? ' (not a gRPC server: is this the containerd/cri-o socket?)'
      : '';
    throw new HostError(`CRI status on ${socket}: ${msg}${hint}`, { cause: err });
  }
  let config: unknown;
  try {
    config = raw.info.config === undefined ? undefined : JSON.parse(raw.info.config);
  } catch {
    config = undefined;
  }
  const ctd = isRecord(config) && isRecord(config.containerd) ? config.containerd : undefined;
  let runtimes: Record<string, CriRuntime> | undefined;
  if (ctd && isRecord(ctd.runtimes)) {
    runtimes = {};
    for (const [name, r] of Object.entries(ctd.runtimes)) {
      if (!isRecord(r)) continue;
      runtimes[name] = {
        runtimeType: typeof r.runtimeType === 'string' ? r.runtimeType : '',
        options: isRecord(r.options) ? r.options : {},
      };
    }
  }
  const defaultRuntimeName = ctd && typeof ctd.defaultRuntimeName === 'string' ? ctd.defaultRuntimeName : '';
  return { api: raw.api, runtimes, defaultRuntimeName, conditions: raw.conditions };
}

export interface EngineExpectation {
  /** Runtime name → binary path it must use ('' = present with any path). */
  present?: Record<string, string>;
  /** Runtimes that must be gone. */
  absent?: string[];
  defaultRuntime?: string;
}

/** What an engine reported, reduced to what we verify. `runtimes` undefined = the engine does not tell. */
export interface EngineState {
  runtimes?: Record<string, { path: string }>;
  defaultRuntime: string;
  /** Whether the engine has CDI on, where it says (dockerd 25 and later); undefined elsewhere. */
  cdi?: boolean;
}

/** The binary a containerd runtime runs: runc-v2 shim `BinaryName`, or the legacy v1 linux runtime's `Runtime`. */
function criBinary(r: CriRuntime): string {
  for (const key of ['BinaryName', 'Runtime']) {
    const v = r.options[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return '';
}

export async function readEngineState(
  engine: EngineName,
  socket: string,
  timeoutMs: number,
): Promise<EngineState> {
  if (engine === 'docker') {
    const info = await dockerInfo(socket, timeoutMs);
    return {
      runtimes: info.runtimes,
      defaultRuntime: info.defaultRuntime,
      ...(info.cdiSpecDirs ? { cdi: info.cdiSpecDirs.length > 0 } : {}),
    };
  }
  const st = await criStatus(socket, timeoutMs);
  const runtimes = st.runtimes
    ? Object.fromEntries(Object.entries(st.runtimes).map(([n, r]) => [n, { path: criBinary(r) }]))
    : undefined;
  return { runtimes, defaultRuntime: st.defaultRuntimeName };
}

/** Every way `state` differs from `expect`, one phrase each; [] = as expected. Pure. */
export function describeMismatch(state: EngineState, expect: EngineExpectation): string[] {
  const out: string[] = [];
  const rts = state.runtimes;
  if (rts) {
    for (const [name, path] of Object.entries(expect.present ?? {})) {
      const r = rts[name];
      if (!r) out.push(`runtime "${name}" is missing (has: ${Object.keys(rts).sort().join(', ') || 'none'})`);
      else if (path !== '' && r.path !== path)
        out.push(`runtime "${name}" uses "${r.path}" instead of "${path}"`);
    }
    for (const name of expect.absent ?? []) if (rts[name]) out.push(`runtime "${name}" is still configured`);
  }
  if (
    expect.defaultRuntime !== undefined &&
    state.runtimes &&
    state.defaultRuntime !== expect.defaultRuntime
  ) {
    out.push(`default runtime is "${state.defaultRuntime}" instead of "${expect.defaultRuntime}"`);
  }
  return out;
}

export interface WaitRequest {
  engine: EngineName;
  socket: string;
  expect: EngineExpectation;
  /** Overall limit for the engine to answer and show the expected state. */
  timeoutMs: number;
  logger: Logger;
  /** Pause between polls (default 50 ms). */
  intervalMs?: number;
  /** The PID we restarted: an answer from that same process is the old daemon, not the restarted one. */
  previousPid?: number;
  procRoot?: string;
}

export interface WaitResult {
  state: EngineState;
  elapsedMs: number;
  polls: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitForEngine(req: WaitRequest): Promise<WaitResult> {
  const { engine, socket, expect, logger } = req;
  const interval = req.intervalMs ?? 50;
  const start = Date.now();
  const deadline = start + Math.max(0, req.timeoutMs);
  let answered = false;
  let problem = '';
  let lastError = '';
  let polls = 0;
  let previous = '';
  for (;;) {
    polls++;
    let failed = '';
    try {
      const budget = Math.max(50, Math.min(deadline - Date.now(), 3000));
      const state = await readEngineState(engine, socket, budget);
      answered = true;
      problem = describeMismatch(state, expect).join('; ');
      if (problem === '' && req.previousPid !== undefined) {
        const pid = await findSocketOwner(socket, { procRoot: req.procRoot }).catch((e: unknown) => e);
        if (pid === req.previousPid) problem = `it is still the old process ${pid}`;
        else if (typeof pid !== 'number') problem = `cannot tell which process answers: ${oneLine(pid)}`;
      }
      if (problem === '') {
        if (!state.runtimes && (expect.present || expect.absent)) {
          logger.debug(`${engine} does not report its runtimes; verified only that it answers`, { socket });
        }
        const elapsedMs = Date.now() - start;
        logger.info(`${engine} answers with the expected runtimes`, { socket, elapsedMs });
        return { state, elapsedMs, polls };
      }
    } catch (err) {
      failed = oneLine(err);
      lastError = failed;
      // Once the engine has answered, what it showed stays the problem: a later poll that fails (often the last
      // one, cut short by the deadline) goes into the message as the last error instead of hiding it.
      if (!answered) problem = failed;
    }
    const logged = failed || problem;
    if (Date.now() + interval > deadline) break;
    // Only changes are logged: a 50 ms poll would otherwise flood a debug log.
    if (logged !== previous) logger.debug(`waiting for ${engine}: ${logged}`, { socket });
    previous = logged;
    await sleep(interval);
  }
  const ms = Date.now() - start;
  if (!answered)
    throw new VerifyError(`${engine} did not report its state on ${socket} within ${ms} ms: ${lastError}`);
  const tail = lastError !== '' && lastError !== problem ? ` (last error: ${lastError})` : '';
  throw new VerifyError(
    `${engine} on ${socket} does not show the expected state after ${ms} ms: ${problem}${tail}`,
  );
}
