/**
 * Runs the bad-input catalogue (bad-input-files.ts, -host.ts, -commands.ts) against the built CLI: every case asserts its exit code;
 * a failure prints exactly one `level=error` line (nothing else on stderr, no stack trace) and leaves its
 * directory exactly as it was (every file's bytes, mode and mtime; no new files, no state directory). With
 * CTK_RELIABILITY_REPORT=<path>, a Markdown summary (case, command, exit code, message) is written there.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { inCI } from '../helpers/binaries';
import { runCli as runSync } from '../helpers/cli';
import { COMMAND_CASES } from './bad-input-commands';
import { FILE_CASES } from './bad-input-files';
import { HOST_CASES } from './bad-input-host';
import type { BadInput } from './bad-input-kit';
import { errorLines, messageOf, runCli, snapshotTree } from './process';

const CASES: readonly BadInput[] = [...FILE_CASES, ...HOST_CASES, ...COMMAND_CASES];
const work = mkdtempSync(join(tmpdir(), 'ctk-bad-'));
const immutable: string[] = [];
after(() => {
  for (const p of immutable) spawnSync('chattr', ['-i', p]);
  rmSync(work, { recursive: true, force: true });
});

const help = runSync(['--help']).stdout;
const registered = (cmd: string) => new RegExp(`^\\s+${cmd}\\b`, 'm').test(help);

/** chattr +i works here (ext4, xfs…; not tmpfs), and we may use it (root bypasses mode bits, not this). */
function chattrWorks(): boolean {
  const probe = join(work, 'chattr-probe');
  writeFileSync(probe, '');
  const ok = spawnSync('chattr', ['+i', probe]).status === 0;
  if (ok) spawnSync('chattr', ['-i', probe]);
  return ok;
}
const canChattr = chattrWorks();

interface Row {
  readonly name: string;
  readonly command: string;
  readonly status: number | null;
  readonly message: string;
}
const rows: Row[] = [];

function skipReason(c: BadInput): string | undefined {
  if (c.needs && !registered(c.needs)) return `\`${c.needs}\` is not registered in this build`;
  if (c.immutable && !canChattr) {
    const why = `chattr +i does not work on ${tmpdir()}`;
    if (inCI()) throw new Error(`${why}: the read-only cases cannot run in CI`);
    return why;
  }
  return undefined;
}

async function runCase(c: BadInput, i: number): Promise<void> {
  const d = join(work, `case-${String(i).padStart(2, '0')}`);
  mkdirSync(d);
  c.prepare?.(d);
  for (const rel of c.immutable ?? []) {
    const p = join(d, rel);
    assert.equal(spawnSync('chattr', ['+i', p]).status, 0, `chattr +i ${p}`);
    immutable.push(p);
  }
  const before = snapshotTree(d);
  const r = await runCli(c.args(d), { env: c.env?.(d) ?? {}, cwd: d, timeoutMs: 120_000 });
  for (const rel of c.immutable ?? []) spawnSync('chattr', ['-i', join(d, rel)]);
  const errors = errorLines(r.stderr);
  rows.push({
    name: c.name,
    command: [...Object.entries(c.env?.(d) ?? {}).map(([k, v]) => `${k}=${v}`), 'ctk-installer', ...c.args(d)]
      .join(' ')
      .replaceAll(d, '$D')
      .replaceAll('/usr/local/nvidia/toolkit', '$TK'),
    status: r.status,
    message: errors.length === 1 ? messageOf(errors[0]!).replaceAll(d, '$D') : '',
  });
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  assert.doesNotMatch(r.stderr, /internal error/, 'no internal error');
  assert.equal(r.status, c.status, `exit code (stderr: ${r.stderr})`);
  if (c.status === 0) {
    c.check?.(d);
    return;
  }
  assert.equal(errors.length, 1, `exactly one error line: ${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, `nothing but the error line on stderr: ${r.stderr}`);
  if (c.message) assert.match(messageOf(errors[0]!), c.message);
  if (!c.reportsOnStdout) assert.equal(r.stdout, '', 'nothing on stdout');
  const now = snapshotTree(d);
  // taking the lock creates its (empty) lock file in a state directory that already existed: that is all
  for (const k of now.keys())
    if (/^\.ctk-installer\/[^/]+\.lock$/.test(k) && before.has('.ctk-installer')) now.delete(k);
  assert.deepEqual(now, before, 'the directory is untouched (bytes, modes, mtimes, no new files)');
}

describe(`bad input: ${CASES.length} cases across every command`, () => {
  CASES.forEach((c, i) => {
    test(c.name, { skip: skipReason(c) }, () => runCase(c, i));
  });

  test('the catalogue is at least 40 cases, and the summary is written when asked', () => {
    assert.ok(CASES.length >= 40);
    const out = process.env.CTK_RELIABILITY_REPORT;
    if (!out) return;
    const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    const table = [
      '| # | case | command | exit | message |',
      '|---|------|---------|------|---------|',
      ...rows.map(
        (r, i) => `| ${i + 1} | ${esc(r.name)} | \`${esc(r.command)}\` | ${r.status} | ${esc(r.message)} |`,
      ),
    ];
    writeFileSync(out, `${table.join('\n')}\n`);
  });
});
