import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng, hashKey } from '../../../engine/prng.js';

describe('Prng', () => {
  it('matches the reference C code of xoshiro128** seeded by SplitMix32', () => {
    // Computed with the published xoshiro128starstar.c next() after four SplitMix32 steps from 42
    // (state += 0x9e3779b9, lowbias32 output), compiled with gcc.
    const prng = new Prng(42);
    assert.deepEqual(Array.from({ length: 6 }, () => prng.nextUint32()), [955885115, 1328154995, 946741108, 3308724645, 1914051306, 3515958597]);
  });

  it('draws floats in [0, 1) and integers below the bound, covering the range', () => {
    const prng = new Prng(1);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 7000; i++) {
      const f = prng.nextFloat();
      assert.ok(f >= 0 && f < 1);
      counts[prng.nextBelow(7)]++;
    }
    assert.ok(counts.every((c) => c > 850 && c < 1150), `counts ${counts.join(' ')}`);
    assert.equal(new Prng(5).nextBelow(1), 0);
    assert.throws(() => prng.nextBelow(0), RangeError);
  });
});

describe('hashKey', () => {
  it('is deterministic and separates the parts of a key', () => {
    assert.equal(hashKey('oracle', 3, 'img', 7), hashKey('oracle', 3, 'img', 7));
    assert.notEqual(hashKey('ab', 'c'), hashKey('a', 'bc'));
    assert.notEqual(hashKey('1'), hashKey(1));
    assert.notEqual(hashKey(2 ** 32), hashKey(0));
    assert.throws(() => hashKey(-1), RangeError);
  });
});
