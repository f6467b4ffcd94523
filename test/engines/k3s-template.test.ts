// The k3s/RKE2 template as base line + TOML tail (src/engines/k3s-template.ts) and what its tail may get.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseToml } from '../../src/edit/toml';
import { parseConfig } from '../../src/engines/document';
import {
  k3sDetected,
  planTemplate,
  splitTemplate,
  type TemplateRequest,
} from '../../src/engines/k3s-template';
import { ConfigError, UsageError } from '../../src/errors';
import { runtimeSet } from '../../src/runtimes/runtime-set';

const FILE = '/var/lib/rancher/k3s/agent/etc/containerd/config.toml.tmpl';
const TK = '/usr/local/nvidia/toolkit';
const CRI = '[plugins."io.containerd.grpc.v1.cri"';

describe('split and join', () => {
  for (const base of ['{{ template "base" . }}', '{{template "base" .}}', '  {{- template "base" . -}}  ']) {
    test(`${JSON.stringify(base)} after comments and blank lines: the tail is what follows it`, () => {
      const text = `# mine\n\n${base}\n# tail\n${CRI}.containerd.runtimes.kata]\n  runtime_type = "x"\n`;
      const p = splitTemplate(text, FILE);
      assert.equal(p.head, `# mine\n\n${base}\n`);
      assert.equal(p.tail, `# tail\n${CRI}.containerd.runtimes.kata]\n  runtime_type = "x"\n`);
      assert.equal(p.headLines, 3);
    });
  }
  test('a new file gets the base line and a blank line; the base line alone keeps its bytes', () => {
    assert.deepEqual(splitTemplate('', FILE), {
      head: '{{ template "base" . }}\n\n',
      tail: '',
      headLines: 2,
    });
    assert.deepEqual(splitTemplate('{{ template "base" . }}', FILE).tail, '');
  });
  test('the document edits the tail only, every byte of head and tail kept; a base line with no newline gets one', () => {
    const text = '# c\n{{template "base" .}}\n# my kata\n[a]\n  x = 1 # note\n';
    const doc = parseConfig('toml', text, FILE);
    assert.deepEqual(JSON.stringify(doc.tree), '{"a":{"x":1}}');
    assert.equal(doc.render({ a: { x: 1 }, b: { y: 'z' } }), `${text}\n[b]\n  y = "z"\n`);
    assert.equal(doc.render(doc.tree), text);
    const bare = parseConfig('toml', '{{ template "base" . }}', FILE);
    assert.equal(bare.render({ b: { y: 'z' } }), '{{ template "base" . }}\n[b]\ny = "z"\n');
  });
  test('a parse error in the tail names the file line', () => {
    assert.throws(
      () => parseConfig('toml', '# c\n{{ template "base" . }}\n\n[a\n', FILE),
      (e: Error) => e instanceof ConfigError && e.line === 4 && e.message.startsWith(`${FILE}:4:`),
    );
  });
  test('any other template action is refused, naming its line', () => {
    for (const [text, line] of [
      ['{{ template "base" . }}\n[a]\n  x = "{{ .NodeConfig.Foo }}"\n', 3],
      ['# {{ if .X }}\n{{ template "base" . }}\n', 1],
      ['{{ template "base" . }}\n{{ template "base" . }}\n', 2],
      ['{{ template "base" . }}\n{{- if .NodeConfig.AgentConfig.Snapshotter }}\n', 2],
    ] as const) {
      assert.throws(
        () => splitTemplate(text, FILE),
        (e: Error) =>
          e instanceof ConfigError &&
          e.exitCode === 1 &&
          e.line === line &&
          /template actions other than the base line .*edit it by hand or use k3s's drop-in directory/.test(
            e.message,
          ),
        text,
      );
    }
  });
  test('a template without the base line is a frozen rendered copy: refused, saying how to fix it', () => {
    for (const text of ['version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n', '# only\n\n', ' \n']) {
      assert.throws(
        () => splitTemplate(text, FILE),
        (e: Error) =>
          e instanceof ConfigError &&
          e.message.startsWith(`${FILE}: does not start with {{ template "base" . }}: it is a frozen copy`) &&
          /put \{\{ template "base" \. \}\} on its first line/.test(e.message),
        text,
      );
    }
  });
});

describe("k3s's runtime detection", () => {
  const ours = runtimeSet({ name: 'nvidia', setAsDefault: false, dir: TK });
  test('ours where the GPU Operator puts them: k3s finds those first', () => {
    const found = k3sDetected(new Set(['/usr/bin/nvidia-container-runtime']), ours);
    assert.equal(found.get('nvidia'), `${TK}/nvidia-container-runtime`);
    assert.equal(found.get('nvidia-cdi'), `${TK}/nvidia-container-runtime.cdi`);
    assert.equal(found.has('nvidia-legacy'), false, 'k3s never generates nvidia-legacy');
  });
  test('ours elsewhere: a package install in /usr/bin is what k3s finds', () => {
    const elsewhere = runtimeSet({ name: 'nvidia', setAsDefault: false, dir: '/opt/ctk' });
    const found = k3sDetected(new Set(['/usr/bin/nvidia-container-runtime']), elsewhere);
    assert.deepEqual([...found], [['nvidia', '/usr/bin/nvidia-container-runtime']]);
  });
});

/** The config k3s renders on containerd 1.x (its base template's tables), with the runtimes it detected. */
function rendered(extra = '', runtimes: Record<string, string> = {}): string {
  return [
    'version = 2',
    `${CRI}]`,
    '  stream_server_address = "127.0.0.1"',
    extra,
    `${CRI}.containerd]`,
    '  snapshotter = "overlayfs"',
    `${CRI}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `${CRI}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = true',
    ...Object.entries(runtimes).flatMap(([n, b]) => [
      `${CRI}.containerd.runtimes."${n}"]`,
      '  runtime_type = "io.containerd.runc.v2"',
      `${CRI}.containerd.runtimes."${n}".options]`,
      `  BinaryName = "${b}"`,
    ]),
    '',
  ].join('\n');
}

function plan(over: Partial<TemplateRequest> & { renderedText?: string; setAsDefault?: boolean }) {
  const text = over.renderedText ?? rendered();
  return planTemplate({
    file: FILE,
    version: 2,
    runtimes: runtimeSet({ name: 'nvidia', setAsDefault: over.setAsDefault ?? false, dir: TK }),
    enableCdi: false,
    tail: {},
    rendered: { path: 'config.toml', tree: parseToml(text, 'config.toml').value },
    hostBinaries: new Set(),
    ...over,
  });
}

describe('what the tail may get', () => {
  test('the runtimes k3s generates with our binaries are skipped, with an info line each', () => {
    const d = plan({});
    assert.deepEqual(
      d.runtimes.map((r) => r.name),
      ['nvidia-legacy'],
    );
    assert.equal(d.notes.length, 2);
    assert.match(
      d.notes[0]!,
      /k3s generates the runtime nvidia with .*toolkit\/nvidia-container-runtime itself: not written/,
    );
    // only newer k3s makes nvidia-cdi: the restart check warns instead of failing when this one does not
    assert.deepEqual(Object.keys(d.versionDependent), ['nvidia-cdi']);
    assert.match(d.versionDependent['nvidia-cdi']!, /v1\.28\.15.*v1\.31\.2/);
  });
  test('a runtime of the same name k3s makes with another binary: refused, naming both', () => {
    assert.throws(
      () =>
        plan({
          runtimes: runtimeSet({ name: 'nvidia', setAsDefault: false, dir: '/opt/ctk' }),
          hostBinaries: new Set([`${TK}/nvidia-container-runtime`]),
        }),
      (e: Error) =>
        e instanceof UsageError &&
        e.exitCode === 2 &&
        /k3s defines the runtime nvidia itself with \/usr\/local\/nvidia\/toolkit\/nvidia-container-runtime, and ours is \/opt\/ctk\/nvidia-container-runtime: .*--runtime-name .*--runtime-dir \/usr\/local\/nvidia\/toolkit.*remove the other install/.test(
          e.message,
        ),
    );
  });
  test('a runtime the last rendered config has from the base (not the tail) counts as the base', () => {
    assert.throws(
      () =>
        plan({
          runtimes: runtimeSet({ name: 'gpu', setAsDefault: false, dir: '/opt/ctk' }),
          renderedText: rendered('', { gpu: '/usr/bin/other' }),
        }),
      /k3s defines the runtime gpu itself with \/usr\/bin\/other, and ours is \/opt\/ctk\/nvidia-container-runtime/,
    );
  });
  test('a runtime already in the tail (an earlier setup, or the user) stays the tail’s', () => {
    const tail = parseToml(`${CRI}.containerd.runtimes.nvidia]\n  runtime_type = "x"\n`, FILE).value;
    const d = plan({ tail, renderedText: rendered('', { nvidia: 'x' }) });
    assert.deepEqual(
      d.runtimes.map((r) => r.name),
      ['nvidia', 'nvidia-legacy'],
    );
  });
  test('--set-as-default: refused (the base defines the containerd table) unless k3s already sets it', () => {
    assert.throws(
      () => plan({ setAsDefault: true }),
      (e: Error) =>
        e instanceof UsageError &&
        /--set-as-default needs default_runtime_name in \[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\].*default-runtime: nvidia in \/etc\/rancher\/k3s\/config\.yaml/.test(
          e.message,
        ),
    );
    const text = rendered().replace('  snapshotter', '  default_runtime_name = "nvidia"\n  snapshotter');
    const d = plan({ setAsDefault: true, renderedText: text });
    assert.ok(
      d.runtimes.every((r) => !r.isDefault),
      'the tail never gets default_runtime_name',
    );
    assert.match(d.notes.join('\n'), /k3s already makes nvidia the default runtime/);
  });
  test('CDI: refused (the base defines the CRI table) unless the rendered config already enables it', () => {
    assert.throws(
      () => plan({ enableCdi: true }),
      (e: Error) =>
        e instanceof UsageError &&
        /CDI needs enable_cdi in \[plugins\."io\.containerd\.grpc\.v1\.cri"\].*--enable-cdi-in-runtime=false/.test(
          e.message,
        ),
    );
    const d = plan({ enableCdi: true, renderedText: rendered('  enable_cdi = true') });
    assert.equal(d.enableCdi, false);
    assert.match(d.notes.join('\n'), /already has enable_cdi = true/);
  });
  test('no rendered config yet: the tables every k3s base defines still count', () => {
    assert.throws(() => plan({ rendered: null, setAsDefault: true }), /--set-as-default needs/);
    assert.throws(() => plan({ rendered: null, enableCdi: true }), /CDI needs enable_cdi/);
    assert.deepEqual(
      plan({ rendered: null }).runtimes.map((r) => r.name),
      ['nvidia-legacy'],
    );
  });
});
