import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nextRestartAt, recentRestarts } from '../../src/orchestrator/restart-budget';

const p = { max: 3, windowMs: 60_000, backoffMs: 1000 };

test('no restart in the window: now', () => {
  assert.equal(nextRestartAt([], 5000, p), 5000);
  assert.equal(nextRestartAt([1000], 70_000, p), 70_000);
});

test('the pause doubles with each restart inside the window', () => {
  assert.equal(nextRestartAt([10_000], 10_000, p), 11_000);
  assert.equal(nextRestartAt([10_000, 11_000], 11_000, p), 13_000);
});

test('at the cap: waits until the oldest restart leaves the window', () => {
  assert.equal(nextRestartAt([0, 1000, 3000], 3000, p), 60_000);
  assert.equal(nextRestartAt([0, 1000, 3000], 60_000, p), 60_000);
  assert.deepEqual(recentRestarts([0, 1000, 3000], 60_000, p.windowMs), [1000, 3000]);
});

test('property: restarts taken at the allowed times never exceed the cap in any window', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1000, max: 100_000 }),
      fc.integer({ min: 0, max: 5000 }),
      fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 40 }),
      (max, windowMs, backoffMs, gaps) => {
        const policy = { max, windowMs, backoffMs };
        const history: number[] = [];
        let now = 0;
        for (const g of gaps) {
          now = nextRestartAt(history, now + g, policy);
          history.push(now);
        }
        for (const t of history) {
          const inWindow = history.filter((u) => u >= t && u < t + windowMs).length;
          assert.ok(inWindow <= max, `${inWindow} restarts within ${windowMs} ms of ${t}`);
        }
      },
    ),
  );
});
