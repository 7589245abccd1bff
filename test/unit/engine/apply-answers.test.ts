import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../common/errors.js';
import { applyAnswers, groupAnswersByImage, type Answer } from '../../../engine/apply-answers.js';
import { Prng } from '../../../engine/prng.js';
import { scoreImage } from '../../../engine/score-image.js';
import { imageFrom, randomImage } from './helpers.js';

// C = 3, two rows of three pixels. Superpixel 1 = row 0: x0 = x1 = [1, 0, 0], x2 = [0, 0, 1];
// d = 0, v = [1, 0, 0], cos = [1, 1, 0], so at tau 0.5 E = {x0, x1} and x2 stays out.
// Superpixel 2 = {x3, x4} = [0, 1, 0] twice: E = {x3, x4}. x5 has no superpixel.
const image = imageFrom({
  height: 2,
  width: 3,
  vectors: [[1, 0, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 0], [1, 0, 0]],
  labels: [2, 2, 2, 0, 1, 0],
  superpixels: [1, 1, 1, 2, 2, 0],
});
const tau = 0.5;
const expansion = new Int32Array(6);
const scores = scoreImage(image, { mode: 'alc', tau, expansionOut: expansion });

const answer = (superpixel: number, kind: Answer['answer'], k?: number): Answer => ({ image: 'im', superpixel, answer: kind, ...(k === undefined ? {} : { class: k }) });

describe('applyAnswers', () => {
  it('relabels E only, leaves R outside E and other superpixels alone, and logs the change', () => {
    const result = applyAnswers('im', image.labels, scores, expansion, [answer(1, 'relabel', 1)], { tau });
    assert.deepEqual([...result.labels], [1, 1, 2, 0, 1, 0]);
    assert.deepEqual(result.changes, [{ image: 'im', superpixel: 1, class: 1, expansion: 2, changed: 2, previous: [{ label: 2, pixels: 2 }] }]);
    assert.deepEqual(result.queried, [1]);
    assert.deepEqual([...image.labels], [2, 2, 2, 0, 1, 0], 'the input is not modified');
  });

  it('writes 255 for "cannot tell"', () => {
    const result = applyAnswers('im', image.labels, scores, expansion, [answer(2, 'relabel', 255)]);
    assert.deepEqual([...result.labels], [2, 2, 2, 255, 255, 0]);
    assert.deepEqual(result.changes[0].previous, [{ label: 0, pixels: 1 }, { label: 1, pixels: 1 }]);
  });

  it('keeps L for correct and skip; skip does not count as queried', () => {
    const result = applyAnswers('im', image.labels, scores, expansion, [answer(2, 'skip'), answer(1, 'correct')]);
    assert.deepEqual([...result.labels], [...image.labels]);
    assert.deepEqual(result.changes, []);
    assert.deepEqual(result.queried, [1]);
  });

  it('logs a relabel to the label already there with zero changed pixels', () => {
    const result = applyAnswers('im', image.labels, scores, expansion, [answer(1, 'relabel', 2)]);
    assert.equal(result.changes[0].changed, 0);
    assert.equal(result.changes[0].expansion, 2);
  });

  it('rejects unknown superpixels, empty expansion sets, duplicates and bad classes', () => {
    const apply = (answers: Answer[]): unknown => applyAnswers('im', image.labels, scores, expansion, answers, { tau, source: 'answers.jsonl' });
    assert.throws(() => apply([answer(3, 'correct')]), /answers.jsonl: im has no superpixel 3/);
    assert.throws(() => apply([answer(1, 'correct'), answer(1, 'skip')]), /im superpixel 1 appears more than once/);
    assert.throws(() => apply([answer(1, 'relabel')]), /relabel answer without a class/);
    assert.throws(() => apply([answer(1, 'relabel', 3)]), /class 3 is out of range \(0..2 or 255\)/);
    assert.throws(() => apply([{ image: 'other', superpixel: 1, answer: 'correct' }]), InputError);
    const emptyScores = scoreImage(image, { mode: 'alc', tau: 1.5 });
    assert.throws(() => applyAnswers('im', image.labels, emptyScores, expansion, [answer(1, 'correct')], { tau: 1.5 }), /empty expansion set at tau 1.5/);
  });
});

describe('groupAnswersByImage', () => {
  it('groups by image in code-point order, superpixels ascending', () => {
    const grouped = groupAnswersByImage(
      [{ image: 'b', superpixel: 9, answer: 'skip' }, { image: 'a', superpixel: 10, answer: 'correct' }, { image: 'a', superpixel: 2, answer: 'relabel', class: 255 }],
      3,
    );
    assert.deepEqual([...grouped.keys()], ['a', 'b']);
    assert.deepEqual(grouped.get('a')?.map((a) => a.superpixel), [2, 10]);
  });

  it('rejects a superpixel answered twice, naming the file', () => {
    assert.throws(
      () => groupAnswersByImage([{ image: 'a', superpixel: 1, answer: 'skip' }, { image: 'a', superpixel: 1, answer: 'correct' }], 3, 'round2.jsonl'),
      /round2.jsonl: a superpixel 1 is answered more than once/,
    );
    assert.throws(() => groupAnswersByImage([{ image: 'a', superpixel: 0, answer: 'skip' }], 3), /superpixel must be a positive integer/);
    assert.throws(() => groupAnswersByImage([{ image: 'a', superpixel: 1, answer: 'maybe' as Answer['answer'] }], 3), /unknown answer "maybe"/);
  });
});

describe('applyAnswers: property', () => {
  it('touches only the expansion sets of relabelled superpixels, and sets them to k', () => {
    const prng = new Prng(99);
    for (let trial = 0; trial < 15; trial++) {
      const random = randomImage(prng, { classes: 4, height: 2 + prng.nextBelow(20), width: 2 + prng.nextBelow(20), superpixels: 10 });
      const out = new Int32Array(random.height * random.width);
      const randomTau = prng.nextFloat();
      const s = scoreImage(random, { mode: trial % 2 ? 'alc' : 'a2lc', tau: randomTau, expansionOut: out });
      const answers: Answer[] = [];
      const relabelled = new Map<number, number>();
      s.superpixelIds.forEach((id, i) => {
        if (s.expansion[i] === 0 || prng.nextFloat() < 0.3) return;
        const kinds = ['correct', 'relabel', 'skip'] as const;
        const kind = kinds[prng.nextBelow(3)];
        const k = prng.nextFloat() < 0.2 ? 255 : prng.nextBelow(4);
        answers.push({ image: 'r', superpixel: id, answer: kind, ...(kind === 'relabel' ? { class: k } : {}) });
        if (kind === 'relabel') relabelled.set(i, k);
      });
      const result = applyAnswers('r', random.labels, s, out, answers);
      for (let x = 0; x < out.length; x++) {
        const k = out[x] >= 0 ? relabelled.get(out[x]) : undefined;
        assert.equal(result.labels[x], k ?? random.labels[x], `pixel ${x}`);
      }
    }
  });
});
