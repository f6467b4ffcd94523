/**
 * The reference for the scanner's differential tests: the positions the editor used to take from
 * toml-eslint-parser's AST (TOML 1.0), expressed in the scanner's own shapes. Kept in the tests only.
 */

import { parse as parseValues } from 'smol-toml';
import { type AST, parseTOML } from 'toml-eslint-parser';
import { parseToml } from '../../src/edit/toml';
import {
  type ScanComment,
  type ScanKey,
  type ScanKv,
  type ScanValue,
  scanToml,
} from '../../src/edit/toml-scan';

export interface PlainTable {
  readonly array: boolean;
  readonly start: number;
  readonly names: readonly string[];
  readonly keys: readonly ScanKey[];
  readonly kvs: readonly ScanKv[];
}

/** A whole scan as plain data: every body and every key position filled in. */
export interface PlainScan {
  readonly rootKvs: readonly ScanKv[];
  readonly tables: readonly PlainTable[];
  readonly comments: readonly ScanComment[];
}

/** The scanner's result with every lazy part materialised, plus its structural invariants checked. */
export function currentScan(text: string): PlainScan {
  const scan = scanToml(text);
  const comments = [...scan.root.comments];
  const tables = scan.tables.map((t, i) => {
    const next = scan.tables[i + 1];
    if (t.bodyEnd !== (next ? next.start : text.length))
      throw new Error(`body ${i} does not end at the next header`);
    const body = scan.body(t);
    comments.push(...body.comments);
    const keys = scan.keys(t);
    const close = text.slice((keys[keys.length - 1] as ScanKey).end, t.bodyStart);
    if (!/^[ \t]*\]$/.test(close) && !(t.array && /^[ \t]*\]\]$/.test(close)))
      throw new Error(`header ${i} body starts at ${JSON.stringify(close)}`);
    return { array: t.array, start: t.start, names: t.names, keys, kvs: body.kvs };
  });
  return { rootKvs: scan.root.kvs, tables, comments };
}

/** The same facts from toml-eslint-parser (throws what it throws for text it rejects). */
export function legacyScan(text: string): PlainScan {
  // The parser rejects a BOM; a space has the same length, so every offset stays valid.
  const source = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  const ast = parseTOML(source, { tomlVersion: '1.0' });
  const top = ast.body[0];
  const rootKvs: ScanKv[] = [];
  const tables: PlainTable[] = [];
  for (const item of top.body) {
    if (item.type === 'TOMLKeyValue') rootKvs.push(kvOf(item));
    else {
      const keys = item.key.keys.map(keyOf);
      tables.push({
        array: item.kind === 'array',
        start: item.range[0],
        names: keys.map((k) => k.name),
        keys,
        kvs: item.body.map(kvOf),
      });
    }
  }
  const comments = ast.comments.map((c) => ({ start: c.range[0], end: c.range[1] }));
  return { rootKvs, tables, comments };
}

function keyOf(k: AST.TOMLBare | AST.TOMLQuoted): ScanKey {
  return { start: k.range[0], end: k.range[1], name: k.type === 'TOMLBare' ? k.name : k.value };
}

function kvOf(kv: AST.TOMLKeyValue): ScanKv {
  return { keys: kv.key.keys.map(keyOf), value: contentOf(kv.value) };
}

function contentOf(v: AST.TOMLContentNode): ScanValue {
  const start = v.range[0];
  let end = v.range[1];
  // toml-eslint-parser 1.0.3 gives a value `0` that ends the text an empty range (`a = 0` without a final
  // newline): the old editor would have inserted before it instead of replacing it. The scanner's range is
  // the right one (see the regression test in toml-edge.test.ts).
  if (end === start && v.type === 'TOMLValue' && v.kind === 'integer') end = start + 1;
  if (v.type === 'TOMLArray') return { kind: 'array', start, end, items: v.elements.map(contentOf) };
  if (v.type === 'TOMLInlineTable') return { kind: 'inline', start, end, kvs: v.body.map(kvOf) };
  if (v.kind === 'string') return { kind: 'string', start, end, style: v.style, multiline: v.multiline };
  if (v.kind === 'integer' || v.kind === 'float' || v.kind === 'boolean') return { kind: v.kind, start, end };
  return { kind: 'datetime', start, end };
}

/** Whether the old parseToml accepted the text: toml-eslint-parser (TOML 1.0) and smol-toml both did. */
export function legacyAccepts(text: string): boolean {
  try {
    legacyScan(text);
    parseValues(text);
    return true;
  } catch {
    return false;
  }
}

/** Whether parseToml accepts the text now. */
export function currentAccepts(text: string): boolean {
  try {
    parseToml(text, 'x.toml');
    return true;
  } catch {
    return false;
  }
}
