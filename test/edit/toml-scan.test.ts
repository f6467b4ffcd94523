/**
 * Differential tests: the scanner (src/edit/toml-scan.ts) must find exactly what toml-eslint-parser found
 * (test/edit/toml-legacy-scan.ts), and parseToml must accept exactly the texts the old parseToml accepted
 * (toml-eslint-parser in TOML 1.0 mode and smol-toml), over every fixture, hand-written edge cases,
 * generated documents and mutated fixtures.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FIXTURES } from './toml-fixtures';
import { currentAccepts, currentScan, legacyAccepts, legacyScan } from './toml-legacy-scan';

function tomlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tomlFiles(p);
    return /\.(toml|conf|tmpl|default)$/.test(name) ? [p] : [];
  });
}

/** Shapes the fixtures do not all have: every value kind, odd spacing, comments in every place. */
const EDGES: readonly string[] = [
  'a = """\none\n  two \\\n   three"""\nb = \'\'\'x\n#not a comment\n[not.a.header]\'\'\'\n',
  'a = """q""""\nb = """q"""""\nc = \'\'\'q\'\'\'\'\'\nd = ""\ne = \'\'\n',
  's = "tab\\t \\"q\\" \\\\ \\u00e9 \\U0001F600"\n"quoted key" = 1\n\'lit.key\' = 2\n"" = 3\n',
  'i = [1, -2, +3, 1_000, 0xff, 0o17, 0b101]\nf = [1.0, -0.0, 1e5, 6.626e-34, inf, -inf, nan, +nan]\n',
  'd = [1979-05-27, 07:32:00, 1979-05-27T07:32:00Z, 1979-05-27 07:32:00.999-07:00, 1979-05-27t07:32:00]\n',
  'b = [true, false]\nempty = []\nnested = [[1, 2], ["a"], [], [[]]]\n',
  'a = [\n  1, # one\n  # between\n  2\n  ,3,\n] # after\n',
  't = {}\nu = { a = 1, b.c = "x", d = { e = [1, { f = 2 }] } }\nv = {x=1}\n',
  '  [ a . "b c" . \'d\' ]  # header comment\n  x.y . z = 1\n[[ arr ]]\n[[arr]]\nk = 1\n[arr.sub]\n[[arr.sub2]]\n',
  '[a]\n[a.b]\n[a.b.c]\nx = 1\n[d]\n  [d.e]\n[[f]]\n[[f]]\n  [f.g]\n  [[f.h]]\n',
  '# only comments\n#\n\t# tabbed\n',
  'a = 1 # c\r\n[t] # h\r\nb = [\r\n  1, # one\r\n]\r\n',
  '\uFEFF# bom\na = 1\n',
  'a = 1',
  'a = "x" #',
  '[t]',
  '[[t]]\n',
  'x = """\n"""\ny = \'\'\'\n\'\'\'\n',
  'x = "#"  # "\ny = \'[a]\' # [b]\n',
  'site."google.com" = true\n3.14159 = "pi"\n',
  'a = -1979\nb = 1979-05-27T00:32:00.999999-07:00\nc = 00:32:00.999999\n',
];

/** TOML 1.1 forms that smol-toml accepts and containerd's TOML 1.0 reader does not. */
const TOML_11: readonly string[] = [
  'a = { b = 1, }\n',
  'a = {\n b = 1 }\n',
  'a = { b = 1\n }\n',
  'a = { b = 1, # c\n c = 2 }\n',
  'a = "\\e"\n',
  'a = "\\x41"\n',
  'a = """\\e"""\n',
  '"\\x41" = 1\n',
  'a = 07:32\n',
  'a = 1979-05-27T07:32Z\n',
  'a = 1979-05-27 07:32\n',
  'a = [{ b = 1, }]\n',
  '[t]\nx = 1\ny = { z = 2, }\n',
];

function sameScan(text: string): void {
  assert.deepEqual(currentScan(text), legacyScan(text));
}

describe('scanner equals the toml-eslint-parser index', () => {
  for (const [name, text] of Object.entries(FIXTURES)) it(`fixture ${name}`, () => sameScan(text));

  const dir = join(__dirname, '..', 'fixtures');
  for (const file of tomlFiles(dir)) {
    it(`test/fixtures/${file.slice(dir.length + 1)}`, () => sameScan(readFileSync(file, 'utf8')));
  }

  EDGES.forEach((text, i) => {
    it(`edge case ${i}: ${JSON.stringify(text.slice(0, 40))}`, () => {
      assert.ok(legacyAccepts(text), 'the case is valid TOML 1.0');
      sameScan(text);
    });
  });

  const corpus = process.env.CTK_CORPUS_DIR;
  if (corpus) {
    it(`every TOML file of CTK_CORPUS_DIR (${corpus})`, () => {
      const files = tomlFiles(corpus);
      assert.ok(files.length > 0, 'the corpus has TOML files');
      for (const file of files) {
        const text = readFileSync(file, 'utf8');
        assert.equal(currentAccepts(text), legacyAccepts(text), file);
        if (legacyAccepts(text)) assert.deepEqual(currentScan(text), legacyScan(text), file);
      }
    });
  }
});

describe('parseToml accepts what it accepted before', () => {
  for (const text of TOML_11) {
    it(`refuses TOML 1.1: ${JSON.stringify(text)}`, () => {
      assert.equal(legacyAccepts(text), false);
      assert.equal(currentAccepts(text), false);
    });
  }
});

// ---- generated documents ----------------------------------------------------------------------------------

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const ws = pick(['', ' ', '  ', '\t']);
const keySeg = fc.oneof(
  pick(['a', 'b', 'k-1', 'K_2', '3', 'runtimes', 'options']),
  pick(['"a"', '"x.y"', '"sp ace"', '"q\\"t"', '"\\u00e9"', "'lit'", "'a.b'", '""']),
);
const dottedKey = fc
  .tuple(fc.array(keySeg, { minLength: 1, maxLength: 3 }), ws)
  .map(([segs, s]) => segs.join(`${s}.${s}`));
const scalarText = fc.oneof(
  pick(['1', '-2', '+3', '1_000', '0xFF_ff', '0o17', '0b101', '0', '-0']),
  pick(['1.0', '-0.0', '1e5', '6.626e-34', '1_0.5E+3', 'inf', '-inf', 'nan', '+nan']),
  pick(['true', 'false']),
  pick(['1979-05-27', '07:32:00', '1979-05-27T07:32:00Z', '1979-05-27 07:32:00.999-07:00', '00:00:00.5']),
  pick(['"s"', '""', '"a\\tb\\"c\\\\"', '"#not"', "'lit'", "''", "'#[x]'", '"\\U0001F600"']),
  pick(['"""ml"""', '"""\nml\n"""', '"""a\\\n  b"""', '"""q""""', "'''ml'''", "'''\n[x]\n# y'''"]),
);
const valueText: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarText,
    fc
      .tuple(
        fc.array(tie('v'), { maxLength: 3 }),
        pick([', ', ',', ',\n  ', ', # c\n  ', ' ,']),
        pick(['', ',', ',\n', ' # t\n', '\n']),
      )
      .map(([items, sep, tail]) => `[${items.join(sep)}${items.length > 0 ? tail : ''}]`),
    fc
      .array(fc.tuple(dottedKey, tie('v')), { maxLength: 3 })
      .map((kvs) => (kvs.length === 0 ? '{}' : `{ ${kvs.map(([k, v]) => `${k} = ${v}`).join(', ')} }`)),
  ),
})).v;
const comment = pick(['', ' # c', ' #', '# [x]', ' # "q"']);
const line = fc.oneof(
  fc.tuple(ws, dottedKey, ws, valueText, comment).map(([i, k, s, v, c]) => `${i}${k}${s}=${s}${v}${c}`),
  fc
    .tuple(ws, fc.boolean(), ws, dottedKey, comment)
    .map(([i, arr, s, k, c]) => (arr ? `${i}[[${s}${k}${s}]]${c}` : `${i}[${s}${k}${s}]${c}`)),
  fc.tuple(ws, pick(['# comment', '#', '#[not.a.header]'])).map(([i, c]) => `${i}${c}`),
  fc.constant(''),
);
const documentText = fc
  .tuple(fc.array(line, { maxLength: 12 }), fc.boolean(), fc.boolean(), fc.boolean())
  .map(([lines, crlf, bom, finalNewline]) => {
    const eol = crlf ? '\r\n' : '\n';
    return (bom ? '\uFEFF' : '') + lines.join(eol) + (finalNewline ? eol : '');
  });

describe('generated documents', () => {
  it('valid ones scan alike; every one is accepted or refused alike', () => {
    let valid = 0;
    fc.assert(
      fc.property(documentText, (text) => {
        const accepted = legacyAccepts(text);
        assert.equal(currentAccepts(text), accepted, 'accepted alike');
        if (accepted) {
          valid++;
          sameScan(text);
        }
      }),
      { seed: 7, numRuns: 1500 },
    );
    assert.ok(valid >= 300, `only ${valid} generated documents were valid`);
  });

  it('mutated fixtures are accepted or refused alike, and scan alike when accepted', () => {
    const texts = [...Object.values(FIXTURES), ...EDGES].filter((t) => t.length > 0);
    const mutation = fc.record({
      which: fc.nat(),
      at: fc.nat(),
      cut: fc.nat({ max: 4 }),
      insert: fc.string({ unit: pick([...' \t\n\r#"\'[]{}=,.\\ax1-:_e'.split('')]), maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (muts) => {
        let text = texts[(muts[0]?.which ?? 0) % texts.length] as string;
        for (const m of muts) {
          const at = m.at % (text.length + 1);
          text = text.slice(0, at) + m.insert + text.slice(at + m.cut);
        }
        const accepted = legacyAccepts(text);
        assert.equal(currentAccepts(text), accepted, `accepted alike: ${JSON.stringify(text)}`);
        if (accepted) sameScan(text);
      }),
      { seed: 11, numRuns: 3000 },
    );
  });
});
