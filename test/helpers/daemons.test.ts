// The real-daemon harness is itself under test: later command tests rely on it starting, restarting and
// cleaning up exactly as documented.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeProto, grpcUnary } from '../../src/host/cri-client';
import { criStatus } from '../../src/host/engine-status';
import { runProcess } from '../../src/host/proc';
import {
  buildHelloImage,
  containerdConfig,
  containerdMatrix,
  daemonJson,
  daemonSkip,
  dockerMatrix,
  fakeSystemctl,
  makeHostRoot,
  startContainerd,
  startDockerd,
} from './daemons';

// In CI a missing program fails here, before anything is created.
const skipChroot = daemonSkip('chroot');
const skipContainerd = daemonSkip('containerd');
const skipDocker = daemonSkip('dockerd', 'containerd', 'gcc', 'tar');

let tmp: string;
before(() => {
  tmp = mkdtempSync('/tmp/ctk-hh-');
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    return !/^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

test('makeHostRoot: bash and the fake systemctl run inside chroot', {
  skip: skipChroot,
}, async () => {
  const host = makeHostRoot(join(tmp, 'root'), fakeSystemctl({ stdout: "it's fine" }));
  const r = await runProcess('chroot', [host.root, 'systemctl', 'restart', 'x y']);
  assert.deepEqual([r.code, r.stdout], [0, "it's fine\n"]);
  assert.deepEqual(host.calls(), ['systemctl restart x y']);
});

describe('containerd harness', { skip: skipContainerd }, () => {
  test('start, restart with the edited config, stop removes the process and its temp dir', async () => {
    const ctd = await startContainerd();
    const first = ctd.pid;
    assert.ok(alive(first));
    assert.match(readFileSync(ctd.configPath, 'utf8'), /runtimes\.runc\]/);
    writeFileSync(ctd.configPath, containerdConfig(ctd.paths, '# edited'));
    await ctd.restart();
    assert.notEqual(ctd.pid, first);
    assert.ok(!alive(first));
    assert.deepEqual(ctd.exits, [{ code: 0, signal: null }]);
    const second = ctd.pid;
    await ctd.stop();
    assert.ok(!alive(second));
    assert.ok(!existsSync(ctd.dir));
  });

  test('supervise: an exit we did not ask for is followed by a new process', async () => {
    const ctd = await startContainerd({ supervise: true });
    try {
      const first = ctd.pid;
      process.kill(first, 'SIGHUP');
      const next = await ctd.waitForRestart(first, 10_000);
      assert.notEqual(next, first);
      assert.equal(ctd.pid, next);
    } finally {
      await ctd.stop();
    }
  });

  test('a config containerd refuses: start fails with its log, nothing is left running', async () => {
    await assert.rejects(
      startContainerd({ config: () => 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd\n' }),
      /containerd 1\.6 exited during start \(exit status 1\):[\s\S]*failed to load TOML/,
    );
  });

  test('a test process that crashes still kills its daemon and removes the temp dir', async () => {
    const helper = join(__dirname, 'daemons.ts');
    const src = `require(${JSON.stringify(helper)}).startContainerd().then((c) => {
      process.stdout.write(c.pid + ' ' + c.dir + '\\n'); throw new Error('boom'); });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', src], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const code = await new Promise((r) => child.once('exit', r));
    assert.notEqual(code, 0);
    const [pid, dir] = out.trim().split(' ');
    assert.ok(Number(pid) > 0, `child printed ${JSON.stringify(out)}`);
    for (let i = 0; i < 50 && alive(Number(pid)); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(!alive(Number(pid)), 'daemon killed');
    assert.ok(!existsSync(dir!), 'temp dir removed');
  });
});

/** containerd's own Version service: the version string of the daemon that answers on the socket. */
async function containerdVersion(socket: string): Promise<string> {
  const reply = await grpcUnary(
    socket,
    '/containerd.services.version.v1.Version/Version',
    Buffer.alloc(0),
    2000,
  );
  const field = decodeProto(reply).get(1)?.[0];
  return Buffer.isBuffer(field) ? field.toString() : String(field);
}

// The matrix is what it says: each daemon that answers reports the version its label names, its CRI is up.
for (const { label, engine, skip } of containerdMatrix()) {
  test(`matrix: ${label} answers as ${label}, CRI ready, config version ${engine.configVersion}`, {
    skip,
  }, async () => {
    const ctd = await startContainerd({ engine });
    try {
      assert.match(
        await containerdVersion(ctd.socket),
        new RegExp(`^v?${engine.version.replace('.', '\\.')}\\.`),
      );
      assert.match(
        readFileSync(ctd.configPath, 'utf8'),
        new RegExp(`^version = ${engine.configVersion}$`, 'm'),
      );
      const st = await criStatus(ctd.socket);
      assert.ok(st.runtimes?.runc, 'runc runtime');
      assert.ok(st.conditions.some((c) => c.type === 'RuntimeReady' && c.status));
    } finally {
      await ctd.stop();
    }
  });
}
for (const { label, engine, skip } of dockerMatrix()) {
  test(`matrix: ${label} answers as ${label} on containerd ${engine.containerd.version}`, {
    skip,
  }, async () => {
    const d = await startDockerd({ engine });
    try {
      const v = await d.docker(['version', '--format', '{{.Server.Version}} {{.Client.Version}}']);
      assert.equal(v.code, 0, v.stderr);
      const [server, client] = v.stdout.trim().split(' ');
      assert.ok(server?.startsWith(`${engine.version}.`), `server ${server}`);
      assert.ok(client?.startsWith(`${engine.version}.`), `client ${client}`);
      assert.match(
        await containerdVersion(d.containerd.socket),
        new RegExp(`^v?${engine.containerd.version.replace('.', '\\.')}\\.`),
      );
    } finally {
      await d.stop();
    }
  });
}

describe('dockerd harness', { skip: skipDocker }, () => {
  test('refuses a daemon.json that would write /etc/docker/key.json', async () => {
    await assert.rejects(startDockerd({ config: () => '{}' }), /deprecated-key-path/);
  });

  test('docker run --runtime nvidia executes the runtime binary configured in daemon.json', async () => {
    const wrapper = join(tmp, 'nvidia-runtime');
    const calls = join(tmp, 'runtime.calls');
    writeFileSync(wrapper, `#!/bin/sh\necho "$*" >>${calls}\nexec runc "$@"\n`, { mode: 0o755 });
    const d = await startDockerd({
      config: (p) => daemonJson(p, { runtimes: { nvidia: { path: wrapper } } }),
    });
    try {
      assert.equal(Number(readFileSync(d.pidFile, 'utf8')), d.pid);
      const tag = await buildHelloImage(d);
      const r = await d.docker([
        'run',
        '--rm',
        '--network',
        'none',
        '--runtime',
        'nvidia',
        tag,
        '/bin/hello',
      ]);
      assert.equal(r.stdout, 'hello\n', r.stderr);
      assert.match(readFileSync(calls, 'utf8'), /\bcreate\b/);
    } finally {
      await d.stop();
    }
    assert.ok(!alive(d.pid) && !alive(d.containerd.pid));
    assert.ok(!existsSync(d.dir));
  });
});
