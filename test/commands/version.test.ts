/** `--version` on every persona: package version, the commit baked in by the build, the Node.js version. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { versionInfo, versionText } from '../../src/version';
import { runCli } from '../helpers/cli';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  version: string;
};
const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();

for (const as of [undefined, 'nvidia-toolkit', 'docker', 'containerd', 'crio', 'toolkit']) {
  test(`${as ?? 'ctk-installer'} --version prints version, commit and Node version`, () => {
    const r = runCli(['--version'], as ? { as } : {});
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], `${as ?? 'ctk-installer'} version ${pkg.version}`);
    // the bundle was built from this checkout (npm test builds first), so it names this commit
    assert.equal(lines[1], `commit: ${head}`);
    assert.equal(lines[2], `node: ${process.version}`);
  });
}

test("--version after the global flags still answers; after a command word it is that command's (unknown) flag", () => {
  const r = runCli(['--log-format', 'json', '--version']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ctk-installer version /);
  assert.equal(runCli(['docker', 'setup', '--version']).status, 2);
});

test('run from source (no build-time define) the version and commit say "unknown"', () => {
  const v = versionInfo();
  assert.deepEqual(v, { version: 'unknown', commit: 'unknown', node: process.version });
  assert.equal(versionText('x', v), `x version unknown\ncommit: unknown\nnode: ${process.version}\n`);
});
