/** `toolkit install|delete` through commander: every flag followed from argv to the files on disk. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import { parse } from 'smol-toml';
import { setExplicitBools } from '../../src/commands/context';
import { toolkitCommand } from '../../src/commands/toolkit';
import { UsageError } from '../../src/errors';
import { setLogSink } from '../../src/log';
import { rewriteBoolArgs } from '../../src/options/option-spec';
import { makeArtifacts, tempDir } from './fixture';

const base = tempDir('ctk-toolkit-cmd-');
after(() => fs.rmSync(base, { recursive: true, force: true }));
const src = makeArtifacts(join(base, 'src'));

async function run(argv: string[], env: Record<string, string> = {}): Promise<void> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  toolkitCommand.register(program);
  const { argv: args, explicit } = rewriteBoolArgs(argv, toolkitCommand.specs);
  setExplicitBools(explicit);
  const saved = { ...process.env };
  Object.assign(process.env, { CTK_LOG_FORMAT: 'json' }, env);
  const logSink = setLogSink(() => {});
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    setLogSink(logSink);
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    setExplicitBools(new Map());
  }
}

type Doc = Record<string, Record<string, unknown> & { modes?: { cdi?: Record<string, unknown> } }> &
  Record<string, unknown>;
const configOf = (root: string) =>
  parse(
    fs.readFileSync(join(root, '.config/nvidia-container-runtime/config.toml'), 'utf8'),
  ) as unknown as Doc;

describe('toolkit command', () => {
  it('install: flags, aliases and env vars reach the config file', async () => {
    const root = join(base, 't1/toolkit');
    await run(
      [
        'toolkit',
        'install',
        '--toolkit-root',
        root,
        '--toolkit-source-root',
        src,
        '--nvidia-driver-root',
        '/drv',
        '--driver-root-ctr-path',
        join(base, 'none'),
        '--nvidia-container-runtime-debug',
        '/var/log/rt.log',
        '--nvidia-container-runtime.log-level',
        'debug',
        '--nvidia-container-runtime-mode',
        'legacy',
        '--nvidia-container-runtime.modes.cdi.default-kind',
        'example.com/gpu',
        '--nvidia-container-runtime.modes.cdi.annotation-prefixes',
        'a/,b/',
        '--nvidia-container-runtime.runtimes',
        '/usr/bin/crun',
        '--nvidia-container-runtime-hook.skip-mode-detection=false',
        '--nvidia-container-cli-debug',
        '/var/log/cli.log',
        '--accept-nvidia-visible-devices-as-volume-mounts',
        '--opt-in-features',
        'feat-a',
      ],
      {
        ACCEPT_NVIDIA_VISIBLE_DEVICES_ENVVAR_WHEN_UNPRIVILEGED: 'false',
        NVIDIA_CONTAINER_TOOLKIT_OPT_IN_FEATURES: 'ignored',
      },
    );
    const c = configOf(root);
    const rt = c['nvidia-container-runtime']!;
    assert.equal(c['nvidia-container-cli']!.root, '/drv');
    assert.equal(c['nvidia-container-cli']!.ldconfig, '@/drv/sbin/ldconfig');
    assert.equal(c['nvidia-container-cli']!.debug, '/var/log/cli.log');
    assert.equal(rt.debug, '/var/log/rt.log');
    assert.equal(rt['log-level'], 'debug');
    assert.equal(rt.mode, 'legacy');
    assert.deepEqual(rt.runtimes, ['/usr/bin/crun']);
    assert.equal(rt.modes?.cdi?.['default-kind'], 'example.com/gpu');
    assert.deepEqual(rt.modes?.cdi?.['annotation-prefixes'], ['a/', 'b/']);
    assert.equal(c['nvidia-container-runtime-hook']!['skip-mode-detection'], false);
    assert.equal(c['accept-nvidia-visible-devices-as-volume-mounts'], true);
    assert.equal(c['accept-nvidia-visible-devices-envvar-when-unprivileged'], false);
    assert.deepEqual({ ...(c.features as object) }, { 'feat-a': true });
    assert.match(
      fs.readFileSync(join(root, 'nvidia-container-runtime'), 'utf8'),
      /exec '\/usr\/bin\/crun' "\$@"/,
    );
  });

  it('install: TOOLKIT_ROOT and TOOLKIT_SOURCE_ROOT from the environment', async () => {
    const root = join(base, 't2/toolkit');
    await run(['toolkit', 'install'], { TOOLKIT_ROOT: root, TOOLKIT_SOURCE_ROOT: src, DRIVER_ROOT: '/d2' });
    assert.equal(configOf(root)['nvidia-container-cli']!.root, '/d2');
  });

  for (const [what, args, re] of [
    ['invalid --cdi-kind', ['--cdi-kind', 'nvidia.com'], /invalid --cdi-kind "nvidia.com"/],
    [
      'invalid --create-device-nodes',
      ['--create-device-nodes', 'all'],
      /invalid --create-device-nodes value: "all"/,
    ],
    ['missing --toolkit-root', ['--toolkit-root', ''], /--toolkit-root must be specified/],
  ] as const) {
    it(`install: ${what} is a usage error and creates nothing`, async () => {
      const root = join(base, `bad-${what.replace(/\W/g, '')}/toolkit`);
      const argv = ['toolkit', 'install', '--toolkit-root', root, '--toolkit-source-root', src, ...args];
      await assert.rejects(
        run(argv),
        (e: unknown) => e instanceof UsageError && re.test(e.message) && e.exitCode === 2,
      );
      assert.equal(fs.existsSync(join(root, '..')), false);
    });
  }

  it('delete: removes the installed toolkit; deleting again is fine', async () => {
    const root = join(base, 't3/toolkit');
    await run(['toolkit', 'install', '--toolkit-root', root, '--toolkit-source-root', src]);
    assert.ok(fs.existsSync(join(root, 'nvidia-ctk')));
    await run(['toolkit', 'delete', '--toolkit-root', root]);
    assert.deepEqual(fs.readdirSync(join(base, 't3')), []);
    await run(['toolkit', 'delete', '--toolkit-root', root]);
  });
});
