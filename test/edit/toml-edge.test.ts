import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyToml, cloneToml, parseToml, planToml, type TomlTable } from '../../src/edit/toml';
import { valueEquals } from '../../src/edit/value';
import { NVIDIA, ODD, tableAt, V2, V3 } from './toml-fixtures';
import { currentScan, legacyScan } from './toml-legacy-scan';

function apply(input: string, mutate: (t: TomlTable) => void): { out: string; target: TomlTable } {
  const doc = parseToml(input, 'edge.toml');
  const target = cloneToml(doc.value);
  mutate(target);
  const out = applyToml(doc, target);
  assert.ok(valueEquals(parseToml(out, 'edge.toml').value, target));
  assert.deepEqual(currentScan(input), legacyScan(input), 'the scanner agrees with toml-eslint-parser');
  assert.deepEqual(currentScan(out), legacyScan(out), 'also on the edited text');
  assert.deepEqual(planToml(parseToml(out, 'edge.toml'), target), []);
  return { out, target };
}

/** Adds, checks the result, then plans back to the original value: must be the original bytes. */
function roundTrip(input: string, mutate: (t: TomlTable) => void): string {
  const { out } = apply(input, mutate);
  assert.equal(applyToml(parseToml(out, 'edge.toml'), parseToml(input, 'edge.toml').value), input);
  return out;
}

const CRI = 'io.containerd.grpc.v1.cri';

describe('file edges round-trip byte for byte', () => {
  const inputs = [
    '',
    '\n',
    '\n\n',
    '  ',
    '# c',
    '# c\n',
    '\uFEFF',
    '\uFEFF\n',
    '\uFEFF# c',
    'a = 1',
    'a = 1\r\n',
  ];
  for (const input of inputs) {
    it(`${JSON.stringify(input)}: root key and table added, then removed`, () => {
      roundTrip(input, (t) => {
        t.version = 2;
        t.plugins = { x: { y: 'z' } };
      });
    });
  }

  it('a new table at the end follows the trailing comment of the last table', () => {
    const out = roundTrip(V2, (t) => {
      t.ttrpc = { address: '' };
    });
    assert.ok(out.endsWith('# end of file\n\n[ttrpc]\n  address = ""\n'));
  });

  it('removing the last table of a file without a final newline keeps it without one', () => {
    const input = 'a = 1\n\n[t]\nx = 1\n\n[u]\ny = 2';
    assert.equal(apply(input, (t) => delete t.u).out, 'a = 1\n\n[t]\nx = 1');
  });
});

describe('headers that exist only to hold keys', () => {
  it('an empty header in the usual place stays when the key added to it goes', () => {
    const input = '[plugins]\n\n  [plugins.cri]\n    x = 1\n';
    const out = roundTrip(input, (t) => {
      tableAt(t, 'plugins').note = 'n';
    });
    assert.equal(out, '[plugins]\n  note = "n"\n\n  [plugins.cri]\n    x = 1\n');
  });

  it('a header written after its sub-tables goes when its last key goes', () => {
    const input = '[a.b]\nx = 1\n\n[a]\ny = 2\n';
    assert.equal(apply(input, (t) => delete tableAt(t, 'a').y).out, '[a.b]\nx = 1\n');
  });

  it('a header whose keys all go stays when nothing else implies the table', () => {
    assert.equal(apply('[a]\ny = 2\n', (t) => delete tableAt(t, 'a').y).out, '[a]\n');
  });
});

describe('shape changes stay valid and exact in value', () => {
  it('a table becomes a scalar and a scalar becomes a table', () => {
    const { out } = apply(V2, (t) => {
      tableAt(t, 'plugins', CRI).cni = 'none';
      t.root = { path: '/var/lib/containerd' };
    });
    assert.match(out, /^root = \{ path = "\/var\/lib\/containerd" \}$/m);
    assert.match(out, /^ {4}cni = "none"$/m);
  });

  it('emptying a dotted table or an implied table keeps it, empty', () => {
    apply(ODD, (t) => {
      const reg = tableAt(t, 'plugins', CRI, 'registry');
      for (const k of Object.keys(reg)) delete reg[k];
    });
    apply(V3, (t) => {
      const rt = tableAt(t, 'plugins', 'io.containerd.cri.v1.runtime');
      for (const k of Object.keys(rt)) delete rt[k];
    });
  });

  it('one runtime replaced by another in one plan', () => {
    const { out } = apply(V2, (t) => {
      const rts = tableAt(t, 'plugins', CRI, 'containerd', 'runtimes');
      delete rts.runc;
      rts.nvidia = cloneToml(NVIDIA);
    });
    assert.doesNotMatch(out, /runc\]|the stock runtime/);
    assert.match(out, /^ {8}\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.nvidia\]$/m);
  });

  it('a key added where the last key is removed in the same plan', () => {
    const { out } = apply('[t]\n  a = 1\n  b = 2\n\n[u]\n', (t) => {
      const tt = tableAt(t, 't');
      delete tt.b;
      tt.c = 3;
    });
    assert.equal(out, '[t]\n  a = 1\n  c = 3\n\n[u]\n');
  });

  it('comments separated from a removed header by a blank line stay', () => {
    const input = '[a]\nx = 1\n\n# about the file\n\n# about b\n[b]\ny = 2\n';
    assert.equal(apply(input, (t) => delete t.b).out, '[a]\nx = 1\n\n# about the file\n');
  });

  it('a new sub-table of a table without siblings reuses the parent header quoting', () => {
    const out = roundTrip(V3, (t) => {
      tableAt(t, 'plugins', 'io.containerd.cri.v1.images').registry = {
        config_path: '/etc/containerd/certs.d',
      };
    });
    assert.match(out, /^\[plugins\.'io\.containerd\.cri\.v1\.images'\.registry\]\n {2}config_path = /m);
  });

  it('keys with dots, quotes and spaces are quoted in new headers and keys', () => {
    const out = roundTrip(V3, (t) => {
      tableAt(t, 'plugins', 'io.containerd.cri.v1.runtime', 'containerd', 'runtimes')['my "rt".v1'] = {
        'a key': 1,
      };
    });
    assert.match(out, /\.runtimes\."my \\"rt\\"\.v1"\]\n {2}"a key" = 1\n$/);
  });
});

describe('positions the old position parser got wrong or never saw', () => {
  it('a value 0 that ends the file is replaced, not inserted before', () => {
    // toml-eslint-parser 1.0.3 gave this value an empty range.
    assert.equal(apply('a = 0', (t) => (t.a = 5)).out, 'a = 5');
    assert.equal(apply('[t]\nb = 0', (t) => (tableAt(t, 't').b = 10)).out, '[t]\nb = 10');
  });

  it('comma-first arrays stay valid when entries come and go', () => {
    const input = 'x = [\n    "a"\n  , "b"\n  , "c"\n]\n';
    assert.equal(apply(input, (t) => (t.x as string[]).splice(1, 1)).out, 'x = [\n    "a"\n  , \n  "c"\n]\n');
    roundTrip(input, (t) => (t.x as string[]).push('d'));
  });
});
