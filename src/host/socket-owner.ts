/**
 * Which process listens on a unix socket. The original asks the kernel through SCM_CREDENTIALS on a
 * connection; Node has no API for that, so we read the same facts from /proc instead:
 *   1. `<proc>/net/unix` gives the sockfs inode of the LISTENING socket bound to the path
 *      (Flags 00010000 = __SO_ACCEPTCON; accepted connections carry the same path with Flags 0);
 *   2. every `<proc>/<pid>/fd/*` link reading `socket:[INODE]` is a holder of that socket.
 * The table is per network namespace, so besides our own we read `<proc>/1/net/unix` (the host's, when the
 * container shares the host PID namespace but not its network). The path a daemon bound may differ from the
 * one we see (a host dir mounted elsewhere in our container, or /var/run vs /run): then a listening socket with
 * the same file name counts only when `<proc>/<pid>/root<bound path>` is the very same file (device + inode).
 */
import { readdirSync, readFileSync, readlinkSync, type Stats, statSync } from 'node:fs';
import { basename } from 'node:path';
import { HostError } from '../errors';

export interface SocketOwnerOptions {
  /** Where procfs is mounted (default `/proc`); tests pass a fake tree, containers may pass the host's. */
  procRoot?: string;
}

export interface UnixSocketEntry {
  inode: number;
  /** Hex flags as printed by the kernel; `00010000` means listening. */
  flags: string;
  /** Bound path; '' for unnamed sockets, `@…` for abstract ones. */
  path: string;
}

const LISTENING = '00010000';
const LINE = /^\s*[0-9a-fA-F]+:\s+\S+\s+\S+\s+([0-9a-fA-F]+)\s+\S+\s+\S+\s+(\d+)(?: (.*))?$/;

/** Parses `/proc/net/unix` (header line skipped; the path is the rest of the line and may contain spaces). */
export function parseProcNetUnix(text: string): UnixSocketEntry[] {
  const entries: UnixSocketEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const m = LINE.exec(line);
    if (m) entries.push({ flags: m[1]!, inode: Number(m[2]), path: m[3] ?? '' });
  }
  return entries;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function listeningEntries(procRoot: string): UnixSocketEntry[] {
  const byInode = new Map<number, UnixSocketEntry>();
  for (const file of [`${procRoot}/net/unix`, `${procRoot}/1/net/unix`]) {
    const text = readText(file);
    if (text === undefined) continue;
    for (const e of parseProcNetUnix(text)) if (e.flags === LISTENING) byInode.set(e.inode, e);
  }
  return [...byInode.values()];
}

/** One pass over `<proc>/<pid>/fd`: which PIDs hold each of the wanted socket inodes. */
function holdersOf(procRoot: string, inodes: ReadonlySet<number>): Map<number, Set<number>> {
  const found = new Map<number, Set<number>>();
  let pids: string[];
  try {
    pids = readdirSync(procRoot).filter((n) => /^\d+$/.test(n));
  } catch (err) {
    throw new HostError(`cannot list processes in ${procRoot}: ${(err as Error).message}`);
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${pid}/fd`);
    } catch {
      continue; // exited meanwhile, or not ours to read
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${procRoot}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!target.startsWith('socket:[')) continue;
      const inode = Number(target.slice(8, -1));
      if (!inodes.has(inode)) continue;
      const set = found.get(inode) ?? new Set<number>();
      set.add(Number(pid));
      found.set(inode, set);
    }
  }
  return found;
}

/** Does `<proc>/<pid>/root<bound>` name the same file as our `st`? undefined when we cannot tell. */
function sameFile(procRoot: string, pid: number, bound: string, st: Stats): boolean | undefined {
  try {
    const other = statSync(`${procRoot}/${pid}/root${bound}`);
    return other.dev === st.dev && other.ino === st.ino;
  } catch {
    return undefined;
  }
}

interface ProcInfo {
  ppid: number;
  name: string;
}

function procInfo(procRoot: string, pid: number): ProcInfo {
  const text = readText(`${procRoot}/${pid}/status`) ?? '';
  const ppid = /^PPid:\s*(\d+)/m.exec(text)?.[1];
  return {
    ppid: ppid === undefined ? -1 : Number(ppid),
    name: /^Name:\s*(.*)$/m.exec(text)?.[1]?.trim() ?? '',
  };
}

/**
 * Picks the daemon among the holders of a listening socket. Two real patterns hold one socket in several
 * processes: a child that inherited the fd (the daemon is its ancestor, so we drop processes whose parent also
 * holds it), and systemd socket activation, where PID 1 keeps the socket it passed to the daemon (its child):
 * signalling PID 1 would be a disaster, so service managers are dropped first. If that still leaves several
 * unrelated processes, we refuse to guess.
 */
export function pickOwner(
  socketPath: string,
  pids: ReadonlySet<number>,
  info: (pid: number) => ProcInfo,
): number {
  let set = [...pids].sort((a, b) => a - b);
  const managers = set.filter((p) => p === 1 || info(p).name === 'systemd');
  if (managers.length < set.length) set = set.filter((p) => !managers.includes(p));
  const tops = set.filter((p) => !set.includes(info(p).ppid));
  if (tops.length === 1) return tops[0]!;
  throw new HostError(
    `several processes own the socket ${socketPath} (PIDs ${set.join(', ')}); refusing to guess which one to signal`,
  );
}

/** PID of the process listening on the unix socket at `socketPath`. Errors are HostErrors with one line. */
export async function findSocketOwner(socketPath: string, opts: SocketOwnerOptions = {}): Promise<number> {
  const procRoot = opts.procRoot ?? '/proc';
  let st: Stats;
  try {
    st = statSync(socketPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new HostError(`socket ${socketPath} does not exist`);
    throw new HostError(`cannot inspect socket ${socketPath}: ${(err as Error).message}`);
  }
  if (!st.isSocket()) throw new HostError(`${socketPath} is not a unix socket`);

  const entries = listeningEntries(procRoot);
  const name = basename(socketPath);
  const exact = entries.filter((e) => e.path === socketPath);
  const alike = entries.filter(
    (e) => e.path !== socketPath && e.path.startsWith('/') && basename(e.path) === name,
  );
  if (exact.length === 0 && alike.length === 0) {
    throw new HostError(
      `socket ${socketPath} is not a listening socket (a stale file left by a daemon that exited?)`,
    );
  }
  const candidates = [...exact, ...alike];
  const holders = holdersOf(procRoot, new Set(candidates.map((e) => e.inode)));
  const owners = new Set<number>();
  // A look-alike we could not compare (no visible holder, or its root unreadable) might still be ours.
  let undetermined = exact.length > 0;
  for (const e of candidates) {
    const pids = holders.get(e.inode) ?? new Set<number>();
    if (pids.size === 0) undetermined = true;
    for (const pid of pids) {
      const same = sameFile(procRoot, pid, e.path, st);
      if (same === undefined) undetermined = true;
      // The exact path is trusted when we cannot look into the holder's root; a look-alike never is.
      if (same === true || (same === undefined && e.path === socketPath)) owners.add(pid);
    }
  }
  if (owners.size === 0) {
    if (!undetermined) {
      throw new HostError(
        `socket ${socketPath} is not a listening socket (a stale file left by a daemon that exited?)`,
      );
    }
    throw new HostError(
      `no process owns the socket ${socketPath}; does this container share the host PID namespace (hostPID: true)?`,
    );
  }
  return pickOwner(socketPath, owners, (pid) => procInfo(procRoot, pid));
}
