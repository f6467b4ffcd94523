/**
 * A refused run leaves no trace (issue 10 item 11): no `.ctk-installer/` made and removed again in the
 * engine's config directory, whose mtime stays as it was.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mtimeNs, runCli } from '../helpers/cli';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ctk-refused-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const CASES: [string, (conf: string) => void, RegExp][] = [
  ['a malformed file', (c) => writeFileSync(c, 'version = 2\n[plugins\n'), /config\.toml:2:/],
  ['version = "2"', (c) => writeFileSync(c, 'version = "2"\n'), /unsupported type for version field/],
  ['a directory', (c) => mkdirSync(c), /is a directory, expected a file/],
  ['a symlink loop', (c) => symlinkSync(c, c), /too many levels of symbolic links/],
];

for (const [name, make, message] of CASES) {
  for (const action of ['setup', 'cleanup']) {
    test(`${action} refusing ${name} leaves the config directory untouched`, () => {
      const d = mkdtempSync(join(dir, 'case-'));
      const conf = join(d, 'config.toml');
      make(conf);
      const names = readdirSync(d);
      const mtime = mtimeNs(d);
      const r = runCli(['containerd', action, '--config', conf, '--restart-mode', 'none', '/usr/bin']);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.deepEqual(readdirSync(d), names);
      assert.equal(mtimeNs(d), mtime, 'directory mtime unchanged');
    });
  }
}
