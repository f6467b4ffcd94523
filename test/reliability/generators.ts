/**
 * fast-check generators of engine configs: the project's fixtures, and configs built from random choices of
 * version, layout (headers, dotted keys, inline tables), quoting, indentation, comments, unrelated tables and
 * keys, line endings and final newline. Every generated text is valid for its engine by construction.
 */
import fc from 'fast-check';
import type { EngineName } from '../../src/engines/types';
import { fixture, fixtureNames } from '../helpers/fixtures';

type Eol = '\n' | '\r\n';

/** Scalars for unrelated keys: TOML spellings a user might have (dates, hex, underscores, floats, arrays). */
const TOML_SCALARS = [
  '1',
  '-999',
  '0x1F',
  '1_000',
  '3.5',
  'inf',
  'true',
  '"text"',
  "'literal \\ path'",
  '"esc \\" \\u00e9"',
  '[1, 2, 3]',
  '["a", "b",]',
  '1979-05-27T07:32:00Z',
  '1979-05-27',
  '{ a = 1, b = "x" }',
  '9223372036854775807',
  '"""\nmulti\nline"""',
];

const comment = fc.constantFrom('# note', '#', '# [plugins.fake] = "not a table"', '  # indented', '# é ✓');
const scalar = fc.constantFrom(...TOML_SCALARS);

interface Extra {
  readonly tables: { name: number; keys: string[] }[];
  readonly rootKeys: string[];
  readonly headComments: string[];
  readonly trailComments: boolean;
}

const extraArb: fc.Arbitrary<Extra> = fc.record({
  tables: fc.array(fc.record({ name: fc.nat(99), keys: fc.array(scalar, { maxLength: 3 }) }), {
    maxLength: 3,
  }),
  rootKeys: fc.array(scalar, { maxLength: 3 }),
  headComments: fc.array(comment, { maxLength: 2 }),
  trailComments: fc.boolean(),
});

function extraTables(x: Extra, indent: string, prefix: string): string[] {
  return x.tables.flatMap((t, i) => [
    '',
    `[${prefix}${t.name}_${i}]`,
    ...t.keys.map((k, j) => `${indent}k${j} = ${k}`),
  ]);
}

function finish(lines: string[], eol: Eol, finalNewline: boolean): string {
  const text = lines.join(eol);
  return finalNewline ? `${text}${eol}` : text;
}

function withTrail(line: string, on: boolean): string {
  return on && line.trim() !== '' && !line.trimStart().startsWith('#') ? `${line} # trailing` : line;
}

const CRI: Record<number, string> = {
  1: 'cri',
  2: 'io.containerd.grpc.v1.cri',
  3: 'io.containerd.cri.v1.runtime',
};

const containerdGenerated: fc.Arbitrary<string> = fc
  .record({
    version: fc.constantFrom(undefined, 1, 2, 2, 3),
    style: fc.constantFrom('headers', 'dotted', 'inline', 'nested', 'none'),
    quote: fc.constantFrom('"', "'"),
    indent: fc.constantFrom('', '  ', '\t'),
    runc: fc.boolean(),
    crun: fc.boolean(),
    options: fc.boolean(),
    defaultName: fc.constantFrom(undefined, 'runc', 'crun'),
    enableCdi: fc.constantFrom(undefined, false, true),
    imports: fc.boolean(),
    extra: extraArb,
    extraFirst: fc.boolean(),
    eol: fc.constantFrom<Eol>('\n', '\r\n'),
    finalNewline: fc.boolean(),
  })
  .map((c) => {
    const v = c.version ?? 1;
    const id = c.version === undefined || v === 1 ? 'cri' : `${c.quote}${CRI[v]}${c.quote}`;
    const i = c.indent;
    const t = (l: string) => withTrail(l, c.extra.trailComments);
    const rt = (name: string, path: string) => [
      `${i}${i}${path}${name}.runtime_type = "io.containerd.runc.v2"`,
      ...(c.options ? [`${i}${i}${path}${name}.options.SystemdCgroup = true`] : []),
    ];
    const names = [...(c.runc ? ['runc'] : []), ...(c.crun ? ['crun'] : [])];
    const head = [
      ...c.extra.headComments,
      ...(c.version === undefined ? [] : [t(`version = ${c.version}`)]),
      ...(c.imports ? [t('imports = ["/nonexistent.d/*.toml"]')] : []),
      ...c.extra.rootKeys.map((k, j) => t(`x_root_${j} = ${k}`)),
    ];
    const plugin = `plugins.${id}`;
    let cri: string[] = [];
    const defaultLine = c.defaultName ? [`${i}default_runtime_name = "${c.defaultName}"`] : [];
    const cdiLine = c.enableCdi === undefined ? [] : [t(`${i}enable_cdi = ${c.enableCdi}`)];
    if (c.style === 'headers' || c.style === 'nested') {
      cri = [
        ...(c.style === 'nested' ? ['', t('[plugins]')] : []),
        ...(cdiLine.length || c.style === 'nested' ? ['', t(`[${plugin}]`), ...cdiLine] : []),
        '',
        t(`[${plugin}.containerd]`),
        ...defaultLine.map(t),
        ...names.flatMap((n) => [
          '',
          t(`[${plugin}.containerd.runtimes.${n}]`),
          `${i}runtime_type = "io.containerd.runc.v2"`,
          ...(c.options
            ? ['', t(`[${plugin}.containerd.runtimes.${n}.options]`), `${i}SystemdCgroup = true`]
            : []),
        ]),
      ];
    } else if (c.style === 'dotted') {
      cri = [
        '',
        t(`[${plugin}]`),
        ...cdiLine,
        ...defaultLine.map((l) => l.replace('default_runtime_name', 'containerd.default_runtime_name')),
        ...names.flatMap((n) => rt(n, 'containerd.runtimes.')),
      ];
    } else if (c.style === 'inline') {
      const body = names
        .map(
          (n) =>
            `${n} = { runtime_type = "io.containerd.runc.v2"${c.options ? ', options = { SystemdCgroup = true }' : ''} }`,
        )
        .join(', ');
      cri = [
        '',
        t(`[${plugin}.containerd]`),
        ...defaultLine,
        ...(names.length ? [`${i}runtimes = { ${body} }`] : []),
      ];
    }
    const extra = extraTables(c.extra, i, 'x_table_');
    const body = c.extraFirst ? [...extra, ...cri] : [...cri, ...extra];
    return finish([...head, ...body], c.eol, c.finalNewline);
  });

const crioGenerated: fc.Arbitrary<string> = fc
  .record({
    style: fc.constantFrom('headers', 'dotted', 'inline', 'none'),
    indent: fc.constantFrom('', '  '),
    runc: fc.boolean(),
    crun: fc.boolean(),
    defaultName: fc.constantFrom(undefined, 'runc', 'crun'),
    monitorEnv: fc.boolean(),
    extra: extraArb,
    eol: fc.constantFrom<Eol>('\n', '\r\n'),
    finalNewline: fc.boolean(),
  })
  .map((c) => {
    const i = c.indent;
    const t = (l: string) => withTrail(l, c.extra.trailComments);
    const names = [...(c.runc ? ['runc'] : []), ...(c.crun ? ['crun'] : [])];
    const keys = (n: string) => [
      `runtime_path = "/usr/bin/${n}"`,
      `runtime_root = "/run/${n}"`,
      ...(c.monitorEnv ? ['monitor_env = [', '  "PATH=/usr/bin:/bin",', ']'] : []),
    ];
    const head = [...c.extra.headComments, ...c.extra.rootKeys.map((k, j) => t(`x_root_${j} = ${k}`))];
    const runtime = [
      '',
      t('[crio.runtime]'),
      ...(c.defaultName ? [t(`${i}default_runtime = "${c.defaultName}"`)] : []),
      `${i}conmon = "/usr/libexec/crio/conmon"`,
    ];
    let body: string[] = [];
    if (c.style === 'headers') {
      body = [
        ...runtime,
        ...names.flatMap((n) => ['', t(`[crio.runtime.runtimes.${n}]`), ...keys(n).map((k) => i + k)]),
      ];
    } else if (c.style === 'dotted') {
      body = [
        ...runtime,
        ...names.flatMap((n) => [
          `${i}runtimes.${n}.runtime_path = "/usr/bin/${n}"`,
          `${i}runtimes.${n}.runtime_root = "/run/${n}"`,
        ]),
      ];
    } else if (c.style === 'inline') {
      const inner = names
        .map((n) => `${n} = { runtime_path = "/usr/bin/${n}", runtime_root = "/run/${n}" }`)
        .join(', ');
      body = [...runtime, ...(names.length ? [`${i}runtimes = { ${inner} }`] : [])];
    }
    return finish(
      [
        ...head,
        '',
        '[crio]',
        `${i}log_dir = "/var/log/crio/pods"`,
        ...body,
        ...extraTables(c.extra, i, 'crio.x_'),
      ],
      c.eol,
      c.finalNewline,
    );
  });

const jsonValue = fc.constantFrom<unknown>(
  'json-file',
  10,
  1.5,
  true,
  null,
  ['a', 'b'],
  { nested: { deep: [1, { x: 'y' }] } },
  '',
  'é ✓ \u0001',
);

const dockerGenerated: fc.Arbitrary<string> = fc
  .record({
    keys: fc.shuffledSubarray(
      ['log-driver', 'exec-opts', 'data-root', 'runtimes', 'default-runtime', 'features', 'x-a', 'x-b'],
      {
        minLength: 0,
      },
    ),
    values: fc.array(jsonValue, { minLength: 8, maxLength: 8 }),
    crun: fc.boolean(),
    defaultName: fc.constantFrom('runc', 'crun'),
    featureCdi: fc.constantFrom(undefined, false, true),
    indent: fc.constantFrom(0, 2, 4, '\t'),
    eol: fc.constantFrom<Eol>('\n', '\r\n'),
    finalNewline: fc.boolean(),
  })
  .map((c) => {
    const obj: Record<string, unknown> = {};
    c.keys.forEach((k, j) => {
      if (k === 'runtimes')
        obj[k] = c.crun ? { crun: { path: '/usr/bin/crun', runtimeArgs: ['--debug'] } } : {};
      else if (k === 'default-runtime') obj[k] = c.crun ? c.defaultName : 'runc';
      else if (k === 'features')
        obj[k] = { buildkit: true, ...(c.featureCdi === undefined ? {} : { cdi: c.featureCdi }) };
      else obj[k] = c.values[j];
    });
    const text = JSON.stringify(obj, null, c.indent).replace(/\n/g, c.eol);
    return c.finalNewline ? `${text}${c.eol}` : text;
  });

/** Fixtures with unrelated content around them: comments on top, tables at the end, CRLF line ends. */
function decorated(engine: EngineName): fc.Arbitrary<string> {
  return fc
    .record({
      name: fc.constantFrom(...fixtureNames(engine)),
      head: fc.array(comment, { maxLength: 2 }),
      tail: fc.array(fc.record({ name: fc.nat(99), keys: fc.array(scalar, { maxLength: 2 }) }), {
        maxLength: 2,
      }),
      crlf: fc.boolean(),
      blank: fc.nat(2),
    })
    .map((d) => {
      const text = fixture(engine, d.name);
      const eol: Eol = d.crlf || text.includes('\r\n') ? '\r\n' : '\n';
      if (engine === 'docker') {
        const ws = eol.repeat(d.blank);
        return `${ws}${d.crlf ? text.replace(/\r?\n/g, '\r\n') : text}`;
      }
      let out = d.crlf ? text.replace(/\r?\n/g, '\r\n') : text;
      if (d.head.length > 0) out = [...d.head, ''].join(eol) + out;
      if (d.tail.length > 0) {
        if (out !== '' && !out.endsWith('\n')) out += eol;
        const prefix = engine === 'crio' ? 'crio.x_tail_' : 'x_tail_';
        out += `${extraTables({ tables: d.tail, rootKeys: [], headComments: [], trailComments: false }, '  ', prefix).join(eol)}${eol}`;
      }
      return out;
    });
}

/** A config for `engine`: a fixture as is, a decorated fixture, or a generated one. */
export function configArb(engine: EngineName): fc.Arbitrary<string> {
  const generated =
    engine === 'docker' ? dockerGenerated : engine === 'crio' ? crioGenerated : containerdGenerated;
  return fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...fixtureNames(engine)).map((n) => fixture(engine, n)) },
    { weight: 2, arbitrary: decorated(engine) },
    { weight: 3, arbitrary: generated },
  );
}
