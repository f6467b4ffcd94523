// `runtime configure --preset auto` on host trees with a real containerd listening where each distribution
// puts it (host-tree.ts): the right file is written, and what the engine itself loads shows the runtimes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { criStatus } from '../../src/host/engine-status';
import { runCli } from '../helpers/cli';
import { daemonSkip } from '../helpers/daemons';
import {
  type Containerd,
  containerds,
  makeRoot,
  removeRoot,
  startInTree,
  type TreeDaemon,
} from './host-tree';

/**
 * A drop-in the engine imports itself holds our runtimes only: seeded from `containerd config default`, its
 * grpc address, root and state would move the engine off the distribution's own socket and directories.
 */
function assertOnlyRuntimes(dropIn: string): void {
  assert.doesNotMatch(dropIn, /^\s*\[grpc\]|^\s*(root|state|address)\s*=/m, dropIn);
}

const skipAll = daemonSkip('containerd', 'mount', 'umount');
const TK = '/usr/local/nvidia/toolkit';
const roots: string[] = [];
after(() => {
  for (const r of roots) removeRoot(r);
});
function root(): string {
  const r = makeRoot();
  roots.push(r);
  return r;
}

const configure = (socket: string, ...more: string[]) =>
  runCli(['runtime', 'configure', '--runtime=containerd', '--preset=auto', '--socket', socket, ...more, TK]);
const errorLine = (stderr: string) => stderr.split('\n').find((l) => l.includes('level=error')) ?? '';

/** `containerd --config FILE config dump` with the engine's own binary: what it would load from that file. */
function dump(c: Containerd, file: string): string {
  const r = spawnSync(c.bin!, ['--config', file, 'config', 'dump'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** Restarts the tree's daemon (as its service manager would) and returns what its CRI plugin reports. */
async function restartAndAsk(
  c: Containerd,
  r: string,
  d: TreeDaemon,
  layout: Parameters<typeof startInTree>[2],
) {
  await d.stop();
  const again = await startInTree(c, r, { ...layout, keepConfig: true });
  try {
    return await criStatus(again.socket, 5000);
  } finally {
    await again.stop();
  }
}

const STANDALONE = {
  exe: 'usr/bin/containerd',
  config: 'etc/containerd/config.toml',
  socket: 'run/containerd/containerd.sock',
};

for (const c of containerds()) {
  const skip = skipAll ?? c.missing;
  const v2 = c.major >= 2;
  describe(c.label, { skip }, () => {
    test('standalone: identified, and the engine version decides in place (1.x) or a version 3 drop-in (2.x)', async () => {
      const r = root();
      const d = await startInTree(c, r, STANDALONE);
      const dry = configure(d.socket, '--dry-run');
      assert.equal(dry.status, 0, dry.stderr);
      assert.match(
        dry.stdout,
        new RegExp(
          `^engine: +containerd ${c.versionRe}.*PID ${d.pid}, exe ${d.exe}, config ${d.config}`,
          'm',
        ),
      );
      assert.match(dry.stdout, /^preset: +containerd$/m);
      const dropIn = join(r, 'etc/containerd/conf.d/99-nvidia.toml');
      assert.match(dry.stdout, new RegExp(`^\\+\\+\\+ ${v2 ? dropIn : d.config}$`, 'm'));
      assert.equal(existsSync(dropIn), false, 'a dry run writes nothing');

      const before = readFileSync(d.config, 'utf8');
      const run = configure(d.socket, '--restart-mode=none');
      assert.equal(run.status, 0, run.stderr);
      if (v2) {
        assert.match(readFileSync(dropIn, 'utf8'), /^version = 3$/m);
        assert.match(readFileSync(d.config, 'utf8'), /imports = \[.*99-nvidia\.toml"\]/);
      } else {
        assert.equal(existsSync(dropIn), false);
        assert.notEqual(readFileSync(d.config, 'utf8'), before);
      }
      const st = await restartAndAsk(c, r, d, STANDALONE);
      assert.equal(st.runtimes?.nvidia?.options.BinaryName, `${TK}/nvidia-container-runtime`);
      assert.ok(st.runtimes?.runc, 'runc is kept');
    });

    test('two containerds on one host: the one on --socket is edited, a --config of the other is refused', async () => {
      const r = root();
      const a = await startInTree(c, r, STANDALONE);
      const b = await startInTree(c, r, {
        exe: 'opt/b/bin/containerd',
        config: 'opt/b/config.toml',
        socket: 'run/b/containerd.sock',
      });
      try {
        const aBytes = readFileSync(a.config, 'utf8');
        const bBytes = readFileSync(b.config, 'utf8');
        const wrong = configure(b.socket, '--config', a.config, '--restart-mode=none', '--drop-in-config=');
        assert.equal(wrong.status, 2);
        assert.match(
          errorLine(wrong.stderr),
          new RegExp(
            `--config is ${a.config}, but the engine on ${b.socket} \\(PID ${b.pid}\\) runs with ${b.config}`,
          ),
        );
        const ok = configure(b.socket, '--restart-mode=none', '--drop-in-config=');
        assert.equal(ok.status, 0, ok.stderr);
        assert.equal(readFileSync(a.config, 'utf8'), aBytes, 'the other engine is untouched');
        assert.notEqual(readFileSync(b.config, 'utf8'), bBytes);
        assert.match(dump(c, b.config), /runtimes\.nvidia\]/);
      } finally {
        await a.stop();
        await b.stop();
      }
    });

    test('k0s: a drop-in in /etc/k0s/containerd.d, no restart', async () => {
      const r = root();
      const d = await startInTree(c, r, {
        exe: 'var/lib/k0s/bin/containerd',
        config: 'etc/k0s/containerd.toml',
        socket: 'run/k0s/containerd.sock',
      });
      const pid = d.pid;
      try {
        const main = readFileSync(d.config, 'utf8');
        const run = configure(d.socket);
        assert.equal(run.status, 0, run.stderr);
        const dropIn = join(r, 'etc/k0s/containerd.d/99-nvidia.toml');
        assert.match(dump(c, dropIn), /runtimes\.nvidia\]/);
        assertOnlyRuntimes(readFileSync(dropIn, 'utf8'));
        assert.equal(readFileSync(d.config, 'utf8'), main, 'k0s owns its containerd.toml');
        assert.equal(d.pid, pid);
        assert.match(run.stderr, /not restarting|restart-mode none|skipping/i);
      } finally {
        await d.stop();
      }
    });

    test('microk8s: the template is edited, the rendered config is not', async () => {
      const r = root();
      const layout = {
        exe: 'snap/microk8s/7394/bin/containerd',
        config: 'var/snap/microk8s/7394/args/containerd.toml',
        socket: 'var/snap/microk8s/common/run/containerd.sock',
      };
      const d = await startInTree(c, r, layout);
      try {
        const template = join(r, 'var/snap/microk8s/7394/args/containerd-template.toml');
        writeFileSync(template, readFileSync(d.config, 'utf8'));
        const rendered = readFileSync(d.config, 'utf8');
        const dry = configure(d.socket, '--dry-run');
        assert.equal(dry.status, 0, dry.stderr);
        assert.match(dry.stdout, /^preset: +microk8s$/m);
        assert.match(dry.stdout, /^restart: systemd snap\.microk8s\.daemon-containerd /m);
        const run = configure(d.socket, '--restart-mode=none');
        assert.equal(run.status, 0, run.stderr);
        assert.equal(readFileSync(d.config, 'utf8'), rendered);
        assert.match(dump(c, template), /runtimes\.nvidia\]/);
      } finally {
        await d.stop();
      }
    });

    for (const distro of ['k3s', 'rke2'] as const) {
      test(`${distro}: ${v2 ? 'a drop-in in config-v3.toml.d when it imports it' : 'containerd 1.x: the template after its base line (render test: k3s-template.test.ts)'}`, async () => {
        const r = root();
        const etc = `var/lib/rancher/${distro}/agent/etc/containerd`;
        const dropDir = join(r, etc, 'config-v3.toml.d');
        const layout = {
          exe: `var/lib/rancher/${distro}/data/v1-3a1b/bin/containerd`,
          config: `${etc}/config.toml`,
          socket: 'run/k3s/containerd/containerd.sock',
          flag: '-c',
          // what the distribution's base template renders once it supports drop-ins
          imports: v2 ? [join(dropDir, '*.toml')] : undefined,
        };
        if (v2) mkdirSync(dropDir, { recursive: true });
        const d = await startInTree(c, r, layout);
        const rendered = readFileSync(d.config, 'utf8');
        const run = configure(d.socket, '--restart-mode=none');
        if (!v2) {
          await d.stop();
          assert.equal(run.status, 0, run.stderr);
          assert.equal(readFileSync(d.config, 'utf8'), rendered, 'never the rendered file');
          const template = readFileSync(join(r, etc, 'config.toml.tmpl'), 'utf8');
          assert.ok(template.startsWith('{{ template "base" . }}\n\n[plugins.'), template);
          return;
        }
        assert.equal(run.status, 0, run.stderr);
        assert.equal(readFileSync(d.config, 'utf8'), rendered, 'never the rendered file');
        assertOnlyRuntimes(readFileSync(join(dropDir, '99-nvidia.toml'), 'utf8'));
        const st = await restartAndAsk(c, r, d, layout);
        assert.equal(st.runtimes?.nvidia?.options.BinaryName, `${TK}/nvidia-container-runtime`);
        assert.ok(st.runtimes?.runc);
      });
    }

    if (v2) {
      test('containerd 2.x running with a version 1 file: refused, nothing written', async () => {
        const r = root();
        const d = await startInTree(c, r, STANDALONE);
        try {
          const v1 = '[plugins.cri.containerd]\n  snapshotter = "overlayfs"\n';
          writeFileSync(d.config, v1);
          const run = configure(d.socket, '--restart-mode=none');
          assert.equal(run.status, 1);
          assert.match(
            errorLine(run.stderr),
            /config\.toml: a version 1 config, and containerd 2\.\S+ \(PID \d+\) ignores .*containerd config migrate/,
          );
          assert.equal(readFileSync(d.config, 'utf8'), v1);
          assert.equal(existsSync(join(r, 'etc/containerd/conf.d')), false);
        } finally {
          await d.stop();
        }
      });
    }

    test('read-only /etc: refused before any change; --verify-only asks the engine instead', async () => {
      const r = root();
      const d = await startInTree(c, r, STANDALONE);
      const etc = join(r, 'etc');
      const mount = (...args: string[]) =>
        assert.equal(spawnSync('mount', args).status, 0, `mount ${args.join(' ')}`);
      try {
        const bytes = readFileSync(d.config, 'utf8');
        mount('--bind', etc, etc);
        try {
          mount('-o', 'remount,bind,ro', etc);
          const run = configure(d.socket, '--restart-mode=none');
          assert.equal(run.status, 1);
          assert.match(
            errorLine(run.stderr),
            new RegExp(
              `${etc} is read-only on this host .*use --drop-in-config under a writable path that the engine imports, or --verify-only`,
            ),
          );
          assert.equal(readFileSync(d.config, 'utf8'), bytes);
          const verify = configure(d.socket, '--verify-only');
          assert.equal(verify.status, 1);
          assert.match(
            errorLine(verify.stderr),
            /lacks the NVIDIA runtimes: runtime \\"nvidia\\" is missing/,
          );
        } finally {
          spawnSync('umount', [etc]);
        }
        assert.equal(configure(d.socket, '--restart-mode=none').status, 0);
        await d.stop();
        const again = await startInTree(c, r, { ...STANDALONE, keepConfig: true });
        try {
          const verify = configure(again.socket, '--verify-only');
          assert.equal(verify.status, 0, verify.stderr);
          assert.match(verify.stdout, /has the runtimes nvidia, nvidia-cdi, nvidia-legacy/);
        } finally {
          await again.stop();
        }
      } finally {
        await d.stop();
      }
    });
  });
}
