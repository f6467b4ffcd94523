import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/errors';
import { splitShellWords } from '../../src/orchestrator/shell-words';

const cases: [string, string, string[]][] = [
  ['empty string: no words', '', []],
  ['only blanks: no words', ' \t\n ', []],
  ['blanks of any kind and length separate words', ' --a  b\t--c\nd ', ['--a', 'b', '--c', 'd']],
  ['single quotes keep spaces', "--config '/etc/my dir/c.toml'", ['--config', '/etc/my dir/c.toml']],
  ['double quotes keep spaces', '--config "/etc/my dir/c.toml"', ['--config', '/etc/my dir/c.toml']],
  ['quotes join with adjacent text into one word', `--x=a'b c'"d e"f`, ['--x=ab cd ef']],
  ['empty quotes are an empty word', `--runtime-name '' "" x`, ['--runtime-name', '', '', 'x']],
  [
    'a semicolon is data, not a command separator',
    '--socket /run/x.sock; touch /tmp/x',
    ['--socket', '/run/x.sock;', 'touch', '/tmp/x'],
  ],
  ['$(...) is not expanded', '--host-root $(touch /tmp/x)', ['--host-root', '$(touch', '/tmp/x)']],
  [
    '$(...) inside double quotes is not expanded either',
    '--host-root "$(touch /tmp/x)"',
    ['--host-root', '$(touch /tmp/x)'],
  ],
  ['backticks, $VAR, ~ and globs stay literal', '`id` $HOME ~ *.toml', ['`id`', '$HOME', '~', '*.toml']],
  [
    'pipes, redirections and & are ordinary characters',
    'a|b >c <d e&&f (g)',
    ['a|b', '>c', '<d', 'e&&f', '(g)'],
  ],
  ['# does not start a comment', '--a #not-a-comment', ['--a', '#not-a-comment']],
  ['backslash escapes a blank outside quotes', 'my\\ dir x', ['my dir', 'x']],
  ['backslash escapes a quote outside quotes', `it\\'s \\"q\\"`, [`it's`, '"q"']],
  ['backslash-newline joins lines outside quotes', 'ab\\\ncd', ['abcd']],
  ['no escapes inside single quotes', `'a\\b' 'c\\'`, ['a\\b', 'c\\']],
  [
    'inside double quotes a backslash escapes only " \\ $ ` and newline',
    '"a\\"b \\\\ \\$x \\` \\n"',
    ['a"b \\ $x ` \\n'],
  ],
  ['single quote inside double quotes and vice versa', `"it's" 'say "hi"'`, ["it's", 'say "hi"']],
];

for (const [name, input, expected] of cases) {
  test(`splitShellWords: ${name}`, () => {
    assert.deepEqual(splitShellWords(input), expected);
  });
}

for (const [name, input, why] of [
  ['unterminated single quote', "--a 'b", /unterminated single quote at offset 4/],
  ['unterminated double quote', '--a "b', /unterminated double quote/],
  ['trailing backslash', '--a b\\', /trailing backslash/],
] as const) {
  test(`splitShellWords: ${name} is a usage error naming the input`, () => {
    assert.throws(
      () => splitShellWords(input),
      (e: unknown) =>
        e instanceof UsageError && why.test(e.message) && e.message.includes(JSON.stringify(input)),
    );
  });
}

// Oracle: without expansion or operator characters (so nothing can run), /bin/sh must split the same way,
// and reject the same unterminated input.
test('splitShellWords agrees with /bin/sh on random quoted and escaped text', () => {
  const chars = fc.constantFrom('a', 'b', ' ', '\t', "'", '"', '\\', '-', '=', '/');
  fc.assert(
    fc.property(
      fc.array(chars, { maxLength: 24 }).map((a) => a.join('')),
      (text) => {
        const sh = spawnSync(
          '/bin/sh',
          ['-c', `set -f; eval "set -- $1" && for w in "$@"; do printf '%s\\0' "$w"; done`, 'sh', text],
          {
            encoding: 'utf8',
          },
        );
        if (sh.status !== 0) {
          assert.throws(() => splitShellWords(text), UsageError, `sh rejects ${JSON.stringify(text)}`);
          return;
        }
        const words = sh.stdout.split('\0').slice(0, -1);
        // The one deliberate difference: dash keeps a lone trailing backslash as text; we refuse it.
        if (/(^|[^\\])(\\\\)*\\$/.test(text) && words.at(-1)?.endsWith('\\')) {
          assert.throws(() => splitShellWords(text), /trailing backslash/);
          return;
        }
        assert.deepEqual(splitShellWords(text), words, `input ${JSON.stringify(text)}`);
      },
    ),
    { numRuns: 300 },
  );
});
