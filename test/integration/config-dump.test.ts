/**
 * Every edited containerd config must be accepted by the real `containerd config dump` (containerd 1.6), and the
 * dump must show our runtimes with the right BinaryName. Version 3 files are not understood by 1.6 (it ignores
 * their plugin names), so those are checked with the parser instead. Covers the project's fixtures and, when
 * CTK_CORPUS_DIR is set, the third-party corpus (setup then cleanup on every file, byte for byte).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse } from 'smol-toml';
import { emptyLedger, type FileSnapshot, type Plan, planCleanup, planSetup } from '../../src/engines/plan';
import type { EngineName } from '../../src/engines/types';
import { runtimeSet } from '../../src/runtimes/runtime-set';
import { requireBinary } from '../helpers/daemons';
import { FIXTURES } from '../helpers/fixtures';

const TK = '/usr/local/nvidia/toolkit';
const work = mkdtempSync(join(tmpdir(), 'ctk-dump-'));
after(() => rmSync(work, { recursive: true, force: true }));
const hasContainerd = requireBinary('containerd');

function plan(engine: EngineName, main: FileSnapshot, ledger = emptyLedger(), cleanup = false): Plan {
  const req = {
    engine,
    owner: 'nvidia',
    runtimes: runtimeSet({ name: 'nvidia', setAsDefault: true, dir: TK }),
    enableCdi: true,
    containerd: { runtimeType: 'io.containerd.runc.v2', annotationPrefixes: [], useLegacyConfig: false },
    main,
  };
  return cleanup ? planCleanup(req, ledger) : planSetup(req, ledger);
}

function comments(text: string): string[] {
  return text.split(/\r?\n/).flatMap((l) => {
    const i = l.indexOf('#');
    return i >= 0 && !/["']/.test(l.slice(i)) ? [l.slice(i).trim()] : [];
  });
}

/** containerd 1.6 `config dump` of the edited text; its imports must exist for the dump to load. */
function dump(text: string, name: string): { code: number | null; out: string } {
  const p = join(work, name);
  writeFileSync(p, text);
  const r = spawnSync('containerd', ['--config', p, 'config', 'dump'], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

function importsExist(tree: Record<string, unknown>): boolean {
  const imports = Array.isArray(tree.imports) ? (tree.imports as string[]) : [];
  return imports.every((i) => i.includes('*') || existsSync(i));
}

function check(engine: EngineName, name: string, original: string): void {
  const main = `/etc/${engine}/${name}`;
  const setup = plan(engine, { path: main, text: original });
  const after = setup.writes[0]?.after;
  assert.ok(after, 'setup writes the file');
  const missing = comments(original).filter((c) => !after.includes(c));
  assert.deepEqual(missing, [], 'every comment kept');
  if (engine === 'docker') {
    assert.equal(JSON.parse(after).runtimes.nvidia.path, `${TK}/nvidia-container-runtime`);
  } else {
    const tree = parse(after) as Record<string, unknown>;
    const names = setup.engine.runtimeNames(tree);
    assert.ok(names.includes('nvidia') && names.includes('nvidia-cdi') && names.includes('nvidia-legacy'));
    assert.equal(setup.engine.binaryPath(tree, 'nvidia-legacy'), `${TK}/nvidia-container-runtime.legacy`);
    const version = (setup.engine as { version?: number }).version;
    if (engine === 'containerd' && version !== 3 && hasContainerd && importsExist(tree)) {
      const d = dump(after, name);
      assert.equal(d.code, 0, `containerd config dump rejected the edited file: ${d.out}`);
      // a dump omits a disabled plugin's config (docker's containerd.io package disables CRI)
      const criDisabled = setup.warnings.some((w) => w.includes('disables the CRI plugin'));
      if (!criDisabled)
        assert.match(
          d.out,
          /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.nvidia-cdi\.options\]\n\s+BinaryName = "\/usr\/local\/nvidia\/toolkit\/nvidia-container-runtime\.cdi"/,
        );
      if (!criDisabled) assert.match(d.out, /default_runtime_name = "nvidia"/);
    }
  }
  const again = plan(engine, { path: main, text: after }, setup.ledger);
  assert.deepEqual(again.writes, [], 'second setup is a no-op');
  const cleanup = plan(engine, { path: main, text: after }, setup.ledger, true);
  assert.equal(cleanup.writes[0]?.after, original, 'cleanup gives back the original bytes');
  // And the same through the change ledger alone (file touched since setup): only our text goes.
  const touched = engine === 'docker' ? after : `# touched\n${after}`;
  const semantic = plan(engine, { path: main, text: touched }, setup.ledger, true);
  assert.equal(semantic.writes[0]?.after, engine === 'docker' ? original : `# touched\n${original}`);
}

describe('edited project fixtures', () => {
  for (const engine of ['containerd', 'crio', 'docker'] as const) {
    for (const name of readdirSync(join(FIXTURES, engine)).sort()) {
      test(`${engine}/${name}`, () =>
        check(engine, name, readFileSync(join(FIXTURES, engine, name), 'utf8')));
    }
  }
});

const corpus = process.env.CTK_CORPUS_DIR;
describe('third-party corpus ($CTK_CORPUS_DIR)', () => {
  if (!corpus) {
    test('skipped: CTK_CORPUS_DIR is not set (CI sets it to the corpus beside the checkout)', {
      skip: true,
    }, () => {});
    return;
  }
  for (const engine of ['containerd', 'crio', 'docker'] as const) {
    const dir = join(corpus, engine);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      test(`${engine}/${name}`, () => check(engine, name, readFileSync(join(dir, name), 'utf8')));
    }
  }
});
