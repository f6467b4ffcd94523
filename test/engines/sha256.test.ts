// The ledger's sha256 must not change with the plain-JS or the addon's (native/sha256.c) hash of small texts:
// the same hex digest as node:crypto for the text's UTF-8 bytes (lone surrogates included), at every padding
// boundary and on both sides of the size threshold.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { sha256 } from '../../src/engines/ledger';
import { sha256HexJs, useNativeSha256 } from '../../src/engines/sha256';
import { nativeAddon } from '../../src/host/native';
import { inCI } from '../helpers/binaries';

const reference = (t: string) => createHash('sha256').update(t).digest('hex');
const addon = nativeAddon();
const implementations: [string, (t: string) => string][] = [['JavaScript', sha256HexJs]];
if (addon) {
  implementations.push(['the addon', addon.sha256Hex]);
  implementations.push(['the addon without the SHA extensions', addon.sha256HexPortable]);
}

test('the build made the addon (the JavaScript hash only where it could not be built)', () => {
  if (inCI()) assert.ok(addon, 'dist/ctk-native.node missing: the build needs gcc and node-api-headers');
});

for (const [name, sha256Hex] of implementations) {
  test(`${name}: sha256 is node:crypto on random text, ASCII to astral and lone surrogates`, () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })),
        (t) => {
          assert.equal(sha256Hex(t), reference(t));
        },
      ),
      { seed: 5, numRuns: 2000 },
    );
  });

  test(`${name}: sha256 is node:crypto at the block and padding boundaries`, () => {
    for (let n = 0; n <= 200; n++)
      assert.equal(sha256Hex('a'.repeat(n)), reference('a'.repeat(n)), `length ${n}`);
    assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    for (const t of ['\ud800', 'x\udfff', '\udfff\ud800', 'a\u0000b', 'é😀'.repeat(40)])
      assert.equal(sha256Hex(t), reference(t), JSON.stringify(t));
    const large = `${'[plugins."x"]\n  a = 1\n'.repeat(40_000)}é`; // ~1 MB, many blocks in one call
    assert.equal(sha256Hex(large), reference(large));
  });
}

test('the ledger hash is the same below and above the plain-JS size limit, with and without the addon', () => {
  for (const withAddon of [false, true]) {
    if (withAddon && !addon) continue;
    const previous = useNativeSha256(withAddon ? addon!.sha256Hex : undefined);
    try {
      // a fresh text each round: the ledger memoises the last few hashes
      for (const n of [16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 100_000]) {
        const t = `${withAddon ? 'a' : 'b'}é${'x'.repeat(n - 2)}`;
        assert.equal(sha256(t), reference(t), `length ${n}, addon ${withAddon}`);
      }
      assert.equal(sha256(null), reference(''));
    } finally {
      useNativeSha256(previous);
    }
  }
});
