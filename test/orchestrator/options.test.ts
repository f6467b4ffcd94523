import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/errors';
import { rewriteBoolArgs } from '../../src/options/option-spec';
import { allRunSpecs } from '../../src/options/run-options';
import {
  destinationFrom,
  type RunOptions,
  resolveRunOptions,
  runOptionsCommand,
} from '../../src/orchestrator/options';

interface Resolution {
  options: RunOptions;
  warnings: string[];
}

/** argv after `run`, parsed the way cli.ts does (bool pre-pass, then commander), then resolved. */
function resolve(argv: string[], env: Record<string, string> = {}, hasRpm = false): Resolution {
  const { argv: rewritten, explicit } = rewriteBoolArgs(argv, allRunSpecs());
  const cmd = runOptionsCommand().argument('[DESTINATION]').allowExcessArguments(true).exitOverride();
  cmd.parse(rewritten, { from: 'user' });
  const warnings: string[] = [];
  const options = resolveRunOptions(cmd, cmd.args, {
    env,
    explicitBools: explicit,
    cwd: '/work/dir',
    hasRpm: () => hasRpm,
    warn: (m) => warnings.push(m),
  });
  return { options, warnings };
}
const opts = (argv: string[], env: Record<string, string> = {}) => resolve(argv, env).options;
const usage = (re: RegExp) => (e: unknown) => e instanceof UsageError && re.test(e.message);

// The original's parseArgs vectors (argv[0] is the program, dropped here).
for (const [positionals, want] of [
  [[], undefined],
  [['root'], 'root'],
  [['root', 'not-root'], /^unexpected positional argument\(s\) \[not-root\]$/],
  [['root', 'not-root', 'also'], /^unexpected positional argument\(s\) \[not-root also\]$/],
] as const) {
  test(`destinationFrom(${JSON.stringify(positionals)})`, () => {
    if (want instanceof RegExp) assert.throws(() => destinationFrom(positionals), usage(want));
    else assert.equal(destinationFrom(positionals), want);
  });
}

test('DESTINATION sets the install root; the toolkit and the runtime binaries go to <root>/toolkit', () => {
  const o = opts(['/opt/nv', '--no-daemon']);
  assert.equal(o.installDir, '/opt/nv');
  assert.equal(o.toolkit.toolkitRoot, '/opt/nv/toolkit');
  assert.equal(o.setup.runtimeDir, '/opt/nv/toolkit');
  assert.equal(o.noDaemon, true);
});

test('without DESTINATION the root is /usr/local/nvidia; a relative one is resolved against the cwd', () => {
  assert.equal(opts([]).installDir, '/usr/local/nvidia');
  assert.equal(opts(['rel/dir']).installDir, '/work/dir/rel/dir');
});

test('install root precedence: --root > TOOLKIT_INSTALL_DIR > ROOT > DESTINATION > default', () => {
  assert.equal(opts(['--root', '/a']).installDir, '/a');
  assert.equal(opts(['--toolkit-install-dir', '/a', '/a']).installDir, '/a');
  assert.equal(opts([], { ROOT: '/r', TOOLKIT_INSTALL_DIR: '/t' }).installDir, '/t');
  const { options, warnings } = resolve(['/dest'], { ROOT: '/r' });
  assert.equal(options.installDir, '/r');
  assert.match(warnings.join('\n'), /environment \(\/r\) overrides the DESTINATION argument \(\/dest\)/);
  assert.throws(() => opts(['/dest', '--root', '/other']), usage(/install root is given twice/));
  assert.throws(() => opts(['/a', 'b']), usage(/unexpected positional argument\(s\) \[b\]/));
});

test('no-… flags are plain booleans (absent = false, present = true, =false and env honoured)', () => {
  const o = opts([]);
  assert.deepEqual([o.noDaemon, o.runtimeConfig, o.cleanupOnExit], [false, true, true]);
  const n = opts(['-n', '--no-runtime-config', '--no-cleanup-on-exit']);
  assert.deepEqual([n.noDaemon, n.runtimeConfig, n.cleanupOnExit], [true, false, false]);
  assert.equal(opts(['--no-daemon=false'], { NO_DAEMON: 'true' }).noDaemon, false);
  assert.equal(opts([], { NO_DAEMON: 'true', NO_CLEANUP_ON_EXIT: '1' }).noDaemon, true);
  assert.equal(opts([], { NO_CLEANUP_ON_EXIT: '1' }).cleanupOnExit, false);
});

test('--pid-file: TOOLKIT_PID_FILE beats PID_FILE; the name must be toolkit.pid', () => {
  assert.equal(opts([]).pidFile, '/run/nvidia/toolkit/toolkit.pid');
  assert.equal(
    opts([], { PID_FILE: '/p/toolkit.pid', TOOLKIT_PID_FILE: '/t/toolkit.pid' }).pidFile,
    '/t/toolkit.pid',
  );
  assert.throws(() => opts(['--pid-file', '/run/x.pid']), usage(/^invalid toolkit\.pid path \/run\/x\.pid$/));
});

test('--runtime must be docker, containerd or crio (env RUNTIME)', () => {
  assert.equal(opts([]).engine, 'docker');
  assert.equal(opts([], { RUNTIME: 'containerd' }).engine, 'containerd');
  assert.equal(opts(['-r', 'crio'], { RUNTIME: 'containerd' }).engine, 'crio');
  assert.throws(() => opts(['-r', 'podman']), usage(/invalid value "podman" for --runtime/));
});

test('runtime env vars are read in the chosen engine’s order: a DOCKER_* variable never configures containerd', () => {
  const env = {
    DOCKER_CONFIG: '/d/daemon.json',
    CONTAINERD_CONFIG: '/c/config.toml',
    DOCKER_SOCKET: '/d.sock',
    CONTAINERD_SOCKET: '/c.sock',
    DOCKER_RUNTIME_NAME: 'dnv',
    CONTAINERD_RUNTIME_CLASS: 'cnv',
    CONTAINERD_SET_AS_DEFAULT: 'false',
  };
  const d = opts(['-r', 'docker'], env).setup;
  assert.deepEqual(
    [d.config, d.socket, d.runtimeName, d.setAsDefault],
    ['/d/daemon.json', '/d.sock', 'dnv', true],
  );
  const c = opts(['-r', 'containerd'], env).setup;
  assert.deepEqual(
    [c.config, c.socket, c.runtimeName, c.setAsDefault],
    ['/c/config.toml', '/c.sock', 'cnv', false],
  );
  const g = opts(['-r', 'containerd'], { ...env, RUNTIME_CONFIG: '/g.toml', NVIDIA_RUNTIME_NAME: 'g' }).setup;
  assert.deepEqual([g.config, g.runtimeName], ['/g.toml', 'g']);
});

test('the installer persona’s defaults: drop-in files, cri-o config mode, nvidia as default, per-engine paths', () => {
  const c = opts(['-r', 'containerd']).setup;
  assert.equal(c.config, '/etc/containerd/config.toml');
  assert.equal(c.dropInConfig, '/etc/containerd/conf.d/99-nvidia.toml');
  assert.equal(c.socket, '/run/containerd/containerd.sock');
  assert.equal(c.restartMode, 'signal');
  assert.equal(c.setAsDefault, true);
  const o = opts(['-r', 'crio']).setup;
  assert.deepEqual(
    [o.configMode, o.restartMode, o.dropInConfig],
    ['config', 'systemd', '/etc/crio/crio.conf.d/99-nvidia.toml'],
  );
  const d = opts([]).setup;
  assert.deepEqual(
    [d.config, d.socket, d.restartMode],
    ['/etc/docker/daemon.json', '/var/run/docker.sock', 'signal'],
  );
  assert.equal(opts([]).cleanup.action, 'cleanup');
});

test('a flag of another engine is refused instead of ignored', () => {
  assert.throws(
    () => opts(['-r', 'docker', '--runtime-type', 'x']),
    usage(/--runtime-type cannot be used with --runtime=docker/),
  );
  assert.throws(
    () => opts(['--config-mode', 'hook']),
    usage(/--config-mode cannot be used with --runtime=docker/),
  );
  // The toolkit's annotation-prefix flag is not containerd's (they differ in one '.'): fine for docker.
  const o = opts(['--nvidia-container-runtime.modes.cdi.annotation-prefixes', 'a/,b/']);
  assert.deepEqual(o.toolkit.runtime.cdiAnnotationPrefixes, ['a/', 'b/']);
  assert.deepEqual(o.setup.annotationPrefixes, []);
  assert.throws(
    () => opts(['--nvidia-container-runtime-modes.cdi.annotation-prefixes', 'a/']),
    usage(/--nvidia-container-runtime-modes.cdi.annotation-prefixes cannot be used with --runtime=docker/),
  );
});

test('RUNTIME_ARGS: shell words parsed as runtime flags that beat the environment and the defaults', () => {
  const o = opts(['-r', 'containerd'], {
    CONTAINERD_SOCKET: '/env.sock',
    RUNTIME_ARGS: `--socket '/my dir/c.sock' --set-as-default=false --host-root="x y;\\$(id)" --restart-mode none`,
  });
  assert.equal(o.setup.socket, '/my dir/c.sock');
  assert.equal(o.setup.setAsDefault, false);
  assert.equal(o.setup.restartMode, 'none');
  assert.equal(o.setup.hostRoot, 'x y;$(id)');
});

test('RUNTIME_ARGS: the same flag on the command line too is ambiguous; unknown flags and arguments are errors', () => {
  assert.throws(
    () => opts(['--socket', '/a'], { RUNTIME_ARGS: '--socket /b' }),
    usage(/--socket is given both on the command line and in --runtime-args/),
  );
  assert.throws(
    () => opts([], { RUNTIME_ARGS: '--bogus 1' }),
    usage(/invalid --runtime-args "--bogus 1": unknown option '--bogus'/),
  );
  assert.throws(
    () => opts([], { RUNTIME_ARGS: '--runtime-type x' }),
    usage(/unknown option '--runtime-type'/),
  );
  assert.throws(() => opts([], { RUNTIME_ARGS: '/usr/local/nvidia/toolkit' }), usage(/unexpected argument/));
  assert.throws(() => opts([], { RUNTIME_ARGS: '--help' }), usage(/unknown option '--help'/));
  assert.throws(() => opts(['-u', "--socket '/a"]), usage(/unterminated single quote/));
  assert.throws(
    () => opts([], { RUNTIME_ARGS: '--restart-mode sometimes' }),
    usage(/invalid value "sometimes" for --restart-mode/),
  );
});

test('--enable-cdi-in-runtime follows --cdi-enabled unless set itself', () => {
  assert.equal(opts([]).setup.enableCdi, false);
  assert.equal(opts(['--cdi-enabled']).setup.enableCdi, true);
  assert.equal(opts(['--cdi-enabled', '--enable-cdi-in-runtime=false']).setup.enableCdi, false);
  assert.equal(opts([], { CDI_ENABLED: 'true', RUNTIME_ENABLE_CDI: 'false' }).setup.enableCdi, false);
  assert.equal(opts(['--enable-cdi-in-runtime']).setup.enableCdi, true);
});

test('toolkit artifacts: /artifacts/<type> unless --toolkit-source-root is given (HEAD)', () => {
  assert.equal(resolve([]).options.toolkit.sourceRoot, '/artifacts/deb');
  assert.equal(resolve([], {}, true).options.toolkit.sourceRoot, '/artifacts/rpm');
  assert.equal(resolve([], { TOOLKIT_PACKAGE_TYPE: 'rpm' }).options.toolkit.sourceRoot, '/artifacts/rpm');
  assert.equal(
    resolve(['--toolkit-package-type', 'deb'], {}, true).options.toolkit.sourceRoot,
    '/artifacts/deb',
  );
  assert.equal(resolve(['--toolkit-source-root', '/src'], {}, true).options.toolkit.sourceRoot, '/src');
  assert.equal(resolve([], { TOOLKIT_SOURCE_ROOT: '/s' }).options.toolkit.sourceRoot, '/s');
});

test('toolkit flags and env reach the toolkit options; the runtimes list is computed unless given', () => {
  const o = opts(['--nvidia-container-runtime.debug', '/log', '--driver-root', '/drv'], {
    CDI_KIND: 'example.com/gpu',
  });
  assert.equal(o.toolkit.runtime.debug, '/log');
  assert.equal(o.toolkit.driverRoot, '/drv');
  assert.equal(o.runtimesGiven, false);
  const g = opts([], { NVIDIA_CONTAINER_RUNTIME_RUNTIMES: 'crun, runc' });
  assert.deepEqual(g.toolkit.runtime.runtimes, ['crun', 'runc']);
  assert.equal(g.runtimesGiven, true);
});

test('a bad runtime name is refused before anything runs, unless the engine is not configured', () => {
  assert.throws(() => opts(['--runtime-name', 'a/b']), usage(/invalid runtime name "a\/b"/));
  assert.equal(opts(['--runtime-name', 'a/b', '--no-runtime-config']).runtimeConfig, false);
});

test('--enable-nri-plugin is accepted as false (the original’s command lines) and refused as true', () => {
  assert.equal(opts(['--enable-nri-plugin=false']).engine, 'docker');
  assert.throws(() => opts(['-p']), usage(/NRI plugin .* is not supported/));
  assert.throws(() => opts([], { ENABLE_NRI_PLUGIN: 'true' }), usage(/NRI plugin/));
});

test('a "--flag=false" word that is the value of -u/--runtime-args stays RUNTIME_ARGS', () => {
  assert.equal(opts(['-u', '--set-as-default=false']).setup.setAsDefault, false);
  assert.deepEqual(
    rewriteBoolArgs(['-u', '--set-as-default=false', '--no-daemon=true', '--', '--x=true'], allRunSpecs()),
    {
      argv: ['-u', '--set-as-default=false', '--', '--x=true'],
      explicit: new Map([['noDaemon', true]]),
    },
  );
});

test('reconcile: on by default (60 s, 6 restarts per hour); --reconcile=false or RECONCILE=false turn it off', () => {
  assert.deepEqual(opts(['-r', 'docker']).reconcile, {
    intervalMs: 60_000,
    maxRestarts: 6,
    windowMs: 3_600_000,
  });
  assert.equal(opts(['-r', 'docker', '--reconcile=false']).reconcile, undefined);
  assert.equal(opts(['-r', 'docker'], { RECONCILE: 'false' }).reconcile, undefined);
  assert.deepEqual(
    opts(['--reconcile-interval', '2', '--reconcile-max-restarts', '3'], { RECONCILE_WINDOW: '30' })
      .reconcile,
    { intervalMs: 2000, maxRestarts: 3, windowMs: 30_000 },
  );
  assert.throws(() => opts(['--reconcile-interval', '0']), usage(/--reconcile-interval must be at least 1/));
  assert.throws(() => opts(['--reconcile-max-restarts', '0']), usage(/--reconcile-max-restarts/));
});
