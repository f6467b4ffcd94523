/**
 * Splits a `RUNTIME_ARGS` string into words the way a POSIX shell would tokenise it, and does nothing else:
 * no expansion (`$VAR`, `$(…)`, backticks, `~`, globs stay literal text), no operators (`;`, `|`, `&`, `<`, `>`,
 * `(`, `)` are ordinary characters inside a word), no comments (`#` is data). The original passed this string
 * to `sh -c`, which ran whatever it contained; here the words only ever become flag values.
 *
 * Quoting rules kept from the shell so existing values keep their meaning:
 *   - blanks (space, tab, newline) separate words; `''` and `""` make an empty word;
 *   - '…' is literal up to the next single quote (no escapes inside);
 *   - "…" is literal except that a backslash escapes `"`, `\`, `$`, backtick and newline;
 *   - outside quotes a backslash makes the next character literal; backslash-newline is removed.
 */
import { UsageError } from '../errors';

const BLANK = new Set([' ', '\t', '\n']);
const DOUBLE_QUOTE_ESCAPABLE = new Set(['"', '\\', '$', '`', '\n']);

export function splitShellWords(text: string, what = '--runtime-args'): string[] {
  const words: string[] = [];
  let word = '';
  // A word exists once any character or quote pair was seen, so `""` yields an empty word.
  let inWord = false;
  let i = 0;
  const fail = (why: string): never => {
    throw new UsageError(`invalid ${what} ${JSON.stringify(text)}: ${why}`);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (BLANK.has(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) fail(`unterminated single quote at offset ${i}`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= text.length) fail('unterminated double quote');
        const d = text[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < text.length && DOUBLE_QUOTE_ESCAPABLE.has(text[i + 1]!)) {
          if (text[i + 1] !== '\n') word += text[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 >= text.length) fail('trailing backslash');
      const next = text[i + 1]!;
      if (next !== '\n') {
        word += next;
        inWord = true;
      }
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
