/**
 * Every edited containerd config must be accepted by the real `containerd config dump` of each containerd of the
 * matrix that reads its version (1.6 and 1.7: versions 1 and 2; 1.7 refuses 3 and 1.6 ignores its plugin names;
 * 2.x: versions 2 and 3, it migrates 2 on load), and the dump must show our runtimes with the right BinaryName.
 * Version 1 files are not given to 2.x: it ignores their whole CRI section (issue 13 item 3). Covers the
 * project's fixtures and, when CTK_CORPUS_DIR is set, the third-party corpus (setup then cleanup on every file,
 * byte for byte).
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
import { type ContainerdEngine, containerdMatrix } from '../helpers/daemons';
import { FIXTURES } from '../helpers/fixtures';

const TK = '/usr/local/nvidia/toolkit';
const work = mkdtempSync(join(tmpdir(), 'ctk-dump-'));
after(() => rmSync(work, { recursive: true, force: true }));
// Outside CI an engine that is not there is left out of the dumps (the matrix says why on its own tests).
const dumpers = containerdMatrix()
  .filter((m) => m.skip === undefined)
  .map((m) => m.engine);
const reads = (e: ContainerdEngine, version: number) => (e.configVersion === 3 ? version >= 2 : version <= 2);

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

/** `containerd config dump` of the edited text; its imports must exist for the dump to load. */
function dump(engine: ContainerdEngine, text: string, name: string): { code: number | null; out: string } {
  const p = join(work, `${engine.version}-${name}`);
  writeFileSync(p, text);
  const r = spawnSync(engine.bin, ['--config', p, 'config', 'dump'], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

/** What a dump shows for our nvidia-cdi runtime and the default: 2.x writes version 3 with single quotes. */
function expectDumped(engine: ContainerdEngine, out: string): void {
  const cdi = '/usr/local/nvidia/toolkit/nvidia-container-runtime.cdi';
  if (engine.configVersion === 3) {
    assert.ok(
      out.includes(
        `[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.nvidia-cdi.options]\n            BinaryName = '${cdi}'`,
      ),
      `${engine.label} config dump shows nvidia-cdi`,
    );
    assert.match(out, /default_runtime_name = 'nvidia'/);
  } else {
    assert.match(
      out,
      /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.nvidia-cdi\.options\]\n\s+BinaryName = "\/usr\/local\/nvidia\/toolkit\/nvidia-container-runtime\.cdi"/,
      `${engine.label} config dump shows nvidia-cdi`,
    );
    assert.match(out, /default_runtime_name = "nvidia"/);
  }
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
    const version = (setup.engine as { version?: number }).version ?? 2;
    const dumpable = engine === 'containerd' && importsExist(tree);
    for (const e of dumpable ? dumpers.filter((x) => reads(x, version)) : []) {
      const d = dump(e, after, name);
      assert.equal(d.code, 0, `${e.label} config dump rejected the edited file: ${d.out}`);
      // a dump omits a disabled plugin's config (docker's containerd.io package disables CRI)
      const criDisabled = setup.warnings.some((w) => w.includes('disables the CRI plugin'));
      if (!criDisabled) expectDumped(e, d.out);
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
