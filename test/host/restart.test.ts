import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HostError, UsageError } from '../../src/errors';
import { restartEngine } from '../../src/host/restart';
import { memoryLogger } from '../../src/log';
import { fakeSystemctl, makeHostRoot } from '../helpers/daemons';

let tmp: string;
before(() => {
  tmp = mkdtempSync('/tmp/ctk-rs-');
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const warnings = (lines: string[]) => lines.filter((l) => l.includes('level=warning'));
/** A socket file nobody listens on any more (a daemon killed hard leaves one; containerd after SIGHUP too). */
async function staleSocket(path: string): Promise<string> {
  const src = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
  const child = spawn(process.execPath, ['-e', src], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return path;
}

describe('modes without a daemon', () => {
  test('none: warns and skips', async () => {
    const logger = memoryLogger();
    const r = await restartEngine({ engine: 'containerd', mode: 'none', socket: '/x', hostRoot: '', logger });
    assert.deepEqual(r, { mode: 'none', skipped: true });
    assert.equal(warnings(logger.lines).length, 1);
    assert.match(logger.lines[0]!, /msg="Skipping restart of containerd due to --restart-mode=none"/);
  });

  test('an unknown mode is a usage error', async () => {
    const req = {
      engine: 'docker',
      mode: 'reload',
      socket: '/x',
      hostRoot: '',
      logger: memoryLogger(),
    } as const;
    await assert.rejects(
      restartEngine(req as unknown as Parameters<typeof restartEngine>[0]),
      (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.equal(e.message, 'invalid restart mode specified: reload');
        assert.equal(e.exitCode, 2);
        return true;
      },
    );
  });

  test('crio with signal is refused before anything is looked up', async () => {
    const logger = memoryLogger();
    await assert.rejects(
      restartEngine({ engine: 'crio', mode: 'signal', socket: '/nonexistent', hostRoot: '', logger }),
      (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.equal(
          e.message,
          'supporting crio via signal is unsupported; use --restart-mode=systemd or none',
        );
        return true;
      },
    );
    assert.deepEqual(logger.lines, []);
  });

  test('signal retries with the given attempts and interval, then "Max retries"', async () => {
    const socket = await staleSocket(join(tmp, 'stale.sock'));
    const logger = memoryLogger();
    const t = Date.now();
    await assert.rejects(
      restartEngine({
        engine: 'docker',
        mode: 'signal',
        socket,
        hostRoot: '',
        attempts: 3,
        intervalMs: 40,
        logger,
      }),
      (e: unknown) => {
        assert.ok(e instanceof HostError);
        assert.match(
          e.message,
          /^unable to signal docker on .*stale\.sock: socket .* is not a listening socket.*; Max retries reached 3\/3, aborting$/,
        );
        return true;
      },
    );
    const elapsed = Date.now() - t;
    assert.ok(elapsed >= 80 && elapsed < 2000, `took ${elapsed} ms`);
    const w = warnings(logger.lines);
    assert.equal(w.length, 3);
    for (const [i, l] of w.entries()) {
      assert.match(
        l,
        new RegExp(
          `msg="Error signaling docker, attempt ${i + 1}/3: socket .*stale\\.sock is not a listening socket`,
        ),
      );
    }
  });

  test('signal on a missing socket says so', async () => {
    await assert.rejects(
      restartEngine({
        engine: 'containerd',
        mode: 'signal',
        socket: join(tmp, 'gone.sock'),
        hostRoot: '',
        attempts: 1,
        logger: memoryLogger(),
      }),
      /socket \/tmp\/.*\/gone\.sock does not exist; Max retries reached 1\/1, aborting/,
    );
  });
});

describe('systemd mode with a fake systemctl', () => {
  test('chroot HOST_ROOT systemctl restart UNIT; the unit defaults to the engine; output goes to debug', async () => {
    const host = makeHostRoot(join(tmp, 'host1'), fakeSystemctl({ stdout: 'restarted fine' }));
    const logger = memoryLogger();
    const r = await restartEngine({
      engine: 'containerd',
      mode: 'systemd',
      socket: '/x',
      hostRoot: host.root,
      logger,
    });
    assert.deepEqual(r, { mode: 'systemd', unit: 'containerd' });
    await restartEngine({
      engine: 'containerd',
      mode: 'systemd',
      socket: '/x',
      hostRoot: host.root,
      unit: 'rke2-agent',
      logger,
    });
    assert.deepEqual(host.calls(), ['systemctl restart containerd', 'systemctl restart rke2-agent']);
    assert.ok(logger.lines.some((l) => l.includes('level=debug') && l.includes('msg="restarted fine"')));
  });

  test('"Running in chroot, ignoring request" is a failure, not a silent no-op', async () => {
    const host = makeHostRoot(
      join(tmp, 'host2'),
      fakeSystemctl({ stdout: 'Running in chroot, ignoring request.' }),
    );
    await assert.rejects(
      restartEngine({
        engine: 'docker',
        mode: 'systemd',
        socket: '/x',
        hostRoot: host.root,
        logger: memoryLogger(),
      }),
      (e: unknown) => {
        assert.ok(e instanceof HostError);
        assert.match(
          e.message,
          /^systemctl restart docker \(in chroot .*host2\) did nothing: systemctl printed "Running in chroot, ignoring request"/,
        );
        return true;
      },
    );
    assert.deepEqual(host.calls(), ['systemctl restart docker']);
  });

  test('a non-zero exit is a HostError carrying systemctl stderr', async () => {
    const host = makeHostRoot(
      join(tmp, 'host3'),
      fakeSystemctl({ stderr: 'Unit crio.service not found.', exitCode: 5 }),
    );
    await assert.rejects(
      restartEngine({
        engine: 'crio',
        mode: 'systemd',
        socket: '/x',
        hostRoot: host.root,
        logger: memoryLogger(),
      }),
      /systemctl restart crio \(in chroot .*\) failed \(exit status 5\): Unit crio\.service not found\.$/,
    );
  });

  test("host root '' or '/' runs systemctl directly (no chroot)", async () => {
    const calls = join(tmp, 'direct.calls');
    const script = join(tmp, 'systemctl');
    writeFileSync(script, fakeSystemctl({ callsFile: calls }), { mode: 0o755 });
    for (const hostRoot of ['', '/']) {
      await restartEngine({
        engine: 'docker',
        mode: 'systemd',
        socket: '/x',
        hostRoot,
        systemctl: script,
        logger: memoryLogger(),
      });
    }
    assert.deepEqual(readFileSync(calls, 'utf8').split('\n').filter(Boolean), [
      'systemctl restart docker',
      'systemctl restart docker',
    ]);
  });

  test('a unit that looks like an option is refused', async () => {
    await assert.rejects(
      restartEngine({
        engine: 'docker',
        mode: 'systemd',
        socket: '/x',
        hostRoot: '',
        unit: '--force',
        logger: memoryLogger(),
      }),
      UsageError,
    );
  });
});
