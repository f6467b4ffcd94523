import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { joinRoot, resolveInRoot } from '../../src/cdi/root-path';
import { nodeHostFs } from '../../src/host/host-fs';

describe('paths inside a root', () => {
  const root = mkdtempSync(join(tmpdir(), 'ctk-root-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const fs = nodeHostFs();
  mkdirSync(join(root, 'usr/lib/x86_64-linux-gnu'), { recursive: true });
  writeFileSync(join(root, 'usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15'), 'x');
  symlinkSync('usr/lib', join(root, 'lib'));
  symlinkSync(
    '/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15',
    join(root, 'usr/lib/x86_64-linux-gnu/libcuda.so.1'),
  );
  symlinkSync('../../../../../../etc/passwd', join(root, 'usr/lib/x86_64-linux-gnu/escape'));
  symlinkSync('loop-b', join(root, 'loop-a'));
  symlinkSync('loop-a', join(root, 'loop-b'));

  test('joinRoot never doubles slashes and treats / as no root', () => {
    assert.equal(joinRoot('/', '/dev/nvidia0'), '/dev/nvidia0');
    assert.equal(joinRoot('/run/nvidia/driver/', '/dev/nvidia0'), '/run/nvidia/driver/dev/nvidia0');
    assert.equal(joinRoot('/r', 'dev'), '/r/dev');
  });

  test('an absolute symlink resolves inside the root, not on the host', () => {
    const got = resolveInRoot(fs, root, '/usr/lib/x86_64-linux-gnu/libcuda.so.1');
    assert.equal(got?.path, '/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15');
    assert.equal(got?.stat.kind, 'file');
  });

  test('directory symlinks (usr-merge /lib -> usr/lib) are followed', () => {
    assert.equal(
      resolveInRoot(fs, root, '/lib/x86_64-linux-gnu/libcuda.so.1')?.path,
      '/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15',
    );
  });

  test('.. cannot climb above the root', () => {
    // ../../../etc/passwd from inside the root lands on <root>/etc/passwd, which does not exist.
    assert.equal(resolveInRoot(fs, root, '/usr/lib/x86_64-linux-gnu/escape'), undefined);
    assert.equal(resolveInRoot(fs, root, '/../../usr/lib')?.path, '/usr/lib');
  });

  test('missing components, files used as directories and link loops give undefined', () => {
    assert.equal(resolveInRoot(fs, root, '/usr/lib/nope'), undefined);
    assert.equal(resolveInRoot(fs, root, '/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15/x'), undefined);
    assert.equal(resolveInRoot(fs, root, '/loop-a'), undefined);
  });
});
