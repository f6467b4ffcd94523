/**
 * A node with no containerd config file keeps `runc` (issue 10 item 14), judged by a real containerd's own
 * `config dump`: setup starts from the host's `containerd config default` (or, when it cannot be run, declares
 * runc as that default does), and cleanup removes the file it created. The containerd binary comes from the
 * test harness's matrix (containerd 1.6, 1.7 and 2.x), put first on the CLI's PATH.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'smol-toml';
import { containerdDefaultConfig } from '../../src/host/containerd-default';
import { findBinary } from '../helpers/binaries';
import { runCli } from '../helpers/cli';
import { containerdMatrix } from '../helpers/engines';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ctk-nocfg-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

// biome-ignore lint/suspicious/noExplicitAny: config dump output is walked by known key paths
type T = Record<string, any>;

/** The CRI runtimes and default runtime name as containerd itself reads `config` (1.x and 2.x layouts). */
function dump(containerd: string, config: string): { runtimes: string[]; defaultName: string } {
  const out = execFileSync(containerd, ['--config', config, 'config', 'dump'], { encoding: 'utf8' });
  const plugins = (parse(out) as T).plugins as T;
  const c = (plugins['io.containerd.cri.v1.runtime'] ?? plugins['io.containerd.grpc.v1.cri']).containerd;
  return { runtimes: Object.keys(c.runtimes).sort(), defaultName: c.default_runtime_name };
}

const WANT = ['nvidia', 'nvidia-cdi', 'nvidia-legacy', 'runc'];

for (const m of containerdMatrix()) {
  describe(`${m.label}: setup without a config file, judged by \`containerd config dump\``, () => {
    const containerd = m.engine.bin;
    const skip = m.skip;
    const env = () => ({ PATH: `${m.engine.binDir}${delimiter}${process.env.PATH ?? ''}` });

    // the standalone CLI makes nvidia the default (as the original's did); runtime configure does not
    const cases: [string, string, (conf: string, action: 'setup' | 'cleanup') => string[]][] = [
      [
        'containerd setup (in place)',
        'nvidia',
        (conf, action) => ['containerd', action, '--config', conf, '--restart-mode', 'none', '/usr/bin'],
      ],
      [
        'runtime configure --runtime=containerd',
        'runc',
        (conf, action) => [
          'runtime',
          'configure',
          '--runtime=containerd',
          '--config',
          conf,
          '--restart-mode',
          'none',
          ...(action === 'cleanup' ? ['--cleanup'] : []),
        ],
      ],
      [
        'containerd setup with a drop-in (as `run` does)',
        'nvidia',
        (conf, action) => [
          'containerd',
          action,
          '--config',
          conf,
          '--drop-in-config',
          join(dirname(conf), 'conf.d', '99-nvidia.toml'),
          '--restart-mode',
          'none',
          '/usr/bin',
        ],
      ],
    ];
    for (const [name, defaultName, argv] of cases) {
      test(`${name}: runc and the NVIDIA runtimes, default ${defaultName}; cleanup removes the file`, {
        skip,
      }, () => {
        const d = mkdtempSync(join(dir, 'case-'));
        const conf = join(d, 'config.toml');
        const r = runCli(argv(conf, 'setup'), { env: env() });
        assert.equal(r.status, 0, r.stderr);
        assert.doesNotMatch(r.stderr, /cannot run containerd config default/);
        const seen = dump(containerd, conf);
        assert.deepEqual(seen.runtimes, WANT);
        assert.equal(seen.defaultName, defaultName);
        const c = runCli(argv(conf, 'cleanup'), { env: env() });
        assert.equal(c.status, 0, c.stderr);
        assert.deepEqual(readdirSync(d), existsSync(join(d, 'conf.d')) ? ['conf.d'] : []);
        assert.equal(existsSync(conf), false);
      });
    }

    test('no runnable containerd: a warning, and runc declared as the default declares it', { skip }, () => {
      const d = mkdtempSync(join(dir, 'case-'));
      const conf = join(d, 'config.toml');
      // a PATH with only the programs the CLI needs besides containerd
      const bin = join(d, 'bin');
      mkdirSync(bin);
      for (const p of ['flock']) symlinkSync(findBinary(p)!, join(bin, p));
      const args = cases.find(([name]) => name.startsWith('runtime configure'))![2](conf, 'setup');
      const r = runCli(args, {
        env: { PATH: bin },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /level=warning msg="cannot run containerd config default: .*runc declared/);
      const seen = dump(containerd, conf);
      assert.deepEqual(seen.runtimes, WANT);
      assert.equal(seen.defaultName, 'runc');
    });
  });
}

describe('containerdDefaultConfig', () => {
  test("with a host root it runs the host's binary through chroot, from an argument array", () => {
    const root = mkdtempSync(join(dir, 'root-'));
    mkdirSync(join(root, 'usr', 'local', 'bin'), { recursive: true });
    writeFileSync(join(root, 'usr', 'local', 'bin', 'containerd'), '', { mode: 0o755 });
    const fakeChroot = join(dir, 'fake-chroot');
    writeFileSync(fakeChroot, '#!/bin/sh\nprintf "# %s|" "$@"\necho\necho "version = 2"\n');
    chmodSync(fakeChroot, 0o755);
    const got = containerdDefaultConfig(root, fakeChroot);
    assert.deepEqual(got, {
      text: `# ${root}|# /usr/local/bin/containerd|# config|# default|\nversion = 2\n`,
    });
  });

  test('a host root without containerd is unavailable, never the binary of our own image', () => {
    const root = mkdtempSync(join(dir, 'root-'));
    const got = containerdDefaultConfig(root, '/bin/false');
    assert.ok('unavailable' in got && /no containerd binary under/.test(got.unavailable));
  });
});
