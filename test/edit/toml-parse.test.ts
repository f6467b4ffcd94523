import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyToml,
  cloneToml,
  parseToml,
  planToml,
  stringifyToml,
  TomlDate,
  type TomlTable,
  type TomlValue,
} from '../../src/edit/toml';
import { valueEquals } from '../../src/edit/value';
import { BugError, ConfigError } from '../../src/errors';
import { BOM, CRLF, ODD, tableAt, V2 } from './toml-fixtures';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('parseToml', () => {
  it('reports a syntax error as file:line:col (1-based) on one line', () => {
    const err = configError(() => parseToml('a = 1\n[b]\nc = "open\n', '/etc/containerd/config.toml'));
    assert.equal(err.line, 3);
    assert.equal(err.column, 10);
    assert.match(err.message, /^\/etc\/containerd\/config\.toml:3:10: \S/);
    assert.doesNotMatch(err.message, /\n/);
  });

  it('rejects duplicate keys and duplicate tables, naming the second', () => {
    assert.equal(configError(() => parseToml('a = 1\na = 2\n', 'x.toml')).line, 2);
    const err = configError(() => parseToml('[t]\nk = 1\n\n[t]\n', 'x.toml'));
    assert.equal(err.line, 4);
    assert.match(err.message, /^x\.toml:4:\d+: /);
  });

  it('rejects what TOML 1.0 rejects even where the position scanner would not notice', () => {
    // The scanner assumes valid TOML; smol-toml rejects dotted keys into a table created by a header.
    const err = configError(() => parseToml('[a.b.c]\n[a]\nb.d = 1\n', 'x.toml'));
    assert.match(err.message, /^x\.toml:\d+:\d+: /);
  });

  it('rejects TOML 1.1 syntax (containerd reads 1.0)', () => {
    configError(() => parseToml('a = { b = 1, }\n', 'x.toml'));
  });

  it('detects the line break and keeps a BOM out of the value', () => {
    assert.equal(parseToml(V2, 'a').eol, '\n');
    assert.equal(parseToml(CRLF, 'a').eol, '\r\n');
    assert.equal(parseToml('', 'a').eol, '\n');
    const doc = parseToml(BOM, 'a');
    assert.equal(doc.text, BOM);
    assert.equal(doc.value.version, 3);
  });

  it('gives numbers, big integers, floats, dates and key order as documented', () => {
    const doc = parseToml(
      'z = 1\nbig = 9223372036854775807\nf = 1.0\nd = 1979-05-27\n[t]\nb = 1\na = 2\n',
      'a',
    );
    assert.deepEqual(Object.keys(doc.value), ['z', 'big', 'f', 'd', 't']);
    assert.deepEqual(Object.keys(tableAt(doc.value, 't')), ['b', 'a']);
    assert.equal(doc.value.big, 9223372036854775807n);
    assert.equal(doc.value.f, 1);
    assert.ok(doc.value.d instanceof TomlDate);
    assert.equal((doc.value.d as TomlDate).toISOString(), '1979-05-27');
  });

  it('freezes the document value so a target cannot alias it', () => {
    const doc = parseToml(V2, 'a');
    assert.throws(() => {
      tableAt(doc.value, 'grpc').address = 'x';
    }, TypeError);
    const copy = cloneToml(doc.value);
    tableAt(copy, 'grpc').address = 'x';
    assert.equal(tableAt(doc.value, 'grpc').address, '/run/containerd/containerd.sock');
  });
});

describe('valueEquals (TOML values)', () => {
  const d = (s: string) => new TomlDate(s);
  const equal: [TomlValue, TomlValue][] = [
    [1, 1n],
    [Number.NaN, Number.NaN],
    [
      { a: 1, b: [1, 'x'] },
      { b: [1, 'x'], a: 1 },
    ],
    [d('1979-05-27'), d('1979-05-27')],
    [[], []],
  ];
  const different: [TomlValue, TomlValue][] = [
    [1, 2n],
    [1.5, 1n],
    ['1', 1],
    [{ a: 1 }, { a: 1, b: 2 }],
    [
      [1, 2],
      [2, 1],
    ],
    [{}, []],
    [d('1979-05-27'), d('1979-05-28')],
    [true, 1],
  ];
  for (const [a, b] of equal) it(`${String(a)} equals ${String(b)}`, () => assert.ok(valueEquals(a, b)));
  for (const [a, b] of different) {
    it(`${JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))} differs`, () => {
      assert.ok(!valueEquals(a, b));
      assert.ok(!valueEquals(b, a));
    });
  }
});

describe('stringifyToml', () => {
  it('writes root keys, then one header per table with keys of its own', () => {
    const value: TomlTable = {
      version: 2,
      plugins: {
        'io.containerd.grpc.v1.cri': { containerd: { runtimes: { nvidia: { runtime_type: 'x' } } } },
      },
      imports: ['/etc/containerd/conf.d/*.toml'],
    };
    const text = stringifyToml(value);
    assert.equal(
      text,
      'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n\n' +
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]\nruntime_type = "x"\n',
    );
    assert.ok(valueEquals(parseToml(text, 'new').value, value));
  });

  it('writes an empty file for an empty table', () => {
    assert.equal(stringifyToml({}), '');
  });
});

describe('safety and refusals', () => {
  it('refuses edits inside an array of tables with the header position', () => {
    const doc = parseToml(ODD, 'odd.toml');
    const target = cloneToml(doc.value);
    const list = (tableAt(target, 'proxy_plugins').list as TomlTable[])[0] as TomlTable;
    list.name = 'changed';
    const err = configError(() => planToml(doc, target));
    assert.match(err.message, /^odd\.toml:12:1: editing arrays of tables is not supported/);
  });

  it('throws BugError, never bad text, for a value TOML cannot hold', () => {
    const doc = parseToml('a = 1\n', 'a');
    const target = { ...cloneToml(doc.value), b: null } as unknown as TomlTable;
    assert.throws(() => applyToml(doc, target), BugError);
  });

  it('plans nothing when the target equals the document, whatever the number style', () => {
    const doc = parseToml('f = 1.0\nh = 0xff\nbig = 9007199254740993\n', 'a');
    assert.deepEqual(planToml(doc, { f: 1, h: 255, big: 9007199254740993n }), []);
    assert.equal(applyToml(doc, cloneToml(doc.value)), doc.text);
  });
});

describe('parse errors say what was expected (issue 10 item 12)', () => {
  const at = (text: string) => configError(() => parseToml(text, 'c.toml')).message;

  it('an unclosed table header: `]` is missing at the end of the header, at that line:column', () => {
    assert.equal(
      at('version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd\n  x = 1\n'),
      'c.toml:2:48: expected `]` at the end of the table header `[plugins."io.containerd.grpc.v1.cri".containerd`',
    );
    assert.equal(at('[a.b'), 'c.toml:1:5: expected `]` at the end of the table header `[a.b`');
    // A `]` or `#` inside a quoted key is not the end; a comment after the header is not part of it.
    assert.equal(
      at('[plugins."a]#b".c  # note\n'),
      'c.toml:1:18: expected `]` at the end of the table header `[plugins."a]#b".c`',
    );
    assert.equal(at('\r\n[t\r\n'), 'c.toml:2:3: expected `]` at the end of the table header `[t`');
  });

  it('an array-of-tables header closed with one bracket, or none', () => {
    assert.match(
      at('[[a.b]\nx = 1\n'),
      /^c\.toml:1:6: expected `]]` at the end of the array-of-tables header/,
    );
    assert.match(
      at('[[a.b\nx = 1\n'),
      /^c\.toml:1:6: expected `]]` at the end of the array-of-tables header/,
    );
  });

  it('the other hand-made mistakes name what belongs there', () => {
    assert.match(at('[a] x\n'), /^c\.toml:1:5: expected the end of the line .* after the table header$/);
    assert.match(at('[]\n'), /^c\.toml:1:2: expected a key name in the table header/);
    assert.match(at('a 1\n'), /^c\.toml:1:3: expected `=` after the key/);
    assert.match(at('a =\n'), /^c\.toml:1:4: expected a value: /);
    assert.match(at('a = "abc\n'), /^c\.toml:1:9: the string is not closed on its line/);
    assert.match(at('a = """abc\n'), /^c\.toml:1:5: the multi-line string is never closed/);
    assert.match(at('a = [1, 2\nb = 3\n'), /^c\.toml:2:1: expected `,` or the closing `\]` or `\}`/);
    assert.match(at('a = 1 b\n'), /^c\.toml:1:7: expected the end of the line .* after the value$/);
  });
});
