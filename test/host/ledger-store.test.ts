/**
 * The restore ledger on disk (format 2): each file's original bytes beside the JSON, named by their sha256,
 * written before the JSON that names them and removed after a JSON that no longer does; format 1 (inline
 * original) still read; a missing or altered original is a clean "corrupt restore ledger" error.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeValue } from '../../src/engines/changes';
import type { Ledger } from '../../src/engines/plan';
import { ConfigError } from '../../src/errors';
import {
  clearLedger,
  ledgerPaths,
  originalPath,
  readLedger,
  removeLedgerTemps,
  writeLedger,
} from '../../src/host/ledger-store';
import { runCli } from '../helpers/cli';
import { fixture } from '../helpers/fixtures';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ctk-ledger-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A fresh directory with a config path in it (the config itself is not needed by the store). */
function fresh(): { config: string; ledger: string; state: string } {
  const d = join(dir, `case-${n++}`);
  mkdirSync(d);
  const config = join(d, 'config.toml');
  const { ledger, dir: state } = ledgerPaths(config);
  return { config, ledger, state };
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const ORIGINAL = 'version = 2\n# a comment, "quotes", \\ and ünïcödé\r\n[plugins]\n';

function ledgerWith(
  config: string,
  original: string | null,
  extra: Partial<Ledger['files'][string]> = {},
): Ledger {
  return {
    version: 1,
    files: {
      [config]: {
        existed: original !== null,
        original,
        afterSha256: sha('after'),
        owners: {
          nvidia: {
            changes: [
              { kind: 'set', path: ['a'], hadBefore: false, hadAfter: true, after: 12345678901234567890n },
            ],
          },
        },
        ...extra,
      },
    },
  };
}

test('the original bytes go to <name>.<sha256>.original, the JSON names them, and they read back exactly', () => {
  const { config, ledger, state } = fresh();
  const l = ledgerWith(config, ORIGINAL);
  writeLedger(ledger, l);
  const file = originalPath(ledger, sha(ORIGINAL));
  assert.equal(file, join(state, `config.toml.${sha(ORIGINAL)}.original`));
  assert.equal(readFileSync(file, 'utf8'), ORIGINAL);
  const json = JSON.parse(readFileSync(ledger, 'utf8'));
  assert.equal(json.version, 2);
  assert.equal(json.files[config].originalSha256, sha(ORIGINAL));
  assert.equal('original' in json.files[config], false, 'the bytes are not in the JSON');
  assert.deepEqual(readLedger(ledger), l);
});

test('a file that did not exist keeps original: null in the JSON and no original file', () => {
  const { config, ledger, state } = fresh();
  const l = ledgerWith(config, null);
  writeLedger(ledger, l);
  assert.equal(JSON.parse(readFileSync(ledger, 'utf8')).files[config].original, null);
  assert.deepEqual(
    readdirSync(state).filter((f) => f.endsWith('.original')),
    [],
  );
  assert.deepEqual(readLedger(ledger), l);
});

test('a new original replaces the old one: written before the JSON, the old one removed after it', () => {
  const { config, ledger } = fresh();
  writeLedger(ledger, ledgerWith(config, ORIGINAL));
  const next = `${ORIGINAL}# edited by someone else\n`;
  writeLedger(ledger, ledgerWith(config, next));
  assert.equal(existsSync(originalPath(ledger, sha(ORIGINAL))), false);
  assert.equal(readFileSync(originalPath(ledger, sha(next)), 'utf8'), next);
  assert.equal(readLedger(ledger).files[config]!.original, next);
});

test('two files with the same original share one original file', () => {
  const { config, ledger, state } = fresh();
  const drop = join(state, '..', 'conf.d', '99-nvidia.toml');
  const l = ledgerWith(config, ORIGINAL);
  l.files[drop] = { ...l.files[config]!, owners: {} };
  writeLedger(ledger, l);
  assert.equal(readdirSync(state).filter((f) => f.endsWith('.original')).length, 1);
  assert.deepEqual(readLedger(ledger), l);
});

test('an empty ledger removes the JSON and every original of it, but not another config’s', () => {
  const { config, ledger, state } = fresh();
  const otherConfig = join(state, '..', 'other.toml');
  const other = ledgerPaths(otherConfig).ledger;
  writeLedger(other, ledgerWith(otherConfig, 'other\n'));
  writeLedger(ledger, ledgerWith(config, ORIGINAL));
  // an original a killed run wrote before its JSON
  writeFileSync(originalPath(ledger, sha('stray')), 'stray');
  writeLedger(ledger, { version: 1, files: {} });
  assert.deepEqual(readdirSync(state).sort(), [
    `other.toml.${sha('other\n')}.original`,
    'other.toml.ledger.json',
  ]);
  clearLedger(other);
  assert.deepEqual(readdirSync(state), []);
});

test('an original nobody names any more (left by a killed run) goes with the next write', () => {
  const { config, ledger } = fresh();
  mkdirSync(join(ledger, '..'), { recursive: true });
  const stray = originalPath(ledger, sha('stray'));
  writeFileSync(stray, 'stray');
  writeLedger(ledger, ledgerWith(config, ORIGINAL));
  assert.equal(existsSync(stray), false);
});

test('temp files of killed writes of the JSON and of originals are removed; others stay', () => {
  const { ledger, state } = fresh();
  mkdirSync(state, { recursive: true });
  const names = [
    '.config.toml.ledger.json.0123456789ab.ctk-tmp',
    `.config.toml.${sha('x')}.original.0123456789ab.ctk-tmp`,
    `.other.toml.${sha('x')}.original.0123456789ab.ctk-tmp`,
    '.config.toml.0123456789ab.ctk-tmp',
  ];
  for (const f of names) writeFileSync(join(state, f), '');
  removeLedgerTemps(ledger);
  assert.deepEqual(readdirSync(state).sort(), [names[3], names[2]].sort());
});

test('format 1 (the original inline in the JSON) is still read', () => {
  const { config, ledger } = fresh();
  const l = ledgerWith(config, ORIGINAL);
  mkdirSync(join(ledger, '..'), { recursive: true });
  writeFileSync(ledger, JSON.stringify(encodeValue(l), null, 2));
  assert.deepEqual(readLedger(ledger), l);
  // and the next write moves it out of the JSON
  writeLedger(ledger, readLedger(ledger));
  assert.equal(JSON.parse(readFileSync(ledger, 'utf8')).version, 2);
  assert.deepEqual(readLedger(ledger), l);
});

function assertCorrupt(ledger: string, why: RegExp): void {
  assert.throws(
    () => readLedger(ledger),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /corrupt restore ledger/);
      assert.match(e.message, why);
      assert.match(e.message, /move it away to continue without it$/);
      assert.equal(e.message.includes('\n'), false);
      return true;
    },
  );
}

test('a missing, altered or unnamed original is a clean "corrupt restore ledger" error', () => {
  const { config, ledger } = fresh();
  writeLedger(ledger, ledgerWith(config, ORIGINAL));
  const file = originalPath(ledger, sha(ORIGINAL));
  writeFileSync(file, `${ORIGINAL}x`);
  assertCorrupt(ledger, /do not match their sha256/);
  rmSync(file);
  assertCorrupt(ledger, /are missing/);
  const json = JSON.parse(readFileSync(ledger, 'utf8'));
  json.files[config].originalSha256 = 'not-a-sha';
  writeFileSync(ledger, JSON.stringify(json));
  assertCorrupt(ledger, /bad originalSha256/);
  delete json.files[config].originalSha256;
  writeFileSync(ledger, JSON.stringify(json));
  assertCorrupt(ledger, /no original bytes recorded/);
});

test('an unknown format version is refused', () => {
  const { ledger } = fresh();
  mkdirSync(join(ledger, '..'), { recursive: true });
  writeFileSync(ledger, '{"version": 3, "files": {}}');
  assert.throws(() => readLedger(ledger), /unknown restore ledger format/);
});

test('through the CLI: setup keeps one original beside the JSON, an outside edit replaces it, cleanup removes all', () => {
  const { config, ledger, state } = fresh();
  const original = fixture('containerd', 'k3s-style.toml');
  writeFileSync(config, original);
  const run = (action: string) => {
    const r = runCli([
      'containerd',
      action,
      '--config',
      config,
      '--restart-mode',
      'none',
      '/usr/local/nvidia/toolkit',
    ]);
    assert.equal(r.status, 0, r.stderr);
  };
  const originals = () => readdirSync(state).filter((f) => f.endsWith('.original'));
  run('setup');
  assert.deepEqual(originals(), [`config.toml.${sha(original)}.original`]);
  assert.equal(readLedger(ledger).files[config]!.original, original);
  // someone else edits the file: the next setup rebases the ledger onto a new original
  writeFileSync(config, `# added by hand\n${readFileSync(config, 'utf8')}`);
  run('setup');
  const rebased = `# added by hand\n${original}`;
  assert.deepEqual(originals(), [`config.toml.${sha(rebased)}.original`]);
  run('cleanup');
  assert.equal(readFileSync(config, 'utf8'), rebased);
  assert.equal(existsSync(state), false, 'the last cleanup removes the state directory');
});

test('regression: a repeated setup whose ledger holds an integer beyond 2^53 writes nothing and succeeds', () => {
  // the template runtime's big integer is copied into the nvidia entries and so recorded in the ledger; the
  // "ledger changed?" check used to JSON.stringify it and failed with "Do not know how to serialize a BigInt"
  const { config, state } = fresh();
  const P = 'plugins."io.containerd.grpc.v1.cri".containerd';
  const original = `version = 2\n[${P}]\ndefault_runtime_name = "runc"\n[${P}.runtimes.runc]\nruntime_type = "io.containerd.runc.v2"\n[${P}.runtimes.runc.options]\nBinaryName = "/usr/bin/runc"\nShimSize = 99999999999999999999\n`;
  writeFileSync(config, original);
  const args = (action: string) => [
    'containerd',
    action,
    '--config',
    config,
    '--restart-mode',
    'none',
    '/usr/local/nvidia/toolkit',
  ];
  assert.equal(runCli(args('setup')).status, 0);
  const configured = readFileSync(config, 'utf8');
  assert.match(configured, /nvidia-cdi[\s\S]*ShimSize = 99999999999999999999/);
  const again = runCli(args('setup'));
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /configuration unchanged/);
  assert.equal(readFileSync(config, 'utf8'), configured);
  assert.equal(runCli(args('cleanup')).status, 0);
  assert.equal(readFileSync(config, 'utf8'), original);
  assert.equal(existsSync(state), false);
});

test('a ledger with "files": null is a corrupt-ledger error naming it, not a TypeError (issue 10 item 7)', () => {
  const { ledger, state } = fresh();
  mkdirSync(state, { recursive: true });
  writeFileSync(ledger, '{"version": 2, "files": null}\n');
  assert.throws(
    () => readLedger(ledger),
    (err: unknown) =>
      err instanceof ConfigError && err.message.startsWith(`${ledger}: corrupt restore ledger`),
  );
});
