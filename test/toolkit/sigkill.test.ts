/**
 * Crash consistency: a child process installs the toolkit over an existing one again and again and is
 * SIGKILLed at seeded random moments, 50 times. After every kill the toolkit path must hold exactly the old or
 * the new complete tree (compared by a manifest of every entry's type, mode and content hash), and toolkit.pid
 * must still be the same file.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { build } from 'esbuild';
import { installToolkit } from '../../src/toolkit/install';
import { makeArtifacts, manifest, modulesFile, optionsWith, tempDir } from './fixture';

const KILLS = 50;
const SEED = 0x5eed_c7c;

/** mulberry32: a tiny seeded PRNG, so a failing sequence can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const base = tempDir('ctk-sigkill-');
after(() => fs.rmSync(base, { recursive: true, force: true }));

function runUntilKilled(bundle: string, job: object, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.stdout.on('data', (c: Buffer) => {
      if (timer === undefined && c.toString().includes('ready'))
        timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`install loop exited on its own (code ${code}): ${err}`));
    });
  });
}

describe('SIGKILL during installs over an existing toolkit', () => {
  it(`leaves the old or the new complete tree after each of ${KILLS} kills`, {
    timeout: 120_000,
  }, async (t) => {
    const sources = [
      makeArtifacts(join(base, 'a'), { variant: 'A' }),
      makeArtifacts(join(base, 'b'), { variant: 'B' }),
    ];
    const modules = modulesFile(join(base, 'modules'), true);
    const parent = join(base, 'usr/local/nvidia');
    const root = join(parent, 'toolkit');
    const opts = (i: number) =>
      optionsWith(
        { toolkitRoot: root, toolkitSourceRoot: sources[i], driverRootCtrPath: '/nonexistent' },
        { procModulesPath: modules },
      );

    // Reference manifests of both complete trees, with the pid file the orchestrator would hold.
    await installToolkit(opts(0));
    fs.writeFileSync(join(root, 'toolkit.pid'), '1\n');
    const pidInode = fs.statSync(join(root, 'toolkit.pid')).ino;
    const treeA = manifest(root);
    const started = performance.now();
    await installToolkit(opts(1));
    // Kills are spread over twice one install's duration (at least 40 ms): on a slow or busy disk a fixed
    // window would end before the first switch and every kill would find the old tree.
    const windowMs = Math.max(40, 2 * (performance.now() - started));
    const treeB = manifest(root);
    assert.notDeepEqual(treeA, treeB);

    const bundle = join(base, 'install-loop.cjs');
    await build({
      entryPoints: [join(__dirname, 'helpers/install-loop.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      mainFields: ['module', 'main'],
      outfile: bundle,
      logLevel: 'error',
    });

    const random = prng(SEED);
    const seen = { A: 0, B: 0 };
    for (let kill = 0; kill < KILLS; kill++) {
      const current = manifest(root);
      const start = current.join() === treeA.join() ? 1 : 0; // always begin with the other tree
      const delay = Math.floor(random() * windowMs);
      await runUntilKilled(bundle, { root, sources, modules, start }, delay);
      assert.ok(fs.existsSync(root), `kill ${kill} (after ${delay} ms): the toolkit path is missing`);
      const now = manifest(root);
      const which = now.join() === treeA.join() ? 'A' : now.join() === treeB.join() ? 'B' : undefined;
      assert.ok(which, `kill ${kill} (after ${delay} ms): partial tree:\n${now.join('\n')}`);
      seen[which]++;
      assert.equal(
        fs.statSync(join(root, 'toolkit.pid')).ino,
        pidInode,
        `kill ${kill}: toolkit.pid replaced`,
      );
    }
    // Both outcomes occurred, so kills landed before and after switches.
    assert.ok(seen.A > 0 && seen.B > 0, JSON.stringify(seen));
    t.diagnostic(`outcomes after ${KILLS} kills within ${Math.round(windowMs)} ms: ${JSON.stringify(seen)}`);

    // The next install cleans up whatever the killed runs left behind.
    await installToolkit(opts(0));
    assert.deepEqual(fs.readdirSync(parent).sort(), [fs.readlinkSync(root), 'toolkit'].sort());
    assert.deepEqual(manifest(root), treeA);
  });
});
