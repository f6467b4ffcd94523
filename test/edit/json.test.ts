import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyEdits } from '../../src/edit/apply';
import {
  applyJson,
  isJsonObject,
  type JsonObject,
  parseJson,
  planJson,
  stringifyJson,
} from '../../src/edit/json';
import { valueEquals } from '../../src/edit/value';
import { BugError, ConfigError } from '../../src/errors';

const NV = '/usr/bin/nvidia-container-runtime';

/** What the docker engine asks for: the nvidia runtime, nvidia as default, CDI merged into `features`. */
function withNvidia(v: JsonObject): JsonObject {
  const runtimes = isJsonObject(v.runtimes) ? v.runtimes : {};
  const features = isJsonObject(v.features) ? v.features : {};
  return {
    ...v,
    runtimes: { ...runtimes, nvidia: { path: NV, args: [] } },
    'default-runtime': 'nvidia',
    features: { ...features, cdi: true },
  };
}

/** Adds, checks, adds again (no edits), removes, and returns the added text. */
function roundTrip(text: string): string {
  const doc = parseJson(text, 'daemon.json');
  const target = withNvidia(doc.value);
  const added = applyJson(doc, target);
  const after = parseJson(added, 'daemon.json');
  assert.ok(valueEquals(after.value, target));
  assert.deepEqual(planJson(after, target), [], 'adding twice must plan no edits');
  assert.equal(applyJson(after, doc.value), text, 'removing must restore the original bytes');
  return added;
}

const FIXTURES: Record<string, string> = {
  'four spaces, inline object': '{\n    "features": { "buildkit": true },\n    "log-level": "info"\n}\n',
  'tabs, inline array':
    '{\n\t"hosts": ["unix:///var/run/docker.sock", "tcp://127.0.0.1:2375"],\n\t"debug": true\n}\n',
  'two spaces, empty runtimes': '{\n  "runtimes": {},\n  "debug": true\n}\n',
  minified: '{"debug":true,"log-opts":{"max-size":"10m","max-file":"3"}}',
  'empty object': '{}',
  'empty object with newline': '{}\n',
  'no final newline': '{\n  "bip": "10.0.0.1/24"\n}',
  crlf: '{\r\n  "debug": true,\r\n  "features": {\r\n    "buildkit": false\r\n  }\r\n}\r\n',
  nested:
    '{\n  "runtimes": {\n    "runc": {\n      "path": "runc"\n    },\n    "crun": {\n      "path": "/usr/bin/crun",\n' +
    '      "args": ["--debug"]\n    }\n  },\n  "default-ulimits": {\n    "nofile": { "Name": "nofile", "Hard": 64000, "Soft": 64000 }\n  }\n}\n',
  unicode:
    '{\n  "data-root": "/dätä/🐳",\n  "läbel": "\\u00e9t\\u00E9 \\"q\\" \\\\ \\/",\n  "emoji-🐳": [""]\n}\n',
  'numbers kept as written': '{\n  "max": 12345678901234567890,\n  "f": 1.50,\n  "e": 1E3,\n  "n": -0\n}\n',
  'odd spacing': '{ "a" : 1 ,\n\n   "b":[ 1 ,2 ] }  \n\n',
};

describe('add then remove restores the original bytes', () => {
  for (const [name, text] of Object.entries(FIXTURES)) {
    test(name, () => {
      roundTrip(text);
    });
  }
});

describe('inserted text follows the file layout', () => {
  test('four spaces: CDI merged into the inline features object, new keys appended', () => {
    assert.equal(
      roundTrip(FIXTURES['four spaces, inline object']!),
      '{\n    "features": { "buildkit": true, "cdi": true },\n    "log-level": "info",\n    "runtimes": {\n' +
        `        "nvidia": {\n            "path": "${NV}",\n            "args": []\n        }\n    },\n` +
        '    "default-runtime": "nvidia"\n}\n',
    );
  });

  test('tabs: the inline array is untouched and new objects open on tab-indented lines', () => {
    assert.equal(
      roundTrip(FIXTURES['tabs, inline array']!),
      '{\n\t"hosts": ["unix:///var/run/docker.sock", "tcp://127.0.0.1:2375"],\n\t"debug": true,\n\t"runtimes": {\n' +
        `\t\t"nvidia": {\n\t\t\t"path": "${NV}",\n\t\t\t"args": []\n\t\t}\n\t},\n\t"default-runtime": "nvidia",\n` +
        '\t"features": {\n\t\t"cdi": true\n\t}\n}\n',
    );
  });

  test('two spaces: an empty "runtimes": {} is opened up in place', () => {
    assert.equal(
      roundTrip(FIXTURES['two spaces, empty runtimes']!),
      `{\n  "runtimes": {\n    "nvidia": {\n      "path": "${NV}",\n      "args": []\n    }\n  },\n  "debug": true,\n` +
        '  "default-runtime": "nvidia",\n  "features": {\n    "cdi": true\n  }\n}\n',
    );
  });

  test('minified stays minified, with its own tight spacing', () => {
    assert.equal(
      roundTrip(FIXTURES.minified!),
      '{"debug":true,"log-opts":{"max-size":"10m","max-file":"3"},' +
        `"runtimes":{"nvidia":{"path":"${NV}","args":[]}},"default-runtime":"nvidia","features":{"cdi":true}}`,
    );
  });

  test('a root {} opens with two spaces and keeps its missing final newline', () => {
    const expected =
      `{\n  "runtimes": {\n    "nvidia": {\n      "path": "${NV}",\n      "args": []\n    }\n  },\n` +
      '  "default-runtime": "nvidia",\n  "features": {\n    "cdi": true\n  }\n}';
    assert.equal(roundTrip('{}'), expected);
    assert.equal(roundTrip('{}\n'), `${expected}\n`);
  });

  test('CRLF files get CRLF line breaks only', () => {
    const out = roundTrip(FIXTURES.crlf!);
    assert.equal(out.replace(/\r\n/g, '').includes('\n'), false);
    assert.ok(out.includes('"features": {\r\n    "buildkit": false,\r\n    "cdi": true\r\n  }'));
  });

  test('numbers outside the change keep their spelling, big integers included', () => {
    const out = roundTrip(FIXTURES['numbers kept as written']!);
    assert.ok(out.startsWith('{\n  "max": 12345678901234567890,\n  "f": 1.50,\n  "e": 1E3,\n  "n": -0,\n'));
  });
});

describe('in-place changes and removals', () => {
  test('a changed value is replaced in place and nothing else moves', () => {
    const doc = parseJson('{\n  "default-runtime": "runc",\n  "debug": true\n}\n', 'd.json');
    const edits = planJson(doc, { ...doc.value, 'default-runtime': 'nvidia' });
    assert.deepEqual(edits, [{ offset: 24, length: 4, content: 'nvidia' }]);
    assert.equal(applyEdits(doc.text, edits), '{\n  "default-runtime": "nvidia",\n  "debug": true\n}\n');
  });

  test('an old nvidia entry is rewritten key by key (runtimeArgs dropped, args added)', () => {
    const text = `{\n  "runtimes": {\n    "nvidia": {\n      "path": "${NV}",\n      "runtimeArgs": []\n    }\n  }\n}\n`;
    const out = applyJson(parseJson(text, 'd.json'), { runtimes: { nvidia: { path: NV, args: [] } } });
    assert.equal(
      out,
      `{\n  "runtimes": {\n    "nvidia": {\n      "path": "${NV}",\n      "args": []\n    }\n  }\n}\n`,
    );
  });

  test('removing the first of several members keeps the next one on its own line', () => {
    const doc = parseJson('{\n  "a": 1,\n  "b": 2\n}\n', 'd.json');
    assert.equal(applyJson(doc, { b: 2 }), '{\n  "b": 2\n}\n');
    assert.equal(applyJson(doc, { a: 1 }), '{\n  "a": 1\n}\n');
    assert.equal(applyJson(doc, {}), '{}\n');
  });

  test('emptying a freshly created file leaves {} and a newline (deleting it is the caller’s call)', () => {
    for (const blank of ['', '\n', '  \r\n']) {
      const doc = parseJson(blank, 'd.json');
      assert.deepEqual(doc.value, {});
      assert.deepEqual(planJson(doc, {}), []);
      const created = applyJson(doc, withNvidia({}));
      assert.equal(created, stringifyJson(withNvidia({})).replace(/\n/g, doc.format.eol));
      assert.equal(applyJson(parseJson(created, 'd.json'), {}), `{}${doc.format.eol}`);
    }
  });

  test('an empty object written with inner whitespace comes back as {} (documented limit)', () => {
    const doc = parseJson('{ }\n', 'd.json');
    const added = applyJson(doc, { a: 1 });
    assert.equal(added, '{\n  "a": 1\n}\n');
    assert.equal(applyJson(parseJson(added, 'd.json'), {}), '{}\n');
  });

  test('arrays: append on its own line, insert and remove in the middle, keep inline arrays inline', () => {
    const doc = parseJson(
      '{\n  "hosts": [\n    "a",\n    "b"\n  ],\n  "dns": ["1.1.1.1", "8.8.8.8", "9.9.9.9"]\n}\n',
      'd.json',
    );
    const out = applyJson(doc, { hosts: ['a', 'x', 'b', 'c'], dns: ['1.1.1.1', '9.9.9.9'] });
    assert.equal(
      out,
      '{\n  "hosts": [\n    "a",\n    "x",\n    "b",\n    "c"\n  ],\n  "dns": ["1.1.1.1", "9.9.9.9"]\n}\n',
    );
    assert.equal(applyJson(parseJson(out, 'd.json'), doc.value), doc.text);
  });

  test('removing from the middle of an array deletes just that element and its comma', () => {
    const text = '{"dns": ["1.1.1.1", "8.8.8.8", "9.9.9.9"]}';
    const edits = planJson(parseJson(text, 'd.json'), { dns: ['1.1.1.1', '9.9.9.9'] });
    assert.deepEqual(edits, [{ offset: 18, length: 11, content: '' }]);
  });

  test('an element inserted before an unchanged tail goes on its own line', () => {
    const doc = parseJson('{\n  "hosts": [\n    "a",\n    "b"\n  ]\n}\n', 'd.json');
    const out = applyJson(doc, { hosts: ['a', 'x', 'b'] });
    assert.equal(out, '{\n  "hosts": [\n    "a",\n    "x",\n    "b"\n  ]\n}\n');
    assert.equal(applyJson(parseJson(out, 'd.json'), doc.value), doc.text);
    assert.equal(
      applyJson(doc, { hosts: ['x', 'a', 'b'] }),
      '{\n  "hosts": [\n    "x",\n    "a",\n    "b"\n  ]\n}\n',
    );
  });

  test('an empty object inside an inline object is filled inline', () => {
    const doc = parseJson('{\n  "features": {"x": {}}\n}\n', 'd.json');
    assert.equal(applyJson(doc, { features: { x: { y: 1 } } }), '{\n  "features": {"x": {"y": 1}}\n}\n');
  });

  test('new members line up with their siblings, not with the detected unit', () => {
    const doc = parseJson('{\n  "a": {\n      "b": 1\n  }\n}\n', 'd.json');
    assert.equal(applyJson(doc, { a: { b: 1, c: 2 } }), '{\n  "a": {\n      "b": 1,\n      "c": 2\n  }\n}\n');
  });

  test('inline objects keep their own comma spacing', () => {
    const doc = parseJson('{\n  "o": {"a": 1,"b": 2}\n}', 'd.json');
    assert.equal(applyJson(doc, { o: { a: 1, b: 2, c: 3 } }), '{\n  "o": {"a": 1,"b": 2,"c": 3}\n}');
  });

  test('a scalar replaced by an object is laid out at its line’s indentation', () => {
    const doc = parseJson('{\n    "log-opts": null\n}', 'd.json');
    assert.equal(
      applyJson(doc, { 'log-opts': { 'max-size': '10m' } }),
      '{\n    "log-opts": {\n        "max-size": "10m"\n    }\n}',
    );
  });

  test('"__proto__" is an ordinary key, as in JSON.parse', () => {
    const doc = parseJson('{"__proto__": {"x": 1}, "a": 1}', 'd.json');
    assert.ok(Object.hasOwn(doc.value, '__proto__'));
    assert.equal(Object.getPrototypeOf(doc.value), Object.prototype);
    const target = JSON.parse('{"__proto__": {"x": 2}, "a": 1}') as JsonObject;
    assert.equal(applyJson(doc, target), '{"__proto__": {"x": 2}, "a": 1}');
  });

  test('edits are sorted, disjoint and limited to what changes', () => {
    const doc = parseJson(FIXTURES.nested!, 'd.json');
    const edits = planJson(doc, withNvidia(doc.value));
    for (let i = 1; i < edits.length; i++)
      assert.ok(edits[i]!.offset >= edits[i - 1]!.offset + edits[i - 1]!.length);
    const changed = edits.reduce((n, e) => n + e.length, 0);
    assert.equal(changed, 0, 'adding only inserts');
  });
});

describe('guards', () => {
  test('a target that JSON cannot hold is a BugError before any text is produced', () => {
    const doc = parseJson('{}', 'd.json');
    for (const bad of [{ a: Number.NaN }, { a: undefined }, { a: new Date(0) }, { a: [Infinity] }]) {
      assert.throws(() => planJson(doc, bad as unknown as JsonObject), BugError);
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => planJson(doc, cyclic as JsonObject), BugError);
  });

  test('stringifyJson: two spaces by default, tabs or one line on request, always a final newline', () => {
    const v = { a: [1, { b: null }], c: {} };
    assert.equal(
      stringifyJson(v),
      '{\n  "a": [\n    1,\n    {\n      "b": null\n    }\n  ],\n  "c": {}\n}\n',
    );
    assert.equal(stringifyJson(v, '\t'), `${JSON.stringify(v, null, '\t')}\n`);
    assert.equal(stringifyJson(v, ''), `${JSON.stringify(v)}\n`);
    assert.equal(stringifyJson({}), '{}\n');
  });

  test('valueEquals ignores key order only', () => {
    assert.ok(valueEquals({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }));
    assert.ok(!valueEquals({ a: [1, 2] }, { a: [2, 1] }));
    assert.ok(!valueEquals({ a: null }, { a: {} }));
    assert.ok(!valueEquals({ a: 1 }, { a: 1, b: 1 }));
    assert.ok(!valueEquals([], {}));
  });

  test('format detection', () => {
    assert.deepEqual(parseJson('{\n    "a": 1\n}', 'x').format, { indent: '    ', eol: '\n' });
    assert.deepEqual(parseJson('{\r\n\t"a": 1\r\n}', 'x').format, { indent: '\t', eol: '\r\n' });
    assert.deepEqual(parseJson('{"a": 1}\n', 'x').format, { indent: null, eol: '\n' });
    assert.deepEqual(parseJson('{}', 'x').format, { indent: '  ', eol: '\n' });
    assert.deepEqual(parseJson('{"a": "x\u2028  y"}', 'x').format, { indent: null, eol: '\n' });
  });
});

describe('malformed files are refused with file:line:col', () => {
  const cases: [string, string, number | undefined, number | undefined, RegExp][] = [
    ['trailing comma', '{\n  "a": 1,\n}\n', 2, 9, /invalid JSON: trailing comma before '}'/],
    ['trailing comma in array', '{"a": [1,]}', 1, 9, /trailing comma before ']'/],
    ['line comment', '{\n  // nvidia\n  "a": 1\n}', 2, 3, /comments are not allowed/],
    ['block comment', '/* x */ {}', 1, 1, /comments are not allowed/],
    ['unterminated string', '{\n  "a": "b\n}', 2, 8, /unterminated string/],
    ['unterminated at end of file', '{"a": "b', 1, 7, /unterminated string/],
    ['unexpected close', '{"a": }', 1, 7, /invalid JSON: unexpected '}' \(expected a value\)$/],
    ['duplicate key', '{\n  "a": 1,\n  "a": 2\n}', 3, 3, /duplicate key "a" \(first defined at 2:3\)/],
    ['UTF-8 BOM', '\uFEFF{}', 1, 1, /byte order mark \(BOM\), which dockerd refuses/],
    ['missing comma', '{"a": 1 "b": 2}', 1, 9, /unexpected '"' \(expected ',' or '}'\)/],
    ['missing colon', '{"a" 1}', 1, 6, /expected ':'/],
    ['unquoted key', '{a: 1}', 1, 2, /expected a "quoted" key/],
    ['single quotes', "{'a': 1}", 1, 2, /strings must use double quotes/],
    ['comment after a member', '{"a": 1 /* x */}', 1, 9, /comments are not allowed/],
    ['NaN', '{"a": NaN}', 1, 7, /unexpected 'N' \(expected a value\)/],
    ['leading zero', '{"a": 01}', 1, 7, /leading zeros/],
    ['bad number', '{"a": 1.}', 1, 7, /invalid number/],
    ['number out of range', '{"a": 1e999}', 1, 7, /out of range/],
    ['raw tab in a string', '{"a": "x\ty"}', 1, 9, /control character U\+0009/],
    ['bad escape', '{"a": "\\x"}', 1, 8, /invalid escape '\\x'/],
    ['bad unicode escape', '{"a": "\\u12G4"}', 1, 8, /invalid \\u escape/],
    ['vertical tab as space', '{\u000b}', 1, 2, /U\+000B/],
    ['end of file', '{"a": 1', 1, 8, /unexpected end of file \(expected ',' or '}'\)/],
    ['two documents', '{}\n{}', 2, 1, /unexpected '\{' \(expected end of file after the top-level value\)/],
    ['array at the top', '[]', undefined, undefined, /^d\.json: expected a JSON object at the top level$/],
    ['string at the top', '"x"\n', undefined, undefined, /expected a JSON object at the top level/],
    ['deep nesting', `{"a": ${'['.repeat(5000)}`, 1, 1006, /nesting deeper than 1000/],
  ];
  for (const [name, text, line, column, message] of cases) {
    test(name, () => {
      assert.throws(
        () => parseJson(text, 'd.json'),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, String(err));
          assert.equal(err.exitCode, 1);
          assert.equal(err.file, 'd.json');
          assert.match(err.message, message);
          assert.equal(err.message.includes('\n'), false);
          assert.equal(err.line, line);
          assert.equal(err.column, column);
          if (line !== undefined)
            assert.ok(err.message.startsWith(`d.json:${line}:${column}: `), err.message);
          return true;
        },
      );
    });
  }
});
