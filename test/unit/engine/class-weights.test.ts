import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { abcScores, addUnqueriedLabelCounts, classBalancedWeights } from '../../../engine/class-weights.js';
import { scoreImage } from '../../../engine/score-image.js';
import { imageFrom } from './helpers.js';

describe('classBalancedWeights', () => {
  it('follows w_c = (min n / n_c)^(KL^3) with KL = sum p ln(p K)', () => {
    // n = [1, 99]: p = [0.01, 0.99], K = 2, KL = 0.01 ln 0.02 + 0.99 ln 1.98 = 0.63715, KL^3 = 0.25865,
    // w = [1, (1/99)^0.25865 = 0.30467] (worked out on paper to 4 digits).
    const w = classBalancedWeights([1, 99]);
    assert.equal(w[0], 1);
    assert.ok(Math.abs(w[1] - 0.30467) < 5e-5, `w1 = ${w[1]}`);
  });

  it('gives 0 to classes with n_c = 0 and leaves them out of K', () => {
    // n = [10, 30, 0]: K = 2, p = [0.25, 0.75], KL = 0.25 ln 0.5 + 0.75 ln 1.5 = 0.13081.
    const w = classBalancedWeights([10, 30, 0]);
    const kl = 0.25 * Math.log(0.5) + 0.75 * Math.log(1.5);
    assert.equal(w[0], 1);
    assert.ok(Math.abs(w[1] - Math.pow(1 / 3, kl * kl * kl)) < 1e-15);
    assert.equal(w[2], 0);
  });

  it('is 1 for balanced or single classes and 0 everywhere without counts', () => {
    assert.deepEqual([...classBalancedWeights([5, 5, 5])], [1, 1, 1]);
    assert.deepEqual([...classBalancedWeights([0, 7, 0])], [0, 1, 0]);
    assert.deepEqual([...classBalancedWeights([0, 0])], [0, 0]);
  });

  it('rejects negative or non-finite counts', () => {
    assert.throws(() => classBalancedWeights([1, -1]), RangeError);
    assert.throws(() => classBalancedWeights([1, NaN]), RangeError);
  });
});

describe('label counts and abc', () => {
  // Two superpixels: 1 = {x0, x1} labelled [0, 255], 2 = {x2, x3} labelled [1, 1].
  const scores = scoreImage(
    imageFrom({ height: 1, width: 4, vectors: [[0.75, 0.25], [0.75, 0.25], [0.25, 0.75], [0.25, 0.75]], labels: [0, 255, 1, 1], superpixels: [1, 1, 2, 2] }),
    { mode: 'alc' },
  );

  it('counts the working labels of the superpixels not yet queried, 255 not counted', () => {
    const all = new Float64Array(2);
    addUnqueriedLabelCounts(all, scores);
    assert.deepEqual([...all], [1, 2]);
    const unqueried = new Float64Array(2);
    addUnqueriedLabelCounts(unqueried, scores, new Set([2]));
    assert.deepEqual([...unqueried], [1, 0]);
  });

  it('weights the class terms: abc = sum_c w[c] T[c]', () => {
    // Superpixel 1: v = [0.75, 0.25], both pixels have cos 1; u = [0, A = 0]; e = [0.25, 0.25]: T = [0.5, 0].
    // Superpixel 2: u = [1, 1], e = 0.25 each: T = [0, 0.5].
    const abc = abcScores(scores, new Float64Array([2, 0.5]));
    assert.ok(Math.abs(abc[0] - 2 * 0.5) < 1e-12);
    assert.ok(Math.abs(abc[1] - 0.5 * 0.5) < 1e-12);
  });

  it('has no abc where E is empty', () => {
    const empty = scoreImage(
      imageFrom({ height: 1, width: 2, vectors: [[1, 0], [0, 1]], labels: [0, 1], superpixels: [1, 1] }),
      { mode: 'alc', tau: 2 },
    );
    assert.ok(Number.isNaN(abcScores(empty, new Float64Array([1, 1]))[0]));
  });
});
