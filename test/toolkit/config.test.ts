import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { ldconfigValue, renderToml, renderToolkitConfig } from '../../src/toolkit/config';
import { optionsWith } from './fixture';

/** smol-toml returns null-prototype objects; compare plain ones. */
const parse = (text: string): unknown => JSON.parse(JSON.stringify(parseToml(text)));

type Doc = Record<string, Record<string, unknown> & { modes?: Record<string, Record<string, unknown>> }> &
  Record<string, unknown>;

function config(cli: Record<string, unknown>, ldconfigReal = false): Doc {
  return parse(
    renderToolkitConfig({
      options: optionsWith({ toolkitRoot: '/usr/local/nvidia/toolkit', ...cli }),
      ldconfigReal,
    }),
  ) as Doc;
}

describe('toolkit config.toml', () => {
  it('starts from the built-in defaults and points every path into the toolkit root', () => {
    const c = config({});
    assert.equal(c['accept-nvidia-visible-devices-envvar-when-unprivileged'], true);
    assert.equal(c['accept-nvidia-visible-devices-as-volume-mounts'], false);
    assert.equal(c['supported-driver-capabilities'], 'compat32,compute,display,graphics,ngx,utility,video');
    assert.deepEqual(c['nvidia-container-cli'], {
      environment: [],
      ldcache: '',
      ldconfig: '@/run/nvidia/driver/sbin/ldconfig',
      'load-kmods': true,
      'no-cgroups': false,
      path: '/usr/local/nvidia/toolkit/nvidia-container-cli',
      root: '/run/nvidia/driver',
      user: '',
    });
    assert.deepEqual(c['nvidia-container-runtime-hook'], {
      path: '/usr/local/nvidia/toolkit/nvidia-container-runtime-hook',
      'skip-mode-detection': true,
    });
    assert.deepEqual(c['nvidia-ctk'], { path: '/usr/local/nvidia/toolkit/nvidia-ctk' });
    const rt = c['nvidia-container-runtime']!;
    assert.equal(rt.debug, '/dev/null');
    assert.equal(rt['log-level'], 'info');
    assert.equal(rt.mode, 'auto');
    assert.deepEqual(rt.runtimes, ['runc', 'crun']);
    assert.deepEqual(rt.modes?.cdi, {
      'annotation-prefixes': ['cdi.k8s.io/'],
      'default-kind': 'nvidia.com/gpu',
      'spec-dirs': ['/etc/cdi', '/var/run/cdi'],
    });
    assert.equal(c.features, undefined);
  });

  it('applies every flag, including the optional keys when set', () => {
    const c = config({
      driverRoot: '/',
      runtimeDebug: '/var/log/rt.log',
      runtimeLogLevel: 'debug',
      runtimeMode: 'cdi',
      runtimeCdiDefaultKind: 'example.com/gpu',
      runtimeCdiAnnotationPrefixes: ['a/', 'b/'],
      runtimeRuntimes: ['/usr/bin/crun'],
      cliDebug: '/var/log/cli.log',
      hookSkipModeDetection: false,
      acceptEnvvarUnprivileged: false,
      acceptVolumeMounts: true,
      optInFeatures: ['allow-ldconfig-from-container', 'disable-imex-channel-creation'],
    });
    const rt = c['nvidia-container-runtime']!;
    assert.equal(rt.debug, '/var/log/rt.log');
    assert.equal(rt['log-level'], 'debug');
    assert.equal(rt.mode, 'cdi');
    assert.deepEqual(rt.runtimes, ['/usr/bin/crun']);
    assert.equal(rt.modes?.cdi?.['default-kind'], 'example.com/gpu');
    assert.deepEqual(rt.modes?.cdi?.['annotation-prefixes'], ['a/', 'b/']);
    assert.equal(c['nvidia-container-cli']!.debug, '/var/log/cli.log');
    assert.equal(c['nvidia-container-cli']!.root, '/');
    assert.equal(c['nvidia-container-cli']!.ldconfig, '@/sbin/ldconfig');
    assert.equal(c['nvidia-container-runtime-hook']!['skip-mode-detection'], false);
    assert.equal(c['accept-nvidia-visible-devices-envvar-when-unprivileged'], false);
    assert.equal(c['accept-nvidia-visible-devices-as-volume-mounts'], true);
    assert.deepEqual(c.features, {
      'allow-ldconfig-from-container': true,
      'disable-imex-channel-creation': true,
    });
  });

  it('uses ldconfig.real when the host driver root has one', () => {
    assert.equal(
      config({}, true)['nvidia-container-cli']!.ldconfig,
      '@/run/nvidia/driver/sbin/ldconfig.real',
    );
    assert.equal(ldconfigValue('/', true), '@/sbin/ldconfig.real');
    assert.equal(ldconfigValue('/host/driver/root', false), '@/host/driver/root/sbin/ldconfig');
  });

  it('renders go-toml style: sorted keys, indented nested tables', () => {
    const text = renderToolkitConfig({ options: optionsWith({ toolkitRoot: '/t' }), ldconfigReal: false });
    assert.ok(
      text.startsWith(
        'accept-nvidia-visible-devices-as-volume-mounts = false\naccept-nvidia-visible-devices-envvar-when-unprivileged = true\n',
      ),
    );
    assert.match(text, /\n\[nvidia-container-cli\]\n {2}environment = \[\]\n/);
    assert.match(
      text,
      /\n {2}\[nvidia-container-runtime\.modes\]\n\n {4}\[nvidia-container-runtime\.modes\.cdi\]\n {6}annotation-prefixes = \["cdi\.k8s\.io\/"\]\n/,
    );
    assert.ok(text.endsWith('[nvidia-ctk]\n  path = "/t/nvidia-ctk"\n'));
  });

  it('escapes strings (quotes, backslashes, control characters) so they parse back exactly', () => {
    const nasty = 'a "q" \\ b\tc\u0001\u007f $x \'y\' é';
    const text = renderToml({ s: nasty, 'odd key': true, t: { list: [nasty, ''] } });
    assert.deepEqual(parse(text), { s: nasty, 'odd key': true, t: { list: [nasty, ''] } });
  });
});
