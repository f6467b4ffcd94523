/**
 * Layout detection and rendering of new JSON text, so that what the editor inserts looks like its
 * neighbours: same indent unit, line ending and `"key": value` spacing.
 */
import type { JsonDoc, JsonObject, JsonValue } from './json';

/** Default indentation for new documents and for filling an empty root `{}`: docker's documentation and the
 * cri-o hook files upstream writes both use two spaces (upstream's daemon.json writer uses four, but it
 * rewrites the whole file, so there is no layout of its own to match). */
export const DEFAULT_INDENT = '  ';

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface RenderStyle {
  /** Indent per level; null renders on one line. */
  readonly unit: string | null;
  readonly eol: string;
  /** What follows ':' (' ' or ''). */
  readonly colon?: string;
  /** What follows ',' on one line (' ' or ''). */
  readonly comma?: string;
}

/**
 * `indent`: leading whitespace of the first indented line (tabs or N spaces). No indented line means a
 * minified or single-line file, kept that way (null), except an empty root object, which has nothing to
 * keep and is filled with DEFAULT_INDENT. `eol`: CRLF when the first line break is CRLF.
 */
export function detectFormat(text: string, value: JsonValue): JsonDoc['format'] {
  const nl = text.indexOf('\n');
  const eol = nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
  // Split on LF only: a /m regex would also start lines after U+2028, which JSON strings may hold raw.
  for (const line of text.split('\n')) {
    const m = /^([ \t]+)[^ \t\r]/.exec(line);
    if (m?.[1] !== undefined) return { indent: m[1], eol };
  }
  const emptyRoot = isJsonObject(value) && Object.keys(value).length === 0;
  return { indent: emptyRoot ? DEFAULT_INDENT : null, eol };
}

/** ' ' when the file's first ':' is followed by whitespace, '' when not ("a":1 minified style). */
export function detectColon(text: string, firstColonOffset: number | undefined): string {
  if (firstColonOffset === undefined) return ' ';
  return /[ \t]/.test(text[firstColonOffset + 1] ?? '') ? ' ' : '';
}

/** Renders a value whose first line continues an existing line and whose later lines start at `base`. */
export function renderJson(v: JsonValue, style: RenderStyle, base = ''): string {
  const inner = base + (style.unit ?? '');
  let open: string;
  let close: string;
  let items: string[];
  if (Array.isArray(v)) {
    [open, close] = ['[', ']'];
    items = v.map((x) => renderJson(x, style, inner));
  } else if (isJsonObject(v)) {
    [open, close] = ['{', '}'];
    const colon = style.colon ?? ' ';
    items = Object.keys(v).map(
      (k) => `${JSON.stringify(k)}:${colon}${renderJson(v[k] as JsonValue, style, inner)}`,
    );
  } else {
    return JSON.stringify(v);
  }
  if (items.length === 0) return open + close;
  if (style.unit === null) return open + items.join(`,${style.comma ?? style.colon ?? ''}`) + close;
  return `${open}${style.eol}${inner}${items.join(`,${style.eol}${inner}`)}${style.eol}${base}${close}`;
}
