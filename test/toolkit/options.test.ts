import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { UsageError } from '../../src/errors';
import { addOptions, resolveOptions, rewriteBoolArgs } from '../../src/options/option-spec';
import { TOOLKIT_COMMAND_SPECS, TOOLKIT_SPECS } from '../../src/options/toolkit-options';
import { checkCdiKind, toolkitOptionsFrom } from '../../src/toolkit/options';
import { optionsWith } from './fixture';

function parse(argv: string[], env: NodeJS.ProcessEnv = {}, warn?: (m: string) => void) {
  const { argv: args, explicit } = rewriteBoolArgs(argv, TOOLKIT_COMMAND_SPECS);
  const cmd = addOptions(new Command().exitOverride(), TOOLKIT_COMMAND_SPECS);
  cmd.parse(args, { from: 'user' });
  return toolkitOptionsFrom(resolveOptions(cmd, TOOLKIT_COMMAND_SPECS, env, explicit), { warn });
}

function usage(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, String(e));
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

describe('toolkit option specs (upstream §1.2)', () => {
  const byFlag = new Map(TOOLKIT_COMMAND_SPECS.map((s) => [s.flag, s]));
  const table: [flag: string, aliases: string[], env: string[], dflt: unknown][] = [
    ['toolkit-root', [], ['TOOLKIT_ROOT'], undefined],
    ['toolkit-source-root', [], ['TOOLKIT_SOURCE_ROOT'], '/'],
    ['driver-root', ['nvidia-driver-root'], ['NVIDIA_DRIVER_ROOT', 'DRIVER_ROOT'], '/run/nvidia/driver'],
    ['driver-root-ctr-path', [], ['DRIVER_ROOT_CTR_PATH'], '/run/nvidia/driver'],
    ['dev-root', [], ['NVIDIA_DEV_ROOT', 'DEV_ROOT'], ''],
    ['dev-root-ctr-path', [], ['DEV_ROOT_CTR_PATH'], ''],
    [
      'nvidia-container-runtime.debug',
      ['nvidia-container-runtime-debug'],
      ['NVIDIA_CONTAINER_RUNTIME_DEBUG'],
      '',
    ],
    [
      'nvidia-container-runtime.log-level',
      ['nvidia-container-runtime-debug-log-level'],
      ['NVIDIA_CONTAINER_RUNTIME_LOG_LEVEL'],
      '',
    ],
    [
      'nvidia-container-runtime.mode',
      ['nvidia-container-runtime-mode'],
      ['NVIDIA_CONTAINER_RUNTIME_MODE'],
      '',
    ],
    [
      'nvidia-container-runtime.modes.cdi.default-kind',
      [],
      ['NVIDIA_CONTAINER_RUNTIME_MODES_CDI_DEFAULT_KIND'],
      '',
    ],
    [
      'nvidia-container-runtime.modes.cdi.annotation-prefixes',
      [],
      ['NVIDIA_CONTAINER_RUNTIME_MODES_CDI_ANNOTATION_PREFIXES'],
      [],
    ],
    ['nvidia-container-runtime.runtimes', [], ['NVIDIA_CONTAINER_RUNTIME_RUNTIMES'], []],
    [
      'nvidia-container-runtime-hook.skip-mode-detection',
      [],
      ['NVIDIA_CONTAINER_RUNTIME_HOOK_SKIP_MODE_DETECTION'],
      true,
    ],
    ['nvidia-container-cli.debug', ['nvidia-container-cli-debug'], ['NVIDIA_CONTAINER_CLI_DEBUG'], ''],
    [
      'accept-nvidia-visible-devices-envvar-when-unprivileged',
      [],
      ['ACCEPT_NVIDIA_VISIBLE_DEVICES_ENVVAR_WHEN_UNPRIVILEGED'],
      true,
    ],
    [
      'accept-nvidia-visible-devices-as-volume-mounts',
      [],
      ['ACCEPT_NVIDIA_VISIBLE_DEVICES_AS_VOLUME_MOUNTS'],
      false,
    ],
    ['cdi-enabled', ['enable-cdi'], ['CDI_ENABLED', 'ENABLE_CDI'], false],
    ['cdi-output-dir', [], ['CDI_OUTPUT_DIR'], '/var/run/cdi'],
    ['cdi-kind', [], ['CDI_KIND'], 'management.nvidia.com/gpu'],
    ['ignore-errors', [], [], false],
    ['create-device-nodes', [], ['CREATE_DEVICE_NODES'], ['control']],
    ['opt-in-features', [], ['NVIDIA_CONTAINER_TOOLKIT_OPT_IN_FEATURES'], []],
  ];
  for (const [flag, aliases, env, dflt] of table) {
    it(`--${flag}: aliases, env vars in priority order, default`, () => {
      const s = byFlag.get(flag);
      assert.ok(s, `missing --${flag}`);
      assert.deepEqual(s.aliases ?? [], aliases);
      assert.deepEqual(s.env ?? [], env);
      assert.deepEqual(s.default, dflt);
    });
  }
  it('declares nothing else, and the shared set (for the orchestrator) lacks only --toolkit-root', () => {
    assert.equal(TOOLKIT_COMMAND_SPECS.length, table.length);
    assert.deepEqual(
      TOOLKIT_SPECS.map((s) => s.flag),
      TOOLKIT_COMMAND_SPECS.map((s) => s.flag).filter((f) => f !== 'toolkit-root'),
    );
  });
});

describe('toolkitOptionsFrom', () => {
  it('resolves flags, aliases and env vars (first set env var wins, the command line beats env)', () => {
    const o = parse(
      [
        '--toolkit-root',
        '/t',
        '--nvidia-driver-root',
        '/drv',
        '--enable-cdi',
        '--nvidia-container-runtime-debug',
        '/log',
      ],
      {
        DRIVER_ROOT: '/ignored',
        NVIDIA_DEV_ROOT: '/dev-a',
        DEV_ROOT: '/dev-b',
        CDI_KIND: 'example.com/class',
        NVIDIA_CONTAINER_RUNTIME_RUNTIMES: ' crun , runc ',
      },
    );
    assert.equal(o.toolkitRoot, '/t');
    assert.equal(o.driverRoot, '/drv');
    assert.equal(o.devRoot, '/dev-a');
    assert.deepEqual(o.cdi, { outputDir: '/var/run/cdi', vendor: 'example.com', class: 'class' });
    assert.equal(o.createControlNodes, true);
    assert.equal(o.runtime.debug, '/log');
    assert.deepEqual(o.runtime.runtimes, ['crun', 'runc']);
  });

  it('reads TOOLKIT_ROOT and boolean env vars in Go ParseBool form; --flag=false beats env', () => {
    const o = parse(['--accept-nvidia-visible-devices-envvar-when-unprivileged=false'], {
      TOOLKIT_ROOT: '/from-env',
      ENABLE_CDI: 'T',
      ACCEPT_NVIDIA_VISIBLE_DEVICES_ENVVAR_WHEN_UNPRIVILEGED: 'true',
    });
    assert.equal(o.toolkitRoot, '/from-env');
    assert.ok(o.cdi);
    assert.equal(o.acceptEnvvarUnprivileged, false);
  });

  it('keeps optional config keys unset unless given (IsSet) and non-empty', () => {
    const o = parse(['--toolkit-root', '/t', '--nvidia-container-runtime.mode', ''], {
      NVIDIA_CONTAINER_CLI_DEBUG: '/cli.log',
    });
    assert.equal(o.runtime.mode, undefined);
    assert.equal(o.runtime.debug, undefined);
    assert.equal(o.runtime.cdiAnnotationPrefixes, undefined);
    assert.equal(o.cliDebug, '/cli.log');
  });

  it('collects every problem into one usage error', () => {
    usage(
      () =>
        optionsWith({ cdiKind: 'nvidia.com', createDeviceNodes: ['control', 'all'], driverRoot: 'relative' }),
      /--toolkit-root must be specified/,
      /invalid --cdi-kind "nvidia.com"/,
      /invalid --create-device-nodes value: "all"/,
      /--driver-root "relative" must be an absolute path/,
    );
  });

  it('refuses toolkit roots that cannot be used safely in wrappers', () => {
    usage(() => optionsWith({ toolkitRoot: 'rel/path' }), /must be an absolute path/);
    usage(() => optionsWith({ toolkitRoot: '/a\nb' }), /--toolkit-root contains a newline/);
    usage(() => optionsWith({ toolkitRoot: '/a:b' }), /must not contain ':'/);
    usage(() => optionsWith({ toolkitRoot: '/' }), /must not be \//);
    usage(
      () => optionsWith({ toolkitRoot: '/t', runtimeRuntimes: ['ru\nnc'] }),
      /runtimes entry 1 contains a newline/,
    );
  });

  it('disables CDI (and device nodes) with a warning when the output dir is empty', () => {
    const warnings: string[] = [];
    const o = optionsWith(
      { toolkitRoot: '/t', cdiEnabled: true, cdiOutputDir: '' },
      { warn: (m) => warnings.push(m) },
    );
    assert.equal(o.cdi, undefined);
    assert.equal(o.createControlNodes, false);
    assert.match(warnings.join('\n'), /--cdi-output-dir is empty/);
  });

  it('--create-device-nodes: control creates, none or an empty value disables, CDI off disables', () => {
    assert.equal(
      optionsWith({ toolkitRoot: '/t', cdiEnabled: true, createDeviceNodes: ['control'] }).createControlNodes,
      true,
    );
    assert.equal(
      optionsWith({ toolkitRoot: '/t', cdiEnabled: true, createDeviceNodes: ['control', 'none'] })
        .createControlNodes,
      false,
    );
    assert.equal(
      optionsWith({ toolkitRoot: '/t', cdiEnabled: true, createDeviceNodes: [] }).createControlNodes,
      false,
    );
    assert.equal(optionsWith({ toolkitRoot: '/t', cdiEnabled: false }).createControlNodes, false);
  });

  it('resolves relative source and container-side paths against cwd', () => {
    const o = optionsWith(
      { toolkitRoot: '/t', toolkitSourceRoot: 'artifacts/deb', driverRootCtrPath: 'drv' },
      { cwd: '/work' },
    );
    assert.equal(o.sourceRoot, '/work/artifacts/deb');
    assert.equal(o.driverRootCtrPath, '/work/drv');
  });
});

describe('checkCdiKind (CDI vendor/class rules)', () => {
  for (const ok of [
    'management.nvidia.com/gpu',
    'nvidia.com/gpu',
    'example.com/class',
    'a/b',
    'v-1_x.y/c_2-d',
  ]) {
    it(`accepts ${ok}`, () => assert.deepEqual(checkCdiKind(ok).problems, []));
  }
  const bad: [string, RegExp][] = [
    ['nvidia.com', /expected <vendor>\/<class>/],
    ['/gpu', /invalid CDI vendor name ""/],
    ['1nvidia.com/gpu', /invalid CDI vendor name/],
    ['nvidia.com-/gpu', /invalid CDI vendor name/],
    ['nvidia.com/', /invalid CDI class name ""/],
    ['nvidia.com/g.pu', /invalid CDI class name "g.pu"/],
    ['nvidia.com/gpu/x', /invalid CDI class name "gpu\/x"/],
    ['nvidia com/gpu', /invalid CDI vendor name/],
  ];
  for (const [kind, re] of bad) {
    it(`rejects ${JSON.stringify(kind)}`, () => assert.match(checkCdiKind(kind).problems.join('; '), re));
  }
});
