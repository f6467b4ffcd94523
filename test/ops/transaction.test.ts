/**
 * The engine-operation transaction against an in-memory host: the order of its effects and every rollback
 * branch (write fails, ledger write fails, restart fails, verify fails, a file changed under us), for in-place,
 * drop-in, the cri-o OCI hook and docker's transitional reload.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sha256 } from '../../src/engines/ledger';
import { ociHookText } from '../../src/engines/ocihook';
import { CtkError } from '../../src/errors';
import { WriteConflict } from '../../src/host/files';
import { ledgerPaths } from '../../src/host/ledger-store';
import { memoryLogger } from '../../src/log';
import { runEngineOp } from '../../src/ops/transaction';
import { FakeHost, opts } from './fake-host';

const CONFIG = '/etc/containerd/config.toml';
const LEDGER = ledgerPaths(CONFIG).ledger;
const ORIGINAL = 'version = 2\n# ours\n';

function hostWith(text: string | null = ORIGINAL): FakeHost {
  const h = new FakeHost();
  if (text !== null) h.files.set(CONFIG, text);
  return h;
}

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CtkError, String(err));
    assert.match(err.message, re);
    return true;
  });
}

describe('order', () => {
  test('setup: lock, precheck, ledger before the write, restart, verify, unlock', async () => {
    const h = hostWith();
    const r = await runEngineOp(opts(), memoryLogger(), h);
    assert.deepEqual(h.events, [
      `lock ${CONFIG}`,
      'check signal target',
      'ledger 1',
      `write ${CONFIG}`,
      'restart signal',
      'verify',
      'unlock',
    ]);
    assert.deepEqual(r.changed, [CONFIG]);
    assert.equal(r.verified, true);
  });

  test('cleanup: the write, then the ledger forgets, then restart and verify', async () => {
    const h = hostWith();
    await runEngineOp(opts(), memoryLogger(), h);
    h.events.length = 0;
    await runEngineOp(opts({ action: 'cleanup' }), memoryLogger(), h);
    assert.deepEqual(h.events, [
      `lock ${CONFIG}`,
      'check signal target',
      `write ${CONFIG}`,
      'ledger 0',
      'restart signal',
      'verify',
      'unlock',
    ]);
    assert.equal(h.files.get(CONFIG), ORIGINAL);
    assert.equal(h.ledgers.size, 0);
  });

  test('drop-in setup writes the drop-in before the main file imports it', async () => {
    const h = hostWith();
    const drop = '/etc/containerd/conf.d/99-nvidia.toml';
    await runEngineOp(opts({ dropInConfig: drop }), memoryLogger(), h);
    assert.deepEqual(
      h.events.filter((e) => e.startsWith('write') || e.startsWith('ledger')),
      ['ledger 2', `write ${drop}`, `write ${CONFIG}`],
    );
  });

  test('nothing to change: no write, no restart, still under the lock', async () => {
    const h = hostWith();
    await runEngineOp(opts(), memoryLogger(), h);
    h.events.length = 0;
    const r = await runEngineOp(opts(), memoryLogger(), h);
    assert.deepEqual(h.events, [`lock ${CONFIG}`, 'unlock']);
    assert.deepEqual(r.changed, []);
  });

  test('a dry run takes no lock and writes nothing', async () => {
    const h = hostWith();
    const r = await runEngineOp(opts({ dryRun: true }), memoryLogger(), h);
    assert.deepEqual(h.events, []);
    assert.match(r.diff ?? '', /\+.*runtimes\.nvidia/);
  });
});

describe('rollback', () => {
  test('setup: a failed write puts the ledger back and restarts nothing', async () => {
    const h = hostWith();
    h.fail.writeOf = CONFIG;
    await rejects(runEngineOp(opts(), memoryLogger(), h), /read-only file system/);
    assert.equal(h.files.get(CONFIG), ORIGINAL);
    assert.equal(h.ledgers.size, 0, 'the ledger is as before (none)');
    assert.ok(!h.events.some((e) => e.startsWith('restart')));
    assert.equal(h.locked, 0);
  });

  test('setup: a failed drop-in write leaves both files and the ledger as they were', async () => {
    const h = hostWith();
    const drop = '/etc/containerd/conf.d/99-nvidia.toml';
    h.fail.writeOf = CONFIG; // the drop-in is written first, then the main file fails
    await rejects(runEngineOp(opts({ dropInConfig: drop }), memoryLogger(), h), /read-only/);
    assert.equal(h.files.has(drop), false, 'the drop-in written first is taken back');
    assert.equal(h.files.get(CONFIG), ORIGINAL);
    assert.equal(h.ledgers.size, 0);
  });

  test('setup: a failed ledger write changes no file', async () => {
    const h = hostWith();
    h.fail.ledgerWrite = 1;
    await rejects(runEngineOp(opts(), memoryLogger(), h), /no space left/);
    assert.equal(h.files.get(CONFIG), ORIGINAL);
    assert.ok(!h.events.some((e) => e.startsWith('write') || e.startsWith('restart')));
  });

  test('cleanup: a failed write keeps the ledger', async () => {
    const h = hostWith();
    await runEngineOp(opts(), memoryLogger(), h);
    const configured = h.files.get(CONFIG);
    const ledger = structuredClone(h.ledgers.get(LEDGER));
    h.fail.writeOf = CONFIG;
    await rejects(runEngineOp(opts({ action: 'cleanup' }), memoryLogger(), h), /read-only/);
    assert.equal(h.files.get(CONFIG), configured);
    assert.deepEqual(h.ledgers.get(LEDGER), ledger);
  });

  test('cleanup: a failed ledger write takes the file write back', async () => {
    const h = hostWith();
    await runEngineOp(opts(), memoryLogger(), h);
    const configured = h.files.get(CONFIG);
    h.fail.ledgerWrite = h.ledgerWrites + 1;
    h.events.length = 0;
    await rejects(runEngineOp(opts({ action: 'cleanup' }), memoryLogger(), h), /no space left/);
    assert.equal(h.files.get(CONFIG), configured, 'the file is configured again, as the ledger says');
    assert.ok(h.ledgers.has(LEDGER));
    assert.ok(!h.events.some((e) => e.startsWith('restart')));
    assert.equal(h.locked, 0);
  });

  test('a restart that fails leaves files and ledger written (the engine may run them) and reports it', async () => {
    const h = hostWith();
    h.fail.restart = true;
    await rejects(runEngineOp(opts(), memoryLogger(), h), /systemctl restart/);
    assert.notEqual(h.files.get(CONFIG), ORIGINAL);
    assert.ok(h.ledgers.has(LEDGER));
    assert.equal(h.locked, 0);
    // and a cleanup still gives the original back
    h.fail = {};
    await runEngineOp(opts({ action: 'cleanup' }), memoryLogger(), h);
    assert.equal(h.files.get(CONFIG), ORIGINAL);
  });

  test('a verification that fails leaves files and ledger written and reports it', async () => {
    const h = hostWith();
    h.fail.verify = true;
    await rejects(runEngineOp(opts(), memoryLogger(), h), /does not show/);
    assert.ok(h.ledgers.has(LEDGER));
    assert.equal(h.locked, 0);
  });

  test('a signal restart that cannot happen fails before anything is written', async () => {
    const h = hostWith();
    h.fail.signalTarget = true;
    await rejects(runEngineOp(opts(), memoryLogger(), h), /no process listens/);
    assert.equal(h.files.get(CONFIG), ORIGINAL);
    assert.equal(h.ledgers.size, 0);
  });
});

describe('compare-and-swap (issue 10 item 8)', () => {
  test('a file edited between our read and our write: read again, keep the edit, apply ours', async () => {
    const h = hostWith();
    let raced = false;
    h.beforeWrite = (path) => {
      if (raced) return;
      raced = true;
      h.files.set(path, `${h.files.get(path)}# edited by another tool\n`);
    };
    const log = memoryLogger();
    await runEngineOp(opts(), log, h);
    const now = h.files.get(CONFIG)!;
    assert.match(now, /# edited by another tool/);
    assert.match(now, /runtimes\.nvidia/);
    assert.ok(
      log.lines.some((l) =>
        /config\.toml: changed by another program while this run planned; planning again from it/.test(l),
      ),
      log.lines.join('\n'),
    );
    // the ledger's original is the edited file, so cleanup keeps the other tool's edit
    await runEngineOp(opts({ action: 'cleanup' }), memoryLogger(), h);
    assert.equal(h.files.get(CONFIG), `${ORIGINAL}# edited by another tool\n`);
  });

  test('a file that keeps changing: the second conflict is an error naming it, nothing of ours stays', async () => {
    const h = hostWith();
    let n = 0;
    h.beforeWrite = (path) => h.files.set(path, `${ORIGINAL}# edit ${++n}\n`);
    await assert.rejects(runEngineOp(opts(), memoryLogger(), h), (err: unknown) => {
      assert.ok(err instanceof WriteConflict);
      assert.match(err.message, /config\.toml: changed by another program since it was read/);
      return true;
    });
    assert.equal(h.files.get(CONFIG), `${ORIGINAL}# edit 2\n`);
    assert.equal(h.ledgers.size, 0);
    assert.ok(!h.events.some((e) => e.startsWith('restart')));
  });
});

describe('docker transition (issue 10 item 10)', () => {
  const DAEMON = '/etc/docker/daemon.json';
  test('cleanup writes the transitional file and the ledger before the reload, the final file after', async () => {
    const h = new FakeHost();
    h.files.set(DAEMON, '{\n  "log-level": "info"\n}\n');
    const o = opts({ engine: 'docker', config: DAEMON, socket: '/var/run/docker.sock' });
    await runEngineOp(o, memoryLogger(), h);
    h.events.length = 0;
    await runEngineOp({ ...o, action: 'cleanup' }, memoryLogger(), h);
    assert.deepEqual(h.events, [
      `lock ${DAEMON}`,
      'check signal target',
      `write ${DAEMON}`,
      'ledger 0',
      'restart signal',
      'verify',
      `write ${DAEMON}`,
      'unlock',
    ]);
    assert.equal(h.files.get(DAEMON), '{\n  "log-level": "info"\n}\n');
  });

  test('a failed reload still leaves the final file, never the transitional one', async () => {
    const h = new FakeHost();
    h.files.set(DAEMON, '{}\n');
    const o = opts({ engine: 'docker', config: DAEMON, socket: '/var/run/docker.sock' });
    await runEngineOp(o, memoryLogger(), h);
    h.fail.restart = true;
    await rejects(runEngineOp({ ...o, action: 'cleanup' }, memoryLogger(), h), /restart/);
    assert.equal(h.files.get(DAEMON), '{}\n');
    assert.equal(h.ledgers.size, 0);
  });
});

describe('cri-o OCI hook (issue 10 item 9)', () => {
  const HOOK = '/usr/share/containers/oci/hooks.d/oci-nvidia-hook.json';
  const o = opts({ engine: 'crio', configMode: 'hook', restartMode: 'systemd' });
  const text = ociHookText('/usr/local/nvidia/toolkit');
  const ledgerOf = (h: FakeHost) => h.ledgers.get(ledgerPaths(HOOK).ledger);

  test('setup records the hook bytes it wrote (afterSha256) and restarts nothing', async () => {
    const h = new FakeHost();
    const r = await runEngineOp(o, memoryLogger(), h);
    assert.equal(h.files.get(HOOK), text);
    assert.equal(ledgerOf(h)?.files[HOOK]?.afterSha256, sha256(text));
    assert.equal(r.restart, null);
    assert.ok(!h.events.some((e) => e.startsWith('restart')));
  });

  test('a failed hook write leaves no ledger behind', async () => {
    const h = new FakeHost();
    h.fail.writeOf = HOOK;
    await rejects(runEngineOp(o, memoryLogger(), h), /read-only/);
    assert.equal(h.ledgers.size, 0);
    assert.equal(h.files.has(HOOK), false);
  });

  test('cleanup gives back what was there before', async () => {
    const h = new FakeHost();
    h.files.set(HOOK, '{"someone": "else"}\n');
    await runEngineOp(o, memoryLogger(), h);
    await runEngineOp({ ...o, action: 'cleanup' }, memoryLogger(), h);
    assert.equal(h.files.get(HOOK), '{"someone": "else"}\n');
    assert.equal(h.ledgers.size, 0);
  });

  test('cleanup leaves a hook file changed since setup alone', async () => {
    const h = new FakeHost();
    await runEngineOp(o, memoryLogger(), h);
    h.files.set(HOOK, '{"replaced": "by an admin"}\n');
    const log = memoryLogger();
    await runEngineOp({ ...o, action: 'cleanup' }, log, h);
    assert.equal(h.files.get(HOOK), '{"replaced": "by an admin"}\n');
    assert.ok(log.lines.some((l) => /changed since setup wrote it/.test(l)));
    assert.equal(h.ledgers.size, 0);
  });

  test('without a ledger, cleanup removes only a file that holds exactly our hook', async () => {
    const h = new FakeHost();
    h.files.set(HOOK, '{"not": "ours"}\n');
    await runEngineOp({ ...o, action: 'cleanup' }, memoryLogger(), h);
    assert.equal(h.files.get(HOOK), '{"not": "ours"}\n');
    h.files.set(HOOK, text); // as the Go original writes it
    await runEngineOp({ ...o, action: 'cleanup' }, memoryLogger(), h);
    assert.equal(h.files.has(HOOK), false);
  });
});

describe('containerd without a config file (issue 10 item 14)', () => {
  const DEFAULT = `version = 2\n\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "runc"\n  snapshotter = "overlayfs"\n\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n    runtime_type = "io.containerd.runc.v2"\n`;

  test('setup starts from `containerd config default`; cleanup removes the file it created', async () => {
    const h = hostWith(null);
    h.defaultConfig = { text: DEFAULT };
    await runEngineOp(opts(), memoryLogger(), h);
    const text = h.files.get(CONFIG)!;
    assert.ok(text.startsWith(DEFAULT.trimEnd()), text);
    assert.match(text, /runtimes\.nvidia\]/);
    assert.match(text, /default_runtime_name = "runc"/);
    assert.equal(h.ledgers.get(LEDGER)?.files[CONFIG]?.existed, false);
    await runEngineOp(opts({ action: 'cleanup' }), memoryLogger(), h);
    assert.equal(h.files.has(CONFIG), false);
  });

  test('with no runnable containerd it declares runc as the default does, and says so', async () => {
    const h = hostWith(null);
    const log = memoryLogger();
    await runEngineOp(opts({ dropInConfig: '/etc/containerd/conf.d/99-nvidia.toml' }), log, h);
    assert.ok(log.lines.some((l) => /cannot run containerd config default.*runc declared/.test(l)));
    const drop = h.files.get('/etc/containerd/conf.d/99-nvidia.toml')!;
    assert.match(drop, /runtimes\.runc\]\n\s*runtime_type = "io\.containerd\.runc\.v2"/);
    assert.match(drop, /runtimes\.nvidia\]/);
    await runEngineOp(
      opts({ action: 'cleanup', dropInConfig: '/etc/containerd/conf.d/99-nvidia.toml' }),
      memoryLogger(),
      h,
    );
    assert.equal(h.files.size, 0);
  });

  test('an existing file is never replaced by the default', async () => {
    const h = hostWith('');
    h.defaultConfig = { text: DEFAULT };
    await runEngineOp(opts(), memoryLogger(), h);
    assert.doesNotMatch(h.files.get(CONFIG)!, /snapshotter/);
  });
});
