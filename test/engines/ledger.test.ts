/** The ledger codec's schema check (issue 10 item 7): any wrong shape is a corrupt-ledger error naming the file. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeLedger, encodeLedger, type Ledger, sha256 } from '../../src/engines/ledger';
import { ConfigError } from '../../src/errors';

const PATH = '/etc/containerd/.ctk-installer/config.toml.ledger.json';
const noOriginals = () => {
  throw new Error('no original expected');
};
const entry = {
  existed: true,
  original: 'a = 1\n',
  afterSha256: sha256('b'),
  owners: { nvidia: { changes: [{ kind: 'create' as const, path: ['x'] }] } },
};

test('wrong shapes are "corrupt restore ledger" errors naming the ledger file', () => {
  const cases: [string, unknown][] = [
    ['"files" is not an object', { version: 2, files: null }],
    ['"files" is not an object', { version: 2, files: [] }],
    ['"files" is not an object', { version: 1 }],
    ['the entry for /f is not an object', { version: 2, files: { '/f': null } }],
    ['"existed" is not true or false', { version: 2, files: { '/f': { ...entry, existed: 'yes' } } }],
    ['no original bytes recorded', { version: 1, files: { '/f': { ...entry, original: 3 } } }],
    ['"owners" is not an object', { version: 2, files: { '/f': { ...entry, owners: null } } }],
    ['"afterSha256" is not a string', { version: 2, files: { '/f': { ...entry, afterSha256: 1 } } }],
    ['has no list of changes', { version: 2, files: { '/f': { ...entry, owners: { nvidia: {} } } } }],
    [
      'a change without a key path',
      { version: 2, files: { '/f': { ...entry, owners: { nvidia: { changes: [{ kind: 'set' }] } } } } },
    ],
    [
      'an unknown change kind',
      {
        version: 2,
        files: { '/f': { ...entry, owners: { nvidia: { changes: [{ kind: 'zap', path: ['a'] }] } } } },
      },
    ],
    [
      'bad originalSha256',
      { version: 2, files: { '/f': { ...entry, original: undefined, originalSha256: 'x' } } },
    ],
  ];
  for (const [why, raw] of cases) {
    assert.throws(
      () => decodeLedger(PATH, JSON.stringify(raw), noOriginals),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, `${why}: ${String(err)}`);
        assert.ok(err.message.startsWith(`${PATH}: corrupt restore ledger (`), err.message);
        assert.ok(err.message.includes(why), `${why}: ${err.message}`);
        return true;
      },
    );
  }
});

test('unknown versions and non-JSON are refused by name too', () => {
  assert.throws(
    () => decodeLedger(PATH, '{"version": 7, "files": {}}', noOriginals),
    /unknown restore ledger format/,
  );
  assert.throws(() => decodeLedger(PATH, 'null', noOriginals), /unknown restore ledger format/);
  assert.throws(() => decodeLedger(PATH, '{', noOriginals), /corrupt restore ledger/);
});

test('encode then decode gives the ledger back, originals beside the JSON by sha256', () => {
  const ledger: Ledger = {
    version: 1,
    files: {
      '/a': { ...structuredClone(entry), original: 'big = 9007199254740993\n' },
      '/b': { ...structuredClone(entry), existed: false, original: null },
    },
  };
  const { json, originals } = encodeLedger(ledger);
  assert.equal(originals.size, 1);
  const back = decodeLedger(PATH, json, (sha) => originals.get(sha)!);
  assert.deepEqual(back, ledger);
});
