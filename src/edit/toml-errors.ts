/**
 * Parse-error messages that say what was expected. smol-toml reports where it stopped and a terse reason
 * ("illegal character in key" for a table header whose `]` is missing); a node admin needs to know what to
 * type. This looks at the line the error is on and rewrites the reason (and the position, where the fault is
 * elsewhere on the line) for the mistakes people make by hand; any other error keeps smol-toml's words.
 */

export interface ParseErrorAt {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  readonly reason: string;
}

export function explainTomlError(text: string, at: ParseErrorAt): ParseErrorAt {
  const lineText = lineOf(text, at.line);
  if (lineText === undefined) return at;
  const header = /^[ \t]*\[/.test(lineText) ? explainHeader(lineText, at) : undefined;
  if (header) return header;
  const charAt = lineText[at.column - 1];
  if (/control characters are not allowed in strings/.test(at.reason) && charAt === undefined)
    return {
      ...at,
      reason: 'the string is not closed on its line (expected a closing quote before the line break)',
    };
  if (/^unfinished string/.test(at.reason))
    return { ...at, reason: 'the multi-line string is never closed (expected `"""` or `\'\'\'`)' };
  if (/^invalid value/.test(at.reason))
    return {
      ...at,
      reason: 'expected a value: a quoted string, number, true/false, date, [array] or {inline table}',
    };
  if (/illegal character in key/.test(at.reason) && /^[ \t]*[A-Za-z0-9_-]+[ \t]+[^=.\s]/.test(lineText))
    return { ...at, reason: 'expected `=` after the key (a bare key has no spaces; quote it if it must)' };
  if (/^expected comma or end of structure/.test(at.reason))
    return {
      ...at,
      reason: 'expected `,` or the closing `]` or `}` of the array or inline table opened above',
    };
  if (/followed by an end-of-line/.test(at.reason))
    return { ...at, reason: 'expected the end of the line (or a # comment) after the value' };
  if (/unexpected end of key/.test(at.reason))
    return { ...at, reason: 'expected a key name (empty or ending in `.`)' };
  return at;
}

/** `[a.b` / `[[a.b]` / `[a] x`: says which bracket is missing, at the end of the header. */
function explainHeader(lineText: string, at: ParseErrorAt): ParseErrorAt | undefined {
  const open = lineText.indexOf('[');
  const array = lineText[open + 1] === '[';
  const close = array ? ']]' : ']';
  const end = headerEnd(lineText, open + (array ? 2 : 1));
  if (end.closedAt === undefined) {
    const kind = array ? 'array-of-tables header' : 'table header';
    // Where the `]` belongs: after the header's last character (a comment after it is not part of it).
    return {
      line: at.line,
      column: end.contentEnd + 1,
      reason: `expected \`${close}\` at the end of the ${kind} \`${lineText.slice(open, end.contentEnd)}\``,
    };
  }
  if (array && lineText.slice(end.closedAt, end.closedAt + 2) !== ']]')
    return {
      line: at.line,
      column: end.closedAt + 1,
      reason: 'expected `]]` at the end of the array-of-tables header',
    };
  if (/followed by an end-of-line/.test(at.reason))
    return { ...at, reason: 'expected the end of the line (or a # comment) after the table header' };
  if (/unexpected end of key/.test(at.reason))
    return { ...at, reason: 'expected a key name in the table header (empty or ending in `.`)' };
  return undefined;
}

/** Scans a header's keys (quoted ones may hold `]` and `#`): where the first `]` is, and where content ends. */
function headerEnd(lineText: string, from: number): { closedAt?: number; contentEnd: number } {
  let i = from;
  let contentEnd = from;
  while (i < lineText.length) {
    const c = lineText[i] as string;
    if (c === ']') return { closedAt: i, contentEnd: i };
    if (c === '#') break;
    if (c === '"' || c === "'") {
      const q = c;
      i++;
      while (i < lineText.length && lineText[i] !== q) i += q === '"' && lineText[i] === '\\' ? 2 : 1;
      i = Math.min(i + 1, lineText.length);
      contentEnd = i;
      continue;
    }
    i++;
    if (c !== ' ' && c !== '\t') contentEnd = i;
  }
  return { contentEnd };
}

function lineOf(text: string, line: number): string | undefined {
  let start = 0;
  for (let n = 1; n < line; n++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  const nl = text.indexOf('\n', start);
  const raw = text.slice(start, nl < 0 ? text.length : nl);
  return raw.endsWith('\r') ? raw.slice(0, -1) : raw;
}
