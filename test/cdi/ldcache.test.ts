import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { is64BitLibc6, parseLdCache } from '../../src/cdi/ldcache';
import { ConfigError } from '../../src/errors';
import { findBinary, inCI } from '../helpers/binaries';
import { writeLdCache } from './ldcache-writer';

const ldconfig =
  findBinary('ldconfig') ?? ['/sbin/ldconfig', '/usr/sbin/ldconfig'].find((p) => existsSync(p));
const skipLdconfig = (): string | undefined => {
  if (ldconfig) return undefined;
  if (inCI()) throw new Error('ldconfig is required in CI');
  return 'ldconfig not installed';
};

/** `ldconfig -p` lines: `\tlibz.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libz.so.1`. */
function printed(args: string[]): { name: string; path: string; abi: string }[] {
  const r = spawnSync(ldconfig!, ['-p', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .map((l) => /^\t(\S+) \(([^)]*)\) => (.+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1]!, abi: m[2]!, path: m[3]! }));
}

const entries = [
  { name: 'libcuda.so.1', path: '/usr/lib/x86_64-linux-gnu/libcuda.so.1' },
  { name: 'libnvidia-ml.so.1', path: '/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1' },
  { name: 'libcuda.so.1', path: '/usr/lib/i386-linux-gnu/libcuda.so.1', flags: 0x0003 },
  { name: 'libcuda.so.1', path: '/usr/lib/aarch64-linux-gnu/libcuda.so.1', flags: 0x0a03 },
  { name: 'libx32.so.1', path: '/usr/libx32/libx32.so.1', flags: 0x0803 },
];

describe('ld.so.cache parser', () => {
  for (const format of ['new', 'old', 'compat'] as const) {
    test(`reads the ${format} layout with names, paths and flags`, () => {
      const got = parseLdCache(writeLdCache(entries, format), 'ld.so.cache');
      assert.deepEqual(
        got.map((e) => [e.name, e.path, e.flags]),
        entries.map((e) => [e.name, e.path, e.flags ?? 0x0303]),
      );
    });
  }

  test('keeps only 64-bit libc6 entries for discovery (no i386, no x32)', () => {
    const got = parseLdCache(writeLdCache(entries), 'c').filter(is64BitLibc6);
    assert.deepEqual(
      got.map((e) => e.path),
      [
        '/usr/lib/x86_64-linux-gnu/libcuda.so.1',
        '/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1',
        '/usr/lib/aarch64-linux-gnu/libcuda.so.1',
      ],
    );
  });

  test('rejects broken caches with a ConfigError naming the file', () => {
    const good = writeLdCache(entries);
    const cases: [string, Buffer, RegExp][] = [
      ['empty', Buffer.alloc(0), /unknown magic/],
      ['wrong magic', Buffer.from('not a cache at all, really'), /unknown magic/],
      ['truncated header', good.subarray(0, 30), /truncated header/],
      ['truncated entries', good.subarray(0, 60), /entries do not fit/],
      ['strings cut off', good.subarray(0, good.length - 20), /past the end|unterminated/],
    ];
    for (const [what, buf, re] of cases) {
      assert.throws(
        () => parseLdCache(buf, '/x/etc/ld.so.cache'),
        (e: unknown) =>
          e instanceof ConfigError && e.message.startsWith('/x/etc/ld.so.cache: ') && re.test(e.message),
        what,
      );
    }
  });

  test("reads this machine's /etc/ld.so.cache exactly as ldconfig -p prints it", {
    skip: skipLdconfig(),
  }, () => {
    if (!existsSync('/etc/ld.so.cache')) return assert.fail('/etc/ld.so.cache missing');
    const ours = parseLdCache(readFileSync('/etc/ld.so.cache'), '/etc/ld.so.cache');
    const theirs = printed([]);
    assert.ok(theirs.length > 10);
    assert.deepEqual(
      ours.map((e) => `${e.name} => ${e.path}`),
      theirs.map((e) => `${e.name} => ${e.path}`),
    );
  });

  describe('caches written by the real ldconfig in each layout', { skip: skipLdconfig() }, () => {
    const root = mkdtempSync(join(tmpdir(), 'ctk-ldcache-'));
    after(() => rmSync(root, { recursive: true, force: true }));
    // Any real shared library will do; ldconfig keys the entry by its SONAME.
    const lib = [
      '/usr/lib/x86_64-linux-gnu/libz.so.1',
      '/usr/lib/aarch64-linux-gnu/libz.so.1',
      '/usr/lib64/libz.so.1',
      '/lib64/libz.so.1',
    ]
      .filter((p) => existsSync(p))
      .map((p) => realpathSync(p))[0];
    for (const format of ['new', 'old', 'compat'] as const) {
      test(format, { skip: lib === undefined ? 'no libz on this machine' : undefined }, () => {
        const dir = join(root, 'usr/lib/custom');
        mkdirSync(dir, { recursive: true });
        copyFileSync(lib!, join(dir, 'libz.so.1'));
        mkdirSync(join(root, 'etc'), { recursive: true });
        writeFileSync(join(root, 'etc/ld.so.conf'), '/usr/lib/custom\n');
        // -r confines ldconfig to the temp root; -X leaves symlinks alone.
        const r = spawnSync(ldconfig!, ['-r', root, '-c', format, '-C', `/etc/cache.${format}`, '-X'], {
          encoding: 'utf8',
        });
        assert.equal(r.status, 0, r.stderr);
        const file = join(root, `etc/cache.${format}`);
        const ours = parseLdCache(readFileSync(file), file);
        const theirs = printed(['-C', file]);
        assert.deepEqual(
          ours.map((e) => `${e.name} => ${e.path}`),
          theirs.map((e) => `${e.name} => ${e.path}`),
        );
        assert.ok(
          ours.some(
            (e) => e.name === 'libz.so.1' && e.path === '/usr/lib/custom/libz.so.1' && is64BitLibc6(e),
          ),
        );
      });
    }
  });
});
