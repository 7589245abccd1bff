import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { forEachConcurrently } from '../../../datasets/concurrency.js';

describe('forEachConcurrently', () => {
  it('runs every item once with at most `limit` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachConcurrently([...Array(20).keys()], 3, async (item, index) => {
      assert.equal(item, index);
      most = Math.max(most, ++inFlight);
      await tick();
      seen.push(item);
      inFlight--;
    });
    assert.equal(most, 3);
    assert.deepEqual(seen.sort((a, b) => a - b), [...Array(20).keys()]);
  });

  it('starts nothing after a failure, lets the running calls finish, then throws the first error', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    await assert.rejects(
      forEachConcurrently([...Array(10).keys()], 2, async (item) => {
        started.push(item);
        await tick();
        if (item === 2) throw new Error('item 2 failed');
        await tick();
        finished.push(item);
      }),
      { message: 'item 2 failed' },
    );
    assert.deepEqual(started, [0, 1, 2, 3]);
    assert.deepEqual(finished, [0, 1, 3]);
  });
});
