import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { generateSpec } from '../../src/cdi/generate';
import { formatFromPath, parseSpecText, renderSpec } from '../../src/cdi/render';
import type { CdiSpec } from '../../src/cdi/spec-types';
import { validateSpec } from '../../src/cdi/validate';
import { ConfigError } from '../../src/errors';
import { buildFixture, gpuList, MAJORS, uuidFor } from './fixture-tree';

const HAZARDS = [
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'true',
  '0',
  '1.0',
  '012',
  '0x1f',
  '1e3',
  '0:1',
  '190:20:30',
  '~',
  'null',
  '.inf',
];

describe('spec rendering', () => {
  test('YAML and JSON of a generated MIG spec: field by field, and both parse back to the same spec', async () => {
    const f = await buildFixture({
      gpus: gpuList(1, () => [{ gi: 1, giMinor: 20, cis: [{ ci: 0, minor: 21 }] }]),
    });
    try {
      const spec = generateSpec(
        { driverRoot: f.driverRoot, procRoot: f.procRoot, hostDriverRoot: '/run/nvidia/driver' },
        f.fs,
      );
      const yamlText = renderSpec(spec, 'yaml');
      const jsonText = renderSpec(spec, 'json');
      const lines = yamlText.split('\n');
      assert.equal(lines[0], 'cdiVersion: "0.5.0"', 'digit-leading strings are always quoted');
      assert.equal(lines[1], 'kind: nvidia.com/gpu');
      assert.equal(lines[2], 'devices:');
      assert.equal(
        lines[3],
        '- name: "0"',
        'sequences are not indented (Go style) and a numeric name is quoted',
      );
      assert.ok(yamlText.includes(`- name: ${uuidFor(0)}\n`));
      assert.ok(
        yamlText.includes('- name: "0:0"\n'),
        'MIG names are quoted: YAML 1.1 reads 0:0 as a base-60 integer',
      );
      assert.ok(yamlText.includes('- name: all\n'));
      assert.ok(
        yamlText.includes(
          '    - path: /dev/nvidia-caps/nvidia-cap21\n      hostPath: /run/nvidia/driver/dev/nvidia-caps/nvidia-cap21\n      type: c\n' +
            `      major: ${MAJORS.caps}\n      minor: 21\n`,
        ),
      );
      assert.ok(yamlText.includes('    options:\n    - ro\n    - nosuid\n    - nodev\n    - bind\n'));
      assert.ok(
        yamlText.includes(
          '  - hookName: createContainer\n    path: /usr/bin/nvidia-cdi-hook\n    args:\n    - nvidia-cdi-hook\n',
        ),
      );
      assert.ok(!/&|\*a\d/.test(yamlText), 'no anchors or aliases');
      assert.ok(yamlText.endsWith('\n') && jsonText.endsWith('\n'));
      for (const version of ['1.1', '1.2'] as const) assert.deepEqual(parse(yamlText, { version }), spec);
      assert.deepEqual(JSON.parse(jsonText), spec);
      assert.deepEqual(parse(jsonText), spec, 'the JSON form is also read by a YAML loader');
      assert.deepEqual(Object.keys(JSON.parse(jsonText)), [
        'cdiVersion',
        'kind',
        'devices',
        'containerEdits',
      ]);
      assert.deepEqual(validateSpec(parseSpecText(yamlText, 'x.yaml')), []);
    } finally {
      await f.cleanup();
    }
  });

  test('values a YAML 1.1 reader would turn into booleans, numbers or null are quoted', () => {
    const spec: CdiSpec = {
      cdiVersion: '0.5.0',
      kind: 'example.com/dev',
      devices: HAZARDS.map((name) => ({ name, containerEdits: { env: [`X=${name}`] } })),
      containerEdits: { env: HAZARDS.map((h) => h) },
    };
    const text = renderSpec(spec, 'yaml');
    for (const h of HAZARDS) assert.ok(text.includes(`- name: "${h}"\n`), `name ${h} quoted`);
    assert.deepEqual(parse(text, { version: '1.1' }), spec);
  });

  test('format from the file name', () => {
    assert.equal(formatFromPath('/var/run/cdi/nvidia.json'), 'json');
    assert.equal(formatFromPath('/etc/cdi/nvidia.yaml'), 'yaml');
    assert.equal(formatFromPath('nvidia.YML'), 'yaml');
    assert.equal(formatFromPath('nvidia.txt'), undefined);
  });

  test('parseSpecText: syntax errors and duplicate keys are file:line:col errors; bare yes is a boolean', () => {
    const bad: [string, RegExp][] = [
      ['cdiVersion: 0.3.0\nkind: [unclosed\n', /^s\.yaml:\d+:\d+: /],
      ['cdiVersion: 0.3.0\ncdiVersion: 0.5.0\n', /^s\.yaml:2:1: .*[Mm]ap keys must be unique/],
      ['{"cdiVersion": "0.3.0",}x', /^s\.yaml:\d+:\d+: /],
    ];
    for (const [text, re] of bad) {
      assert.throws(
        () => parseSpecText(text, 's.yaml'),
        (e: unknown) => e instanceof ConfigError && re.test(e.message),
        text,
      );
    }
    const doc = parseSpecText(
      'cdiVersion: 0.3.0\nkind: a.com/b\ndevices:\n- name: yes\n  containerEdits: {env: [A=1]}\n',
      's.yaml',
    );
    assert.deepEqual(
      validateSpec(doc).map((p) => `${p.path}: ${p.message}`),
      ['devices[0].name: must be a string (got boolean true)'],
    );
  });
});
