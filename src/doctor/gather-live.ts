/**
 * What the running engine itself reports (reads only; nothing is signalled): docker `GET /info`, the CRI
 * `Status`/`Version` of containerd and cri-o, and from /proc the daemon's PID, start time and the config file
 * its command line names.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { EngineName } from '../engines/types';
import { oneLine } from '../errors';
import { criStatusRaw, decodeProto, grpcUnary } from '../host/cri-client';
import { parseDockerInfo } from '../host/engine-status';
import { findSocketOwner } from '../host/socket-owner';
import { hostPath } from './paths';
import type { LiveFact } from './types';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function dockerGet(socket: string, path: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const http = require('node:http') as typeof import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath: socket,
        path,
        method: 'GET',
        headers: { Host: 'docker' },
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          try {
            const json: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            if (res.statusCode === 200 && isRecord(json)) resolve(json);
            else reject(new Error(`GET ${path}: HTTP ${res.statusCode}`));
          } catch {
            reject(new Error(`GET ${path}: the answer is not JSON (is ${socket} the docker socket?)`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function dockerLive(socket: string, timeoutMs: number) {
  const info = await dockerGet(socket, '/info', timeoutMs);
  const parsed = parseDockerInfo(info);
  const dirs = Array.isArray(info.CDISpecDirs) ? info.CDISpecDirs.map(String) : undefined;
  return {
    version: typeof info.ServerVersion === 'string' ? info.ServerVersion : '',
    runtimes: Object.fromEntries(Object.entries(parsed.runtimes).map(([n, r]) => [n, r.path])),
    defaultRuntime: parsed.defaultRuntime,
    // docker 25+ lists its CDI spec dirs only while CDI is enabled; older versions have no such field
    ...(dirs ? { cdiEnabled: dirs.length > 0, cdiSpecDirs: dirs } : {}),
  };
}

/** CRI `Version`: runtime_version (field 3) of VersionResponse. */
async function criVersion(socket: string, api: string, timeoutMs: number): Promise<string> {
  const payload = await grpcUnary(socket, `/${api}.RuntimeService/Version`, Buffer.alloc(0), timeoutMs);
  const field = decodeProto(payload).get(3)?.[0];
  return Buffer.isBuffer(field) ? field.toString('utf8') : '';
}

async function criLive(socket: string, timeoutMs: number) {
  const raw = await criStatusRaw(socket, timeoutMs);
  let config: unknown;
  try {
    config = raw.info.config === undefined ? undefined : JSON.parse(raw.info.config);
  } catch {
    config = undefined;
  }
  const cfg = isRecord(config) ? config : {};
  const ctd = isRecord(cfg.containerd) ? cfg.containerd : undefined;
  let runtimes: Record<string, string> | undefined;
  if (ctd && isRecord(ctd.runtimes)) {
    runtimes = {};
    for (const [name, r] of Object.entries(ctd.runtimes)) {
      const opts = isRecord(r) && isRecord(r.options) ? r.options : {};
      const bin = [opts.BinaryName, opts.Runtime].find((v) => typeof v === 'string' && v !== '');
      runtimes[name] = typeof bin === 'string' ? bin : '';
    }
  }
  return {
    version: await criVersion(socket, raw.api, timeoutMs).catch(() => ''),
    runtimes,
    defaultRuntime: ctd && typeof ctd.defaultRuntimeName === 'string' ? ctd.defaultRuntimeName : '',
    ...(typeof cfg.enableCDI === 'boolean' ? { cdiEnabled: cfg.enableCDI } : {}),
    ...(Array.isArray(cfg.cdiSpecDirs) ? { cdiSpecDirs: cfg.cdiSpecDirs.map(String) } : {}),
  };
}

const CONFIG_FLAGS: Readonly<Record<EngineName, { flags: string[]; fallback: string }>> = {
  docker: { flags: ['--config-file'], fallback: '/etc/docker/daemon.json' },
  containerd: { flags: ['--config', '-c'], fallback: '/etc/containerd/config.toml' },
  crio: { flags: ['--config', '-c'], fallback: '/etc/crio/crio.conf' },
};

/** The config file a daemon command line names (or the engine's built-in default). Pure. */
export function configFromCmdline(engine: EngineName, argv: readonly string[], cwd: string): string {
  const { flags, fallback } = CONFIG_FLAGS[engine];
  let found: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = flags.find((f) => a.startsWith(`${f}=`));
    if (eq) found = a.slice(eq.length + 1);
    else if (flags.includes(a) && i + 1 < argv.length) found = argv[++i];
  }
  if (found === undefined) return fallback;
  return isAbsolute(found) ? found : join(cwd, found);
}

function processFacts(engine: EngineName, pid: number, root: string) {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    // USER_HZ is 100 on every Linux architecture this tool runs on
    const startedMs =
      Number.isFinite(ticks) && Number.isFinite(btime) ? btime * 1000 + ticks * 10 : undefined;
    return { readsConfig: hostPath(root, configFromCmdline(engine, argv, cwd)), startedMs };
  } catch {
    return {};
  }
}

export async function gatherLive(
  engine: EngineName,
  socket: string,
  root: string,
  timeoutMs = 5000,
): Promise<LiveFact> {
  let answer: Awaited<ReturnType<typeof dockerLive>> | Awaited<ReturnType<typeof criLive>>;
  try {
    answer = engine === 'docker' ? await dockerLive(socket, timeoutMs) : await criLive(socket, timeoutMs);
  } catch (err) {
    return { reachable: false, error: oneLine(err) };
  }
  const pid = await findSocketOwner(socket).catch(() => undefined);
  return {
    reachable: true,
    ...answer,
    ...(pid === undefined ? {} : { pid, ...processFacts(engine, pid, root) }),
  };
}

/** Which engine answers on a socket: docker speaks HTTP/1.1, containerd and cri-o gRPC (cri-o hides its runtimes). */
export async function probeSocket(socket: string, timeoutMs = 3000): Promise<EngineName | undefined> {
  if (
    await dockerGet(socket, '/version', timeoutMs).then(
      () => true,
      () => false,
    )
  )
    return 'docker';
  try {
    const c = await criLive(socket, timeoutMs);
    return c.runtimes === undefined ? 'crio' : 'containerd';
  } catch {
    return undefined;
  }
}
