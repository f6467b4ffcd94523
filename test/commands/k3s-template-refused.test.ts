/**
 * Every k3s template refusal (src/engines/k3s-template.ts) through the CLI: one error line naming the file (and
 * line), the exit code of its kind, and nothing written: the directory's names, mtime and the template's bytes
 * stay as they were (as refused-run.test.ts checks for plain configs).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mtimeNs, runCli } from '../helpers/cli';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ctk-k3s-refused-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const RENDERED = `version = 2
[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
`;

interface Case {
  readonly name: string;
  /** The template's text; undefined: no template yet. */
  readonly template?: string;
  readonly args: readonly string[];
  readonly status: 1 | 2;
  readonly message: (tmpl: string) => RegExp;
  readonly actions: readonly ('setup' | 'cleanup')[];
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const CASES: Case[] = [
  {
    name: 'a template action besides the base line',
    template: '{{ template "base" . }}\n\n[plugins."x"]\n  path = "{{ .NodeConfig.Containerd.Opt }}"\n',
    args: [],
    status: 1,
    message: (t) =>
      new RegExp(
        `${esc(t)}:4:\\d+: template actions other than the base line .*edit it by hand or use k3s's drop-in directory`,
      ),
    actions: ['setup', 'cleanup'],
  },
  {
    name: 'a template without the base line (a frozen rendered copy)',
    template: RENDERED,
    args: [],
    status: 1,
    message: (t) =>
      new RegExp(
        `${esc(t)}: does not start with \\{\\{ template \\\\"base\\\\" \\. \\}\\}: it is a frozen copy`,
      ),
    actions: ['setup', 'cleanup'],
  },
  {
    name: 'an empty template',
    template: '',
    args: [],
    status: 1,
    message: (t) => new RegExp(`${esc(t)}: an empty template`),
    actions: ['setup'],
  },
  {
    name: '--set-as-default (the standalone CLI default)',
    args: ['--set-as-default=true'],
    status: 2,
    message: (t) =>
      new RegExp(`${esc(t)}: --set-as-default needs default_runtime_name .*default-runtime: nvidia`),
    actions: ['setup'],
  },
  {
    name: 'CDI enablement',
    args: ['--enable-cdi-in-runtime'],
    status: 2,
    message: (t) => new RegExp(`${esc(t)}: CDI needs enable_cdi in .*--enable-cdi-in-runtime=false`),
    actions: ['setup'],
  },
  {
    name: 'another binary under a name k3s generates',
    args: ['--runtime-name=crun'],
    status: 2,
    message: (t) =>
      new RegExp(
        `${esc(t)}: k3s defines the runtime crun itself with /usr/bin/crun, and ours is /opt/ctk/nvidia-container-runtime`,
      ),
    actions: ['setup'],
  },
];

for (const c of CASES) {
  for (const action of c.actions) {
    test(`${action} refusing ${c.name}: one line, exit ${c.status}, nothing written`, () => {
      const d = mkdtempSync(join(dir, 'case-'));
      const config = join(d, 'config.toml');
      const tmpl = join(d, 'config.toml.tmpl');
      // k3s's rendered config; crun as k3s renders it when it finds /usr/bin/crun
      writeFileSync(
        config,
        `${RENDERED}[plugins."io.containerd.grpc.v1.cri".containerd.runtimes."crun"]\n  runtime_type = "io.containerd.runc.v2"\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes."crun".options]\n  BinaryName = "/usr/bin/crun"\n`,
      );
      if (c.template !== undefined) writeFileSync(tmpl, c.template);
      const names = readdirSync(d);
      const mtime = mtimeNs(d);
      const r = runCli([
        'containerd',
        action,
        '--preset=k3s',
        '--config',
        config,
        '--socket',
        join(d, 'none.sock'),
        '--restart-mode=none',
        ...(c.args.some((a) => a.startsWith('--set-as-default')) ? [] : ['--set-as-default=false']),
        ...c.args,
        '/opt/ctk',
      ]);
      assert.equal(r.status, c.status, r.stderr);
      const errors = r.stderr.split('\n').filter((l) => l.includes('level=error'));
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0]!, c.message(tmpl));
      assert.deepEqual(readdirSync(d), names);
      assert.equal(mtimeNs(d), mtime, 'directory mtime unchanged');
      if (c.template !== undefined) assert.equal(readFileSync(tmpl, 'utf8'), c.template);
    });
  }
}

test('runtime configure with --drop-in-config on a k3s template: refused before anything is read or written', () => {
  const d = mkdtempSync(join(dir, 'case-'));
  const config = join(d, 'config.toml');
  writeFileSync(config, RENDERED);
  const mtime = mtimeNs(d);
  const r = runCli([
    'runtime',
    'configure',
    '--runtime=containerd',
    '--preset=k3s',
    '--config',
    config,
    '--socket',
    join(d, 'none.sock'),
    '--drop-in-config',
    join(d, 'x.toml'),
    '/opt/ctk',
  ]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    r.stderr,
    /k3s renders its containerd config from a template here, which cannot import --drop-in-config/,
  );
  assert.deepEqual(readdirSync(d), ['config.toml']);
  assert.equal(mtimeNs(d), mtime);
});

test('the standalone CLI without --preset refuses a k3s template: only the preset knows the version k3s renders', () => {
  const d = mkdtempSync(join(dir, 'case-'));
  const tmpl = join(d, 'config.toml.tmpl');
  const text = '{{ template "base" . }}\n';
  writeFileSync(tmpl, text);
  const mtime = mtimeNs(d);
  const r = runCli(['containerd', 'setup', '--config', tmpl, '--restart-mode=none', '/opt/ctk']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /config\.toml\.tmpl: a k3s\/RKE2 template, .*edit it with --preset k3s or --preset rke2/,
  );
  assert.deepEqual(readdirSync(d), ['config.toml.tmpl']);
  assert.equal(mtimeNs(d), mtime);
  assert.equal(readFileSync(tmpl, 'utf8'), text);
});
