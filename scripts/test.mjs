// Runs every test file under test/ with node's own runner (TypeScript through tsx): the spec reporter on the
// terminal, and a closing "N passed, N failed" line taken from the TAP summary so CI can read the count.
// Usage: node scripts/test.mjs [substring filter...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === 'fixtures') return [];
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}
const filters = process.argv.slice(2);
const files = walk('test')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
const tmp = mkdtempSync(join(tmpdir(), 'ctk-test-'));
const tap = join(tmp, 'results.tap');
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
const summary = readFileSync(tap, 'utf8');
const count = (k) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(summary)?.[1] ?? 0);
rmSync(tmp, { recursive: true, force: true });
console.log(
  `# pass ${count('pass')}\n# fail ${count('fail')}\n${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped`,
);
process.exit(r.status ?? 1);
