/**
 * dockerd 20.10 and containerd 1.6 create a few host paths outside their temp dirs no matter what (shim sockets
 * in /run/containerd/s, /run/docker/plugins, /opt/containerd, cgroup dirs named docker once a container ran).
 * We remove the ones that did not exist before the first test daemon started. Test files run in parallel
 * processes (scripts/test.mjs), so "before" is shared: the first claimant records the baseline, every process
 * holds a claim while its daemons run, and only the last one to leave removes anything.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

const STATE = '/tmp/ctk-test-host-leftovers';
const LOCK = join(STATE, 'lock');
const CLAIMS = join(STATE, 'claims');
const BASELINE = join(STATE, 'baseline.json');

function cgroupDirs(): string[] {
  const base = '/sys/fs/cgroup';
  let names: string[] = [];
  try {
    names = readdirSync(base);
  } catch {
    return [];
  }
  return [join(base, 'docker'), ...names.map((n) => join(base, n, 'docker'))];
}

function present(): string[] {
  return ['/run/docker', '/run/containerd', '/opt/containerd', ...cgroupDirs()].filter((p) => existsSync(p));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function withLock<T>(fn: () => T): T {
  mkdirSync(STATE, { recursive: true });
  for (let i = 0; ; i++) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // A holder that died mid-way leaves the lock dir behind; it is only ever held for milliseconds.
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 10_000) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // gone meanwhile
      }
      if (i > 1000) throw new Error(`cannot take ${LOCK}`);
      sleepSync(10);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function liveClaims(except?: number): number[] {
  mkdirSync(CLAIMS, { recursive: true });
  return readdirSync(CLAIMS)
    .map(Number)
    .filter((pid) => {
      if (pid === except) return false;
      if (alive(pid)) return true;
      rmSync(join(CLAIMS, String(pid)), { force: true });
      return false;
    });
}

let claimed = false;

/** Called before a test daemon starts. */
export function claimHostLeftovers(): void {
  if (claimed) return;
  withLock(() => {
    if (liveClaims(process.pid).length === 0 || !existsSync(BASELINE)) {
      writeFileSync(BASELINE, JSON.stringify(present()));
    }
    writeFileSync(join(CLAIMS, String(process.pid)), '');
  });
  claimed = true;
}

function removeCgroupTree(dir: string): void {
  // Leaf first; a cgroup is busy until the last shim in it has exited, so retry briefly.
  for (let attempt = 0; attempt < 10 && existsSync(dir); attempt++) {
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
      rmdirSync(d);
    };
    try {
      walk(dir);
    } catch {
      sleepSync(200);
    }
  }
}

/** Called when this process has no test daemon left (and at exit); synchronous so exit handlers can use it. */
export function releaseHostLeftovers(): void {
  if (!claimed) return;
  claimed = false;
  withLock(() => {
    rmSync(join(CLAIMS, String(process.pid)), { force: true });
    if (liveClaims().length > 0) return;
    let baseline: string[] = [];
    try {
      baseline = JSON.parse(readFileSync(BASELINE, 'utf8')) as string[];
    } catch {
      // No baseline means we cannot know what was there before: remove nothing.
      return;
    }
    for (const p of present()) {
      if (baseline.includes(p)) continue;
      if (p.startsWith('/sys/fs/cgroup/')) removeCgroupTree(p);
      else rmSync(p, { recursive: true, force: true });
    }
    rmSync(BASELINE, { force: true });
  });
}
