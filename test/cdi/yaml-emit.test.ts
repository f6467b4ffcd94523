import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parse } from 'yaml';
import { emitYaml, type YamlValue, yamlScalar } from '../../src/cdi/yaml-emit';

/** Plain scalars YAML 1.1 readers resolve to booleans, null, numbers, timestamps or merge/value keys. */
const HAZARDS = [
  'y',
  'Y',
  'n',
  'N',
  'yes',
  'Yes',
  'NO',
  'on',
  'On',
  'OFF',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '',
  '0',
  '-1',
  '+1',
  '012',
  '0o12',
  '0x1F',
  '0b101',
  '1_000',
  '190:20:30',
  '0:1',
  '1:0',
  '1.0',
  '.5',
  '-.5',
  '1e3',
  '1E+3',
  '.inf',
  '-.Inf',
  '.NaN',
  '2024-01-01',
  '2001-12-14t21:59:43.10-05:00',
  '<<',
  '=',
  '-',
  '--',
  '- x',
  '? x',
  ': x',
  'a: b',
  'a #b',
  '#x',
  '"q"',
  "'q'",
  '[x]',
  '{x}',
  '&a',
  '*a',
  '!t',
  '|',
  '>',
  '%x',
  '@x',
  '`x',
  'x:',
  'tab\tin',
  'new\nline',
  ' lead',
  'trail ',
  'ünïcødé',
  'GPU-8d4a5e21',
  'libcuda.so.1::/usr/lib/libcuda.so',
  '--folder',
];

const key = fc
  .oneof(fc.constantFrom(...HAZARDS), fc.string(), fc.string({ unit: 'grapheme' }))
  .filter((k) => k !== '__proto__');
const scalar = fc.oneof(
  fc.constantFrom(...HAZARDS),
  fc.string({
    unit: fc.constantFrom(
      'a',
      'Z',
      '0',
      '9',
      '-',
      '_',
      '.',
      ':',
      '/',
      '=',
      '@',
      '+',
      ' ',
      '#',
      '"',
      "'",
      '\\',
      '\n',
      'é',
    ),
  }),
  fc.string({ unit: 'grapheme' }),
  fc.integer(),
  fc.boolean(),
);
const doc = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
})).map as fc.Arbitrary<Record<string, YamlValue>>;

describe('YAML emitter', () => {
  test('hazardous strings are quoted and read back as the same strings by YAML 1.1 and 1.2 readers', () => {
    for (const h of HAZARDS) {
      const text = emitYaml({ [h]: h, list: [h] });
      for (const version of ['1.1', '1.2'] as const) {
        assert.deepEqual(
          parse(text, { version }),
          { [h]: h, list: [h] },
          `${JSON.stringify(h)} as YAML ${version}`,
        );
      }
    }
    for (const q of ['0', '0:1', '1.0', 'yes', 'on', 'y', '~', '012', '-1', '---'])
      assert.equal(yamlScalar(q), JSON.stringify(q));
  });

  test('ordinary CDI values stay plain and readable', () => {
    for (const p of [
      '/dev/nvidia0',
      'nvidia.com/gpu',
      'GPU-8d4a5e21-4a5c',
      'all',
      'c',
      'nvidia-cdi-hook',
      '--link',
      'NVIDIA_VISIBLE_DEVICES=void',
      'libcuda.so.1::/usr/lib/x86_64-linux-gnu/libcuda.so',
    ]) {
      assert.equal(yamlScalar(p), p);
    }
    assert.equal(
      emitYaml({
        a: [{ b: 1, c: [] }, {}, [], ['x']],
        d: {},
        e: { f: true, g: null },
        h: undefined as unknown as YamlValue,
      }),
      'a:\n- b: 1\n  c: []\n- {}\n- []\n-\n  - x\nd: {}\ne:\n  f: true\n  g: null\n',
    );
  });

  test('numbers a YAML 1.1 reader would take for strings are refused', () => {
    assert.throws(() => yamlScalar(1e21), TypeError);
    assert.throws(() => yamlScalar(Number.NaN), TypeError);
    assert.equal(yamlScalar(-0), '0');
  });

  test('property: any JSON-shaped document reads back unchanged as YAML 1.1 and 1.2', () => {
    fc.assert(
      fc.property(doc, (d) => {
        const text = emitYaml(d);
        const normal = JSON.parse(JSON.stringify(d));
        assert.deepEqual(parse(text, { version: '1.1' }), normal);
        assert.deepEqual(parse(text, { version: '1.2' }), normal);
      }),
      { numRuns: 1000 },
    );
  });
});
