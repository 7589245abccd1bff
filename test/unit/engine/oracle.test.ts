import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../common/errors.js';
import { oracleAnswers, type OracleOptions } from '../../../engine/oracle.js';
import { Prng } from '../../../engine/prng.js';
import { scoreImage } from '../../../engine/score-image.js';
import type { ImageInput, Mode } from '../../../engine/types.js';
import { imageFrom, randomImage } from './helpers.js';

// C = 3. Superpixel 1 = row 0: x0 = x1 = [1, 0, 0], x2 = [0, 0, 1]; r = x0; cos to v = [1, 1, 0].
// Superpixel 2 = {x3, x4} = [0, 1, 0] twice, r = x3. At tau 0.5: E1 = {x0, x1}, E2 = {x3, x4}.
function ask(labels: number[], truth: number[], mode: Mode, superpixels: number[], options: Partial<OracleOptions> = {}, tau = 0.5) {
  const image: ImageInput = imageFrom({
    height: 2,
    width: 3,
    vectors: [[1, 0, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 0], [1, 0, 0]],
    labels,
    superpixels: [1, 1, 1, 2, 2, 0],
  });
  const expansion = new Int32Array(6);
  const scores = scoreImage(image, { mode, tau, expansionOut: expansion });
  return oracleAnswers('im', image.labels, Uint8Array.from(truth), scores, expansion, superpixels, { mode, tau, ...options });
}

describe('oracleAnswers', () => {
  it('answers relabel G(r) when acc <= 0.5 (ALC) and correct above', () => {
    // E1: L = [2, 2], G = [2, 0]: acc = 0.5 -> relabel to G(r) = G(x0) = 2.
    assert.deepEqual(ask([2, 2, 2, 0, 1, 0], [2, 0, 1, 0, 1, 0], 'alc', [1]), [{ image: 'im', superpixel: 1, answer: 'relabel', class: 2 }]);
    // G = [2, 2]: acc = 1 -> correct. Pixels outside E (x2) do not count.
    assert.deepEqual(ask([2, 2, 2, 0, 1, 0], [2, 2, 0, 0, 1, 0], 'alc', [1]), [{ image: 'im', superpixel: 1, answer: 'correct' }]);
  });

  it('counts void ground truth as a mismatch, even where L is 255 too, and can answer 255', () => {
    // E1: L = [255, 2], G = [255, 2]: only x1 matches, acc = 0.5 -> relabel to G(r) = 255.
    assert.deepEqual(ask([255, 2, 2, 0, 1, 0], [255, 2, 0, 0, 1, 0], 'alc', [1]), [{ image: 'im', superpixel: 1, answer: 'relabel', class: 255 }]);
  });

  it('uses the most frequent G over E in A2LC mode, ties to the smallest id', () => {
    // E2: L = [0, 1], G = [2, 1]: acc = 0.5; G votes 2 and 1 tie -> 1, where ALC would answer G(x3) = 2.
    assert.deepEqual(ask([2, 2, 2, 0, 1, 0], [0, 0, 0, 2, 1, 0], 'a2lc', [2]), [{ image: 'im', superpixel: 2, answer: 'relabel', class: 1 }]);
    assert.deepEqual(ask([2, 2, 2, 0, 1, 0], [0, 0, 0, 2, 1, 0], 'alc', [2]), [{ image: 'im', superpixel: 2, answer: 'relabel', class: 2 }]);
    // At tau 0, E1 = {x0, x1, x2}; G = [255, 255, 0] -> 255 is the outright majority.
    assert.deepEqual(ask([2, 2, 2, 0, 1, 0], [255, 255, 0, 0, 1, 0], 'a2lc', [1], {}, 0), [{ image: 'im', superpixel: 1, answer: 'relabel', class: 255 }]);
  });

  it('answers in the order asked', () => {
    assert.deepEqual(ask([2, 2, 2, 0, 1, 0], [2, 2, 0, 0, 1, 0], 'alc', [2, 1]).map((a) => a.superpixel), [2, 1]);
  });

  it('rejects unknown superpixels, bad options and out-of-range ground truth', () => {
    const labels = [2, 2, 2, 0, 1, 0];
    assert.throws(() => ask(labels, [0, 0, 0, 0, 0, 0], 'alc', [5]), /im has no superpixel 5/);
    assert.throws(() => ask(labels, [0, 0, 0, 0, 0, 0], 'alc', [1], { errorRate: 1.5 }), InputError);
    assert.throws(() => ask(labels, [0, 0, 0, 0, 0, 0], 'alc', [1], { seed: -1 }), InputError);
    assert.throws(() => ask(labels, [0, 0, 0, 0, 0, 0], 'alc', [1], { latency: { kind: 'uniform', minMs: 5, maxMs: 1 } }), InputError);
    assert.throws(() => ask(labels, [0, 0, 0, 0, 0, 7], 'alc', [1]), /ground truth 7 at \(row 1, col 2\) is out of range/);
  });
});

describe('oracleAnswers: errors and latency', () => {
  const prng = new Prng(3);
  const image = randomImage(prng, { classes: 5, height: 40, width: 40, superpixels: 60 });
  const truth = Uint8Array.from(image.labels, (l) => (prng.nextFloat() < 0.4 ? prng.nextBelow(5) : l));
  const expansion = new Int32Array(1600);
  const scores = scoreImage(image, { mode: 'alc', expansionOut: expansion });
  const asked = [...scores.superpixelIds].filter((_, i) => scores.expansion[i] > 0);
  const answer = (options: Partial<OracleOptions>) => oracleAnswers('im', image.labels, truth, scores, expansion, asked, { mode: 'alc', ...options });

  it('with error rate 1 always answers a class other than the true one', () => {
    const honest = answer({});
    const wrong = answer({ errorRate: 1, seed: 4 });
    assert.ok(asked.length > 20);
    wrong.forEach((a, j) => {
      const h = honest[j];
      const trueClass = h.answer === 'relabel' ? h.class : scores.label[scores.superpixelIds.indexOf(h.superpixel)];
      assert.equal(a.answer, 'relabel');
      assert.notEqual(a.class, trueClass);
      assert.ok(a.class !== undefined && a.class >= 0 && a.class < 5);
    });
    assert.ok(new Set(wrong.map((a) => a.class)).size >= 3, 'wrong classes are drawn, not fixed');
  });

  it('is reproducible for a seed, and per superpixel whatever else is asked', () => {
    const all = answer({ errorRate: 0.5, seed: 8 });
    assert.deepEqual(answer({ errorRate: 0.5, seed: 8 }), all);
    assert.notDeepEqual(answer({ errorRate: 0.5, seed: 9 }), all);
    const alone = oracleAnswers('im', image.labels, truth, scores, expansion, [asked[5]], { mode: 'alc', errorRate: 0.5, seed: 8 });
    assert.deepEqual(alone, [all[5]]);
    assert.deepEqual(answer({ errorRate: 0 }), answer({}));
  });

  it('draws latencies from the model', () => {
    assert.ok(answer({ latency: { kind: 'fixed', ms: 1200 } }).every((a) => a.latencyMs === 1200));
    const uniform = answer({ latency: { kind: 'uniform', minMs: 100, maxMs: 200 } }).map((a) => a.latencyMs ?? NaN);
    assert.ok(uniform.every((ms) => ms >= 100 && ms < 200));
    const lognormal = answer({ latency: { kind: 'lognormal', medianMs: 3000, sigma: 0.5 } }).map((a) => a.latencyMs ?? NaN);
    assert.ok(lognormal.every((ms) => ms > 0 && Number.isFinite(ms)));
    assert.ok(lognormal.some((ms) => ms < 3000) && lognormal.some((ms) => ms > 3000));
    assert.ok(answer({}).every((a) => a.latencyMs === undefined));
  });
});
