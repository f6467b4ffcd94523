import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyToml, cloneToml, parseToml, planToml, type TomlTable } from '../../src/edit/toml';
import {
  BOM,
  COMMENTS_ONLY,
  CRIO,
  CRLF,
  NO_FINAL_NEWLINE,
  NVIDIA,
  ODD,
  ROOT_ONLY,
  tableAt,
  V1,
  V2,
  V3,
} from './toml-fixtures';
import { currentScan, legacyScan } from './toml-legacy-scan';

/** Replaces the single occurrence of `from` (fails loudly if it is missing or repeated). */
function sub(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  assert.ok(at !== -1 && text.indexOf(from, at + 1) === -1, `expected exactly one ${JSON.stringify(from)}`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

interface Case {
  readonly name: string;
  readonly input: string;
  readonly mutate: (t: TomlTable) => void;
  readonly expected: (input: string) => string;
  /** Only keys/tables were added: planning back to the original value must give the original bytes. */
  readonly additive?: boolean;
}

const CRI = 'io.containerd.grpc.v1.cri';
const V3RT = 'io.containerd.cri.v1.runtime';
const runtimes = (t: TomlTable) => tableAt(t, 'plugins', CRI, 'containerd', 'runtimes');

const V2_NVIDIA = `
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]
          runtime_type = "io.containerd.runc.v2"

          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]
            BinaryName = "/usr/bin/nvidia-container-runtime"
`;

const cases: Case[] = [
  // Rule 1: a changed value is replaced in place, in the style it had.
  {
    name: 'rule 1: basic string replaced, trailing comment kept',
    input: V2,
    mutate: (t) => {
      tableAt(t, 'plugins', CRI, 'containerd').default_runtime_name = 'nvidia';
    },
    expected: (s) =>
      sub(s, 'default_runtime_name = "runc" # change', 'default_runtime_name = "nvidia" # change'),
  },
  {
    name: 'rule 1: literal string stays literal; one it cannot hold becomes basic',
    input: V3,
    mutate: (t) => {
      tableAt(t, 'plugins', V3RT, 'containerd').default_runtime_name = 'nvidia';
      t.root = "/var/lib/it's";
    },
    expected: (s) =>
      sub(
        sub(s, "default_runtime_name = 'runc'", "default_runtime_name = 'nvidia'"),
        "root = '/var/lib/containerd'",
        `root = "/var/lib/it's"`,
      ),
  },
  {
    name: 'rule 1: multi-line strings stay multi-line only when trivial',
    input: `a = """\none"""\nb = '''two'''\nc = """x"""\n`,
    mutate: (t) => {
      t.a = 'uno';
      t.b = 'dos\ntres';
      t.c = 'say "hi"';
    },
    expected: () => `a = """uno"""\nb = '''dos\ntres'''\nc = "say \\"hi\\""\n`,
  },
  {
    name: 'rule 1: numbers canonical, a float stays a float, booleans',
    input: V2,
    mutate: (t) => {
      const gc = tableAt(t, 'plugins', 'io.containerd.gc.v1.scheduler');
      gc.pause_threshold = 1;
      gc.deletion_threshold = 5;
      tableAt(t, 'plugins', CRI, 'containerd').disable_snapshot_annotations = false;
      t.oom_score = 9007199254740993n;
    },
    expected: (s) =>
      sub(
        sub(
          sub(sub(s, 'pause_threshold = 0.02', 'pause_threshold = 1.0'), '= 0x0', '= 5'),
          'disable_snapshot_annotations = true',
          'disable_snapshot_annotations = false',
        ),
        'oom_score = -999 #',
        'oom_score = 9007199254740993 #',
      ),
  },
  {
    name: 'rule 1: a changed multi-line array is rendered inline; its key line stays',
    input: V2,
    mutate: (t) => {
      tableAt(t, 'plugins', CRI, 'containerd', 'runtimes', 'runc').pod_annotations = ['a', 'b'];
    },
    expected: (s) => sub(s, '[\n            "io.kubernetes.cri.*", # all of them\n          ]', '["a", "b"]'),
  },
  // Rule 2: removal takes whole lines.
  {
    name: 'rule 2: a removed key loses its line and trailing comment, nothing else',
    input: V2,
    mutate: (t) => {
      delete tableAt(t, 'plugins', CRI, 'containerd').default_runtime_name;
      delete t.oom_score;
    },
    expected: (s) =>
      sub(
        sub(s, '      default_runtime_name = "runc" # change with care\n', ''),
        'oom_score = -999 # keep the daemon alive\n',
        '',
      ),
  },
  {
    name: 'rule 2: a removed multi-line array loses all its lines',
    input: V2,
    mutate: (t) => {
      delete tableAt(t, 'plugins', CRI, 'containerd', 'runtimes', 'runc').pod_annotations;
    },
    expected: (s) =>
      sub(
        s,
        '          pod_annotations = [\n            "io.kubernetes.cri.*", # all of them\n          ]\n',
        '',
      ),
  },
  {
    name: 'rule 2: a removed table takes its subtree, the comments above it and one blank line',
    input: V2,
    mutate: (t) => {
      delete runtimes(t).runc;
      delete tableAt(t, 'plugins', CRI).cni;
    },
    expected: (s) => {
      const runc = s.slice(
        s.indexOf('\n        # the stock runtime'),
        s.indexOf('\n    [plugins."io.containerd.grpc.v1.cri".registry]'),
      );
      const cni = s.slice(
        s.indexOf('\n    # CNI settings'),
        s.indexOf('\n    [plugins."io.containerd.grpc.v1.cri".containerd]'),
      );
      return sub(sub(s, runc, ''), cni, '');
    },
  },
  {
    name: 'rule 2: removing a table whose sub-tables come first removes those too',
    input: ODD,
    mutate: (t) => {
      delete tableAt(t, 'plugins', CRI).containerd;
    },
    expected: (s) => s.slice(s.indexOf('[plugins."io.containerd.grpc.v1.cri"]\n')),
  },
  {
    name: 'rule 2: removing the last line of a file without a final newline keeps it without one',
    input: 'a = 1\nb = 2',
    mutate: (t) => {
      delete t.b;
    },
    expected: () => 'a = 1',
  },
  // Rule 3: additions.
  {
    name: 'rule 3: v2 runtime table after the subtree, indented like its sibling, quoting reused',
    input: V2,
    mutate: (t) => {
      runtimes(t).nvidia = cloneToml(NVIDIA);
    },
    expected: (s) =>
      sub(s, '            SystemdCgroup = true\n', `            SystemdCgroup = true\n${V2_NVIDIA}`),
    additive: true,
  },
  {
    name: 'rule 3: v3 keeps single-quoted plugin ids',
    input: V3,
    mutate: (t) => {
      tableAt(t, 'plugins', V3RT, 'containerd', 'runtimes').nvidia = cloneToml(NVIDIA);
    },
    expected: (s) =>
      `${s}
[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.nvidia]
  runtime_type = "io.containerd.runc.v2"

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.nvidia.options]
  BinaryName = "/usr/bin/nvidia-container-runtime"
`,
    additive: true,
  },
  {
    name: 'rule 3: v1 legacy plugin names; nested tables indented by the file step',
    input: V1,
    mutate: (t) => {
      tableAt(t, 'plugins', 'cri', 'containerd', 'runtimes').nvidia = cloneToml(NVIDIA);
    },
    expected: (s) =>
      `${s}
      [plugins.cri.containerd.runtimes.nvidia]
        runtime_type = "io.containerd.runc.v2"

        [plugins.cri.containerd.runtimes.nvidia.options]
          BinaryName = "/usr/bin/nvidia-container-runtime"
`,
    additive: true,
  },
  {
    name: 'rule 3: a key goes after the last key-value, with its indentation',
    input: V2,
    mutate: (t) => {
      tableAt(t, 'plugins', CRI).enable_cdi = true;
      tableAt(t, 'plugins', CRI, 'containerd', 'runtimes', 'runc').privileged_without_host_devices = false;
    },
    expected: (s) =>
      sub(
        sub(s, 'max_concurrent_downloads = 3\n', 'max_concurrent_downloads = 3\n    enable_cdi = true\n'),
        '          ]\n',
        '          ]\n          privileged_without_host_devices = false\n',
      ),
    additive: true,
  },
  {
    name: 'rule 3: a key in a table without keys goes under the header, one step in',
    input: V2,
    mutate: (t) => {
      tableAt(t, 'plugins').note = 'x';
    },
    expected: (s) => sub(s, '[plugins]\n', '[plugins]\n  note = "x"\n'),
    additive: true,
  },
  {
    name: 'rule 3: a missing parent gets no header of its own; indentation counts every level',
    input: V2,
    mutate: (t) => {
      tableAt(t, 'plugins').nri = { v1: { nri: { disable: false } } };
    },
    expected: (s) =>
      sub(
        s,
        '    deletion_threshold = 0x0\n',
        '    deletion_threshold = 0x0\n\n      [plugins.nri.v1.nri]\n        disable = false\n',
      ),
    additive: true,
  },
  {
    name: 'rule 3: root tables are appended; empty tables get their header alone',
    input: V2,
    mutate: (t) => {
      t.cgroup = {};
      t.debug = { level: 'info' };
    },
    expected: (s) => `${s}\n[cgroup]\n\n[debug]\n  level = "info"\n`,
    additive: true,
  },
  {
    name: 'rule 3: a key for a table implied only by sub-tables gets a header after them',
    input: V3,
    mutate: (t) => {
      tableAt(t, 'plugins', V3RT).enable_cdi = true;
    },
    expected: (s) => `${s}\n[plugins.'io.containerd.cri.v1.runtime']\n  enable_cdi = true\n`,
    additive: true,
  },
  {
    name: 'rule 3: cri-o runtime after the commented defaults of its sibling',
    input: CRIO,
    mutate: (t) => {
      tableAt(t, 'crio', 'runtime', 'runtimes').nvidia = {
        runtime_path: '/usr/bin/nvidia-container-runtime',
        runtime_type: 'oci',
      };
    },
    expected: (s) =>
      sub(
        s,
        '# allowed_annotations = []\n',
        '# allowed_annotations = []\n\n[crio.runtime.runtimes.nvidia]\nruntime_path = "/usr/bin/nvidia-container-runtime"\nruntime_type = "oci"\n',
      ),
    additive: true,
  },
  // Rule 4: dotted keys.
  {
    name: 'rule 4: keys of a dotted table are added as dotted keys next to the others',
    input: ODD,
    mutate: (t) => {
      const reg = tableAt(t, 'plugins', CRI, 'registry');
      reg.mirrors = { 'docker.io': { endpoint: ['https://m'] } };
      tableAt(reg, 'headers').Y = 'z';
    },
    expected: (s) =>
      sub(
        s,
        '  registry.headers.X-Meta = ["a"]\n',
        '  registry.headers.X-Meta = ["a"]\n  registry.headers.Y = "z"\n  registry.mirrors."docker.io".endpoint = ["https://m"]\n',
      ),
    additive: true,
  },
  {
    name: 'rule 4: removing a dotted table removes its lines',
    input: ODD,
    mutate: (t) => {
      delete tableAt(t, 'plugins', CRI).registry;
    },
    expected: (s) =>
      sub(s, '  registry.config_path = "/etc/containerd/certs.d"\n  registry.headers.X-Meta = ["a"]\n', ''),
  },
  // Rule 5: inline tables.
  {
    name: 'rule 5: a key added to an inline table extends only that value',
    input: ODD,
    mutate: (t) => {
      tableAt(t, 'plugins', CRI, 'cni').max_conf_num = 1;
    },
    expected: (s) =>
      sub(s, 'conf_dir = "/etc/cni/net.d" }', 'conf_dir = "/etc/cni/net.d", max_conf_num = 1 }'),
    additive: true,
  },
  {
    name: 'rule 5: removing and changing inside an inline table',
    input: 'a = {x=1,y="q",z={w=2}} # note\n',
    mutate: (t) => {
      const a = tableAt(t, 'a');
      delete a.x;
      a.y = 'r';
      tableAt(a, 'z').w = 3;
    },
    expected: () => 'a = {y="r",z={w=3}} # note\n',
  },
  {
    name: 'rule 5: an inline table with dotted keys is re-rendered whole',
    input: 'a = { b.c = 1 }\n',
    mutate: (t) => {
      tableAt(t, 'a', 'b').d = 2;
    },
    expected: () => 'a = { b = { c = 1, d = 2 } }\n',
  },
  // Arrays: entries appended or removed keep the array's layout and the comments on other entries.
  {
    name: 'arrays: an entry appended to a multi-line array with trailing commas gets its own line',
    input: 'imports = [\n  "/etc/containerd/site.d/*.toml", # site overrides\n]\nversion = 2\n',
    mutate: (t) => {
      (t.imports as string[]).push('/etc/containerd/conf.d/99-nvidia.toml');
    },
    expected: (s) => sub(s, 'overrides\n', 'overrides\n  "/etc/containerd/conf.d/99-nvidia.toml",\n'),
    additive: true,
  },
  {
    name: 'arrays: without a trailing comma, the comma goes after the old last entry (before its comment)',
    input: 'x = [\n    "a",\n    "b" # bee\n]\n',
    mutate: (t) => {
      (t.x as string[]).push('c', 'd');
    },
    expected: () => 'x = [\n    "a",\n    "b", # bee\n    "c",\n    "d"\n]\n',
    additive: true,
  },
  {
    name: "arrays: entries sharing a line: the new line takes that line's indentation",
    input: '[t]\n  mixed = [\n    "p", "q", # two\n    "r", # last\n  ]\n',
    mutate: (t) => {
      (tableAt(t, 't').mixed as string[]).push('s');
    },
    expected: (s) => sub(s, '"r", # last\n', '"r", # last\n    "s",\n'),
    additive: true,
  },
  {
    name: 'arrays: single-line arrays get `, x` after the last entry, trailing comma kept; [] gets ["x"]',
    input: 'a = ["x", "y"] # c\nb = [ 1, 2, ]\nc = []\nd = [\n]\n',
    mutate: (t) => {
      (t.a as string[]).push('z');
      (t.b as number[]).push(3);
      (t.c as string[]).push('x', 'y');
      (t.d as number[]).push(1);
    },
    expected: () => 'a = ["x", "y", "z"] # c\nb = [ 1, 2, 3, ]\nc = ["x", "y"]\nd = [1\n]\n',
    additive: true,
  },
  {
    name: "arrays: a closing bracket on the last entry's line means single-line style",
    input: 'a = [\n  "x",\n  "y"]\n',
    mutate: (t) => {
      (t.a as string[]).push('z');
    },
    expected: () => 'a = [\n  "x",\n  "y", "z"]\n',
    additive: true,
  },
  {
    name: 'arrays: CRLF files get CRLF on the new entry line; arrays inside inline tables too',
    input: 'a = [\r\n  1,\r\n]\r\nb = { list = ["x"], n = 1 }\r\n',
    mutate: (t) => {
      (t.a as number[]).push(2);
      (tableAt(t, 'b').list as string[]).push('y');
    },
    expected: () => 'a = [\r\n  1,\r\n  2,\r\n]\r\nb = { list = ["x", "y"], n = 1 }\r\n',
    additive: true,
  },
  {
    name: 'arrays: nested arrays and inline tables are appended as inline values',
    input: 'a = [\n  [1, 2],\n  { k = "v" },\n]\n',
    mutate: (t) => {
      (t.a as unknown[]).push([3], { k: 'w' });
    },
    expected: (s) => sub(s, '{ k = "v" },\n', '{ k = "v" },\n  [3],\n  { k = "w" },\n'),
    additive: true,
  },
  {
    name: 'arrays: a removed entry on its own line loses that line and its comment; others keep theirs',
    input: 'imports = [\n  "/a.toml", # a\n  # about b\n  "/b.toml", # b\n  "/c.toml", # c\n]\n',
    mutate: (t) => {
      (t.imports as string[]).splice(1, 1);
    },
    expected: (s) => sub(s, '  "/b.toml", # b\n', ''),
  },
  {
    name: 'arrays: removing the last entry of a list without trailing comma takes the comma before it',
    input: 'x = [\n  "a", # first\n  "b",\n  "c"\n]\n',
    mutate: (t) => {
      (t.x as string[]).splice(1, 2);
    },
    expected: () => 'x = [\n  "a" # first\n]\n',
  },
  {
    name: 'arrays: single-line removals take one separator; removing everything leaves []',
    input: 'a = [1, 2, 3, 4] # c\nb = ["x", "y", ]\nc = [ "only" ]\nd = ["p", "q"]\n',
    mutate: (t) => {
      t.a = [2, 4];
      t.b = ['x'];
      t.c = [];
      t.d = ['q'];
    },
    expected: () => 'a = [2, 4] # c\nb = ["x", ]\nc = [  ]\nd = ["q"]\n',
  },
  {
    name: 'arrays: entries sharing a line are removed with their separator, the line stays',
    input: 'a = [\n  "p", "q", # two\n  "r",\n]\n',
    mutate: (t) => {
      (t.a as string[]).splice(1, 1);
    },
    expected: () => 'a = [\n  "p", # two\n  "r",\n]\n',
  },
  {
    name: 'arrays: a reordered array is re-rendered (only appends and removals keep the layout)',
    input: 'a = [\n  1, # one\n  2,\n]\n',
    mutate: (t) => {
      t.a = [2, 1];
    },
    expected: () => 'a = [2, 1]\n',
  },
  // Rule 6: arrays of tables are left alone, or removed whole.
  {
    name: 'rule 6: arrays of tables stay untouched by other edits and can be removed whole',
    input: ODD,
    mutate: (t) => {
      delete t.proxy_plugins;
      tableAt(t, 'plugins', CRI).enable_cdi = true;
    },
    expected: (s) =>
      sub(
        sub(s, '\n[[proxy_plugins.list]]\n  name = "a"\n\n[[proxy_plugins.list]]\n  name = "b"\n', ''),
        'conf_dir = "/etc/cni/net.d" }\n',
        'conf_dir = "/etc/cni/net.d" }\n  enable_cdi = true\n',
      ),
  },
  // Rule 7: line breaks and file edges.
  {
    name: 'rule 7: CRLF files get CRLF in every new line',
    input: CRLF,
    mutate: (t) => {
      tableAt(t, 'plugins', V3RT, 'containerd', 'runtimes').nvidia = cloneToml(NVIDIA);
      tableAt(t, 'plugins', V3RT, 'containerd').default_runtime_name = 'nvidia';
      t.state = '/run/containerd';
    },
    expected: (s) =>
      sub(
        sub(s, "default_runtime_name = 'runc'", "default_runtime_name = 'nvidia'"),
        "root = '/var/lib/containerd'\r\n",
        'root = \'/var/lib/containerd\'\r\nstate = "/run/containerd"\r\n',
      ) +
      '\r\n[plugins.\'io.containerd.cri.v1.runtime\'.containerd.runtimes.nvidia]\r\n  runtime_type = "io.containerd.runc.v2"\r\n' +
      '\r\n[plugins.\'io.containerd.cri.v1.runtime\'.containerd.runtimes.nvidia.options]\r\n  BinaryName = "/usr/bin/nvidia-container-runtime"\r\n',
  },
  {
    name: 'rule 7: a file without a final newline stays without one',
    input: NO_FINAL_NEWLINE,
    mutate: (t) => {
      tableAt(t, 'plugins', V3RT, 'containerd', 'runtimes', 'runc', 'options').BinaryName = 'runc';
      tableAt(t, 'plugins', V3RT, 'containerd', 'runtimes').nvidia = cloneToml(NVIDIA);
    },
    expected: (s) =>
      `${s}\n  BinaryName = "runc"\n\n[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.nvidia]\n  runtime_type = "io.containerd.runc.v2"\n\n[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.nvidia.options]\n  BinaryName = "/usr/bin/nvidia-container-runtime"`,
    additive: true,
  },
  {
    name: 'rule 7: root keys go after the last root key, tables at the end (file without tables)',
    input: ROOT_ONLY,
    mutate: (t) => {
      t.plugins = { [CRI]: { containerd: { runtimes: { nvidia: cloneToml(NVIDIA) } } } };
      t.state = '/run/containerd';
    },
    expected: (s) =>
      `${s.replace('root = "/var/lib/containerd"\n', 'root = "/var/lib/containerd"\nstate = "/run/containerd"\n')}\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]\nruntime_type = "io.containerd.runc.v2"\n\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]\nBinaryName = "/usr/bin/nvidia-container-runtime"\n`,
    additive: true,
  },
  {
    name: 'rule 7: a root key goes before the first table when there is no root key',
    input: '# header comment\n\n[grpc]\n  address = ""\n',
    mutate: (t) => {
      t.version = 2;
    },
    expected: () => '# header comment\nversion = 2\n\n[grpc]\n  address = ""\n',
    additive: true,
  },
  {
    name: 'rule 7: a comment-only file gets root keys and tables after its comments',
    input: COMMENTS_ONLY,
    mutate: (t) => {
      t.version = 2;
      t.grpc = { address: '/run/x.sock' };
    },
    expected: (s) => `${s}version = 2\n\n[grpc]\naddress = "/run/x.sock"\n`,
    additive: true,
  },
  {
    name: 'rule 7: an empty file',
    input: '',
    mutate: (t) => {
      t.version = 2;
      t.grpc = { address: '/run/x.sock' };
    },
    expected: () => 'version = 2\n\n[grpc]\naddress = "/run/x.sock"\n',
    additive: true,
  },
  {
    name: 'rule 7: a BOM is kept',
    input: BOM,
    mutate: (t) => {
      t.state = '/run/containerd';
      delete t.version;
    },
    expected: (s) =>
      sub(
        sub(s, 'version = 3\n', ''),
        "'/var/lib/containerd'\n",
        '\'/var/lib/containerd\'\nstate = "/run/containerd"\n',
      ),
  },
  // Rule 8: rendering of new text.
  {
    name: 'rule 8: keys quoted only when needed, strings escaped, arrays and inline tables',
    input: '[t]\n',
    mutate: (t) => {
      tableAt(t, 't')['a.b'] = 'tab\there "q" \\ \u0001';
      tableAt(t, 't').list = ['x', 1, true, { k: 1 }];
    },
    expected: () => '[t]\n"a.b" = "tab\\there \\"q\\" \\\\ \\u0001"\nlist = ["x", 1, true, { k = 1 }]\n',
    additive: true,
  },
];

describe('planToml / applyToml rules', () => {
  for (const c of cases) {
    it(c.name, () => {
      const doc = parseToml(c.input, 'config.toml');
      const target = cloneToml(doc.value);
      c.mutate(target);
      const out = applyToml(doc, target);
      assert.equal(out, c.expected(c.input));
      // The scanner finds what toml-eslint-parser found, in the input and in the edited text.
      assert.deepEqual(currentScan(c.input), legacyScan(c.input));
      assert.deepEqual(currentScan(out), legacyScan(out));
      const after = parseToml(out, 'config.toml');
      assert.deepEqual(planToml(after, target), [], 'a second identical apply changes nothing');
      if (c.additive)
        assert.equal(applyToml(after, doc.value), c.input, 'reverting gives the original bytes');
    });
  }
});
