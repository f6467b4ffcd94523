/**
 * Replays the Go original's unit-test vectors (options.updateConfig, options.revertConfig,
 * dropin.ensureImports, lifecycle.setup-then-cleanup and engine.addRuntime for containerd, cri-o and docker)
 * through our planner and engines, comparing parsed values, never bytes (we keep the user's formatting).
 * The vectors live beside the checkout, not in the project: this runs only when CTK_VECTORS_DIR names them
 * (.ci/run sets it to ../shared/vectors when present). Every vector must agree unless DIFFERENCES says why not,
 * and every entry there must still differ, so the table cannot go stale.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { valueEquals } from '../../src/edit/value';
import { DIFFERENCES } from './differences';
import { differences, REPLAYED_KINDS, type Vector } from './replay';

const FILES = ['containerd.json', 'containerd-lifecycle.json', 'crio.json', 'docker.json'];
const dir = process.env.CTK_VECTORS_DIR;

describe('the original’s vectors ($CTK_VECTORS_DIR)', () => {
  if (!dir || !existsSync(dir)) {
    test('skipped: CTK_VECTORS_DIR is not set (CI sets it to the vectors beside the checkout)', {
      skip: true,
    }, () => {});
    return;
  }
  const vectors = FILES.flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Vector[]).filter(
    (v) => REPLAYED_KINDS[v.kind] !== undefined,
  );
  const tally = { agree: 0, differ: 0 };
  for (const v of vectors) {
    test(v.name, () => {
      let same: boolean;
      let detail = '';
      try {
        const o = REPLAYED_KINDS[v.kind]!(v);
        same = valueEquals(o.actual, o.expected);
        if (!same) detail = differences(o.actual, o.expected).join('\n');
      } catch (err) {
        same = false;
        detail = `ours failed: ${(err as Error).message}`;
      }
      const why = DIFFERENCES[v.name];
      if (why === undefined) assert.ok(same, `${v.kind} disagrees and is not a listed difference\n${detail}`);
      else assert.ok(!same, `listed as a difference (${why}) but agrees now: remove it from differences.ts`);
      tally[same ? 'agree' : 'differ']++;
    });
  }
  test('summary', () => {
    process.stdout.write(
      `# vectors replayed: ${vectors.length}, agree: ${tally.agree}, deliberate differences: ${tally.differ}\n`,
    );
    assert.equal(tally.agree + tally.differ, vectors.length);
  });
});
