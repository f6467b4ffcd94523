import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HostError } from '../../src/errors';
import { findSocketOwner, parseProcNetUnix, pickOwner } from '../../src/host/socket-owner';

const HEADER = 'Num       RefCount Protocol Flags    Type St Inode Path\n';
const line = (flags: string, inode: number, path = '') =>
  `0000000000000000: 00000002 00000000 ${flags} 0001 01 ${inode}${path ? ` ${path}` : ''}\n`;

let tmp: string;
const servers: net.Server[] = [];
const children: ChildProcess[] = [];
const sleepers: number[] = [];

before(() => {
  tmp = mkdtempSync('/tmp/ctk-sock-');
});
after(() => {
  for (const s of servers) s.close();
  for (const c of children) c.kill('SIGKILL');
  for (const pid of sleepers) process.kill(pid, 'SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

function listen(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    servers.push(s);
    s.once('error', reject);
    s.listen(path, () => resolve());
  });
}

/** A fake procfs: net/unix text, and per PID its socket fds, name and parent. */
function fakeProc(
  table: string,
  procs: Record<number, { inodes: number[]; name?: string; ppid?: number }>,
  hostTable?: string,
) {
  const root = mkdtempSync(join(tmp, 'proc-'));
  mkdirSync(join(root, 'net'));
  writeFileSync(join(root, 'net/unix'), HEADER + table);
  for (const [pid, p] of Object.entries(procs)) {
    mkdirSync(join(root, pid, 'fd'), { recursive: true });
    for (const [i, ino] of p.inodes.entries())
      symlinkSync(`socket:[${ino}]`, join(root, pid, 'fd', String(i + 3)));
    symlinkSync('/dev/null', join(root, pid, 'fd', '0'));
    writeFileSync(
      join(root, pid, 'status'),
      `Name:\t${p.name ?? 'daemon'}\nState:\tS (sleeping)\nPPid:\t${p.ppid ?? 0}\n`,
    );
  }
  if (hostTable !== undefined) {
    mkdirSync(join(root, '1/net'), { recursive: true });
    writeFileSync(join(root, '1/net/unix'), HEADER + hostTable);
  }
  return root;
}

const hostError = (re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof HostError, `expected HostError, got ${String(e)}`);
  assert.match(e.message, re);
  return true;
};

describe('parseProcNetUnix', () => {
  test('reads flags, inode and the whole path (spaces included); skips the header', () => {
    const text =
      HEADER +
      line('00010000', 11, '/run/a b.sock') +
      line('00000000', 12) +
      line('00010000', 13, '@abstract');
    assert.deepEqual(parseProcNetUnix(text), [
      { flags: '00010000', inode: 11, path: '/run/a b.sock' },
      { flags: '00000000', inode: 12, path: '' },
      { flags: '00010000', inode: 13, path: '@abstract' },
    ]);
  });
});

describe('findSocketOwner with a fake procfs', () => {
  let sock: string;
  before(async () => {
    sock = join(tmp, 'fake.sock');
    await listen(sock); // a real socket file; the fake table decides who "holds" it
  });

  test('a child that inherited the fd is not the owner: its parent is', async () => {
    const proc = fakeProc(line('00010000', 500, sock) + line('00000000', 501, sock), {
      40: { inodes: [500], ppid: 1 },
      41: { inodes: [500, 501], ppid: 40 },
      42: { inodes: [7] },
    });
    assert.equal(await findSocketOwner(sock, { procRoot: proc }), 40);
  });

  test('socket activation: PID 1 (systemd) holds the socket too, the daemon is chosen', async () => {
    const proc = fakeProc(line('00010000', 500, sock), {
      1: { inodes: [500], name: 'systemd' },
      77: { inodes: [500], ppid: 1, name: 'dockerd' },
    });
    assert.equal(await findSocketOwner(sock, { procRoot: proc }), 77);
  });

  test('two unrelated holders: refuses to guess', async () => {
    const proc = fakeProc(line('00010000', 500, sock), { 50: { inodes: [500] }, 60: { inodes: [500] } });
    await assert.rejects(
      findSocketOwner(sock, { procRoot: proc }),
      hostError(/several processes own .*PIDs 50, 60/),
    );
  });

  test('a listening socket nobody visible holds: the hostPID hint', async () => {
    const proc = fakeProc(line('00010000', 500, sock), { 50: { inodes: [9] } });
    await assert.rejects(
      findSocketOwner(sock, { procRoot: proc }),
      hostError(
        new RegExp(
          `^no process owns the socket ${sock}; does this container share the host PID namespace \\(hostPID: true\\)\\?$`,
        ),
      ),
    );
  });

  test('only a non-listening entry for the path: not a listening socket', async () => {
    const proc = fakeProc(line('00000000', 500, sock), { 50: { inodes: [500] } });
    await assert.rejects(
      findSocketOwner(sock, { procRoot: proc }),
      hostError(/^socket .* is not a listening socket/),
    );
  });

  test("the host's table (<proc>/1/net/unix) is read too: another network namespace", async () => {
    const proc = fakeProc(
      '',
      { 1: { inodes: [], name: 'init' }, 90: { inodes: [600], ppid: 1 } },
      line('00010000', 600, sock),
    );
    assert.equal(await findSocketOwner(sock, { procRoot: proc }), 90);
  });

  test('pickOwner keeps PID 1 when it is the only holder', () => {
    assert.equal(
      pickOwner('/s', new Set([1]), () => ({ ppid: 0, name: 'containerd' })),
      1,
    );
  });
});

describe('findSocketOwner on this machine', () => {
  test('a missing path, a regular file, a stale socket file', async () => {
    await assert.rejects(
      findSocketOwner(join(tmp, 'nope.sock')),
      hostError(/^socket \/tmp\/.*\/nope\.sock does not exist$/),
    );
    const file = join(tmp, 'plain');
    writeFileSync(file, '');
    await assert.rejects(findSocketOwner(file), hostError(/^\/tmp\/.*\/plain is not a unix socket$/));
    // A process killed hard leaves its socket file behind, bound by nobody (containerd after SIGHUP does this).
    const stale = join(tmp, 'stale.sock');
    const child = spawnListener(stale);
    await readLine(child);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await assert.rejects(
      findSocketOwner(stale),
      hostError(/^socket .*stale\.sock is not a listening socket/),
    );
  });

  test('finds the listening process, not the child that inherited its socket fd', async () => {
    const path = join(tmp, 'inherit.sock');
    const child = spawnListener(path, true);
    const [, sleeperPid] = (await readLine(child)).split(' ').map(Number);
    assert.ok(sleeperPid && sleeperPid > 0);
    sleepers.push(sleeperPid);
    assert.equal(await findSocketOwner(path), child.pid);
  });

  test('a path through a symlinked directory finds the daemon that bound the real path', async () => {
    const real = join(tmp, 'real');
    mkdirSync(real);
    symlinkSync(real, join(tmp, 'link'));
    const child = spawnListener(join(real, 'd.sock'));
    await readLine(child);
    assert.equal(await findSocketOwner(join(tmp, 'link', 'd.sock')), child.pid);
    // Same file name elsewhere, but a different file: no match.
    const other = join(tmp, 'other');
    mkdirSync(other);
    const ghost = spawnListener(join(other, 'd.sock'));
    await readLine(ghost);
    ghost.kill('SIGKILL');
    await new Promise((r) => ghost.once('exit', r));
    await assert.rejects(findSocketOwner(join(other, 'd.sock')), hostError(/is not a listening socket/));
  });
});

/** A separate node process listening on `path` (optionally with a `sleep` child inheriting the socket fd). */
function spawnListener(path: string, withChild = false): ChildProcess {
  const src = `
    const net = require('node:net'); const { spawn } = require('node:child_process');
    const s = net.createServer().listen(${JSON.stringify(path)}, () => {
      let extra = '';
      if (${withChild}) {
        const c = spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', 'ignore', s._handle.fd] });
        process.on('exit', () => c.kill());
        extra = ' ' + c.pid;
      }
      process.stdout.write('ready' + extra + '\\n');
    });`;
  const child = spawn(process.execPath, ['-e', src], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return child;
}

function readLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes('\n')) resolve(buf.trim());
    });
    child.once('exit', (code) => reject(new Error(`listener exited (${code}) before it was ready`)));
  });
}
