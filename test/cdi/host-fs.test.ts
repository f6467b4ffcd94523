import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { HostError } from '../../src/errors';
import { nodeHostFs } from '../../src/host/host-fs';
import { decodeRdev } from '../../src/host/host-fs-api';

const root = process.getuid?.() === 0;

describe('host fs view', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctk-hostfs-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const fs = nodeHostFs();

  test('decodeRdev matches the kernel encoding for small and large numbers', () => {
    assert.deepEqual(decodeRdev(195 * 256 + 255), { major: 195, minor: 255 });
    // major 4000, minor 300000: (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)
    assert.deepEqual(decodeRdev(1228906720), { major: 4000, minor: 300000 });
    const big = 0x1234 * 2 ** 32 + 0; // high major bits live above bit 32
    assert.equal(decodeRdev(big).major, 0x1234 & 0xfffff000);
  });

  test('char devices made by mknod report their major and minor', {
    skip: root ? undefined : 'needs root for mknod',
  }, () => {
    for (const [major, minor] of [
      [195, 0],
      [511, 1],
      [4000, 300000],
    ] as const) {
      const p = join(dir, `n${major}-${minor}`);
      const r = spawnSync('mknod', [p, 'c', String(major), String(minor)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(fs.lstat(p), { kind: 'char', major, minor, mode: fs.lstat(p)!.mode, size: 0 });
    }
  });

  test('missing paths are answers (undefined, [], false), not errors', () => {
    assert.equal(fs.readFile(join(dir, 'nope')), undefined);
    assert.deepEqual(fs.readdir(join(dir, 'nope')), []);
    assert.equal(fs.lstat(join(dir, 'nope/x')), undefined);
    assert.equal(fs.exists(join(dir, 'nope')), false);
    symlinkSync('nowhere', join(dir, 'dangling'));
    assert.equal(fs.stat(join(dir, 'dangling')), undefined);
    assert.equal(fs.lstat(join(dir, 'dangling'))?.kind, 'symlink');
    assert.equal(fs.readlink(join(dir, 'dangling')), 'nowhere');
    writeFileSync(join(dir, 'f'), 'x');
    assert.equal(fs.readlink(join(dir, 'f')), undefined);
  });

  test('other failures throw a HostError naming the path', () => {
    const sub = join(dir, 'a-directory');
    mkdirSync(sub);
    assert.throws(
      () => fs.readFile(sub),
      (e: unknown) => e instanceof HostError && e.message.startsWith(`${sub}: cannot read`),
    );
  });
});
