import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapInOrder } from '../../../exports/map-in-order.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapInOrder', () => {
  it('emits results in input order while work overlaps, never more than the limit at once', async () => {
    const items = Array.from({ length: 25 }, (_, i) => i);
    let running = 0;
    let peak = 0;
    const emitted: [number, number][] = [];
    await mapInOrder(
      items,
      4,
      async (item) => {
        running++;
        peak = Math.max(peak, running);
        // Later items often finish first: the order must come from the input, not completion.
        await pause((7 * item) % 5);
        running--;
        return item * 10;
      },
      (result, index) => {
        emitted.push([result, index]);
      },
    );
    assert.deepEqual(emitted, items.map((i) => [i * 10, i]));
    assert.equal(peak, 4);
  });

  it('stops at the first failure, lets started work settle, and emits nothing after it', async () => {
    const started: number[] = [];
    const settled: number[] = [];
    const emitted: number[] = [];
    await assert.rejects(
      mapInOrder(
        Array.from({ length: 20 }, (_, i) => i),
        3,
        async (item) => {
          started.push(item);
          await pause(item === 2 ? 1 : 5);
          settled.push(item);
          if (item === 2) throw new Error('item 2 failed');
          return item;
        },
        (result) => {
          emitted.push(result);
        },
      ),
      /item 2 failed/,
    );
    assert.deepEqual(emitted, [0, 1]);
    assert.ok(started.length < 20, 'no new work after the failure was seen');
    assert.deepEqual([...settled].sort((a, b) => a - b), [...started].sort((a, b) => a - b), 'every started call settled before the error');
  });

  it('handles an empty list and refuses a bad limit', async () => {
    await mapInOrder([], 2, () => Promise.reject(new Error('never')), () => assert.fail('never'));
    await assert.rejects(mapInOrder([1], 0, (x) => Promise.resolve(x), () => undefined), /limit/);
  });
});
