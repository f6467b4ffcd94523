/**
 * `doctor` on real-world config shapes as files, no daemon: it never crashes, and says which file declares
 * which runtime, before and after our setup. The project's fixtures always; the third-party corpus when
 * CTK_CORPUS_DIR is set (CI points it at the corpus kept beside the checkout).
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../helpers/cli';
import { FIXTURES } from '../helpers/fixtures';
import type { DoctorReport } from './node';

const work = mkdtempSync(join(tmpdir(), 'ctk-doc-corpus-'));
after(() => rmSync(work, { recursive: true, force: true }));
const CONFIG_NAME = { containerd: 'config.toml', crio: 'crio.conf', docker: 'daemon.json' } as const;
type Engine = keyof typeof CONFIG_NAME;
let n = 0;

function doctorJson(engine: Engine, config: string, cdi: string): DoctorReport {
  const r = runCli([
    'doctor',
    '--output=json',
    `--runtime=${engine}`,
    `--config=${config}`,
    `--socket=${join(work, 'no-engine.sock')}`,
    `--cdi-spec-dir=${cdi}`,
  ]);
  assert.doesNotMatch(r.stderr, /internal error/);
  assert.equal(r.status, 1, 'no engine answers, so the engine check fails');
  const report = JSON.parse(r.stdout) as DoctorReport;
  assert.equal(report.checks.find((c) => c.id === 'engine')?.status, 'fail');
  return report;
}

function declaredIn(report: DoctorReport, file: string): string[] {
  const f = report.engines[0]?.files.find((x) => x.path === file);
  assert.ok(f, `the report lists ${file}`);
  return f.runtimes.map((r) => r.name);
}

function checkFile(engine: Engine, text: string): void {
  const dir = join(work, `c${n++}`);
  mkdirSync(dir);
  const cdi = join(dir, 'cdi');
  mkdirSync(cdi);
  const config = join(dir, CONFIG_NAME[engine]);
  writeFileSync(config, text);
  const before = doctorJson(engine, config, cdi);
  const files = before.checks.find((c) => c.id === 'config-files');
  assert.ok(
    files?.evidence.some((e) => e.startsWith(`${config} (main)`)),
    JSON.stringify(files),
  );
  const setup = runCli([
    engine,
    'setup',
    '--restart-mode=none',
    `--config=${config}`,
    ...(engine === 'crio' ? ['--config-mode=config'] : []),
    '/opt/nv',
  ]);
  if (setup.status !== 0) {
    // a file our setup refuses is one the engine refuses too: doctor must say so, not crash
    assert.equal(files?.status, 'fail', setup.stderr);
    return;
  }
  const afterSetup = doctorJson(engine, config, cdi);
  assert.ok(declaredIn(afterSetup, config).includes('nvidia'));
  const declared = afterSetup.checks.find((c) => c.id === 'runtimes-declared');
  assert.ok(declared?.summary.includes(`nvidia (${config})`), JSON.stringify(declared));
  // the binaries do not exist here: named, not crashed on
  assert.match(
    afterSetup.checks.find((c) => c.id === 'runtime-binaries')?.summary ?? '',
    /\/opt\/nv\/nvidia-container-runtime/,
  );
}

function suite(root: string): void {
  for (const engine of Object.keys(CONFIG_NAME) as Engine[]) {
    const dir = join(root, engine);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort())
      test(`${engine}/${name}`, () => checkFile(engine, readFileSync(join(dir, name), 'utf8')));
  }
}

describe('doctor on the project fixtures', () => suite(FIXTURES));

const corpus = process.env.CTK_CORPUS_DIR;
describe('doctor on the third-party corpus ($CTK_CORPUS_DIR)', () => {
  if (!corpus) {
    test('skipped: CTK_CORPUS_DIR is not set', { skip: true }, () => {});
    return;
  }
  suite(corpus);
});
