import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../common/errors.js';
import {
  applyAutoCorrection,
  rankRarity,
  relabelCounts,
  superpixelFeatures,
  type ClassifierPrediction,
} from '../../../engine/auto-correction.js';
import { imageFrom } from './helpers.js';

describe('superpixelFeatures', () => {
  it('averages P over R (zero vectors left out) and takes the most frequent label', () => {
    const f = superpixelFeatures(
      imageFrom({
        height: 1,
        width: 6,
        vectors: [[1, 0], [0, 0], [0.5, 0.5], [0, 1], [0.25, 0.75], [0.75, 0.25]],
        labels: [1, 0, 0, 255, 0, 1],
        superpixels: [4, 4, 4, 9, 0, 6],
      }),
    );
    assert.deepEqual([...f.superpixelIds], [4, 6, 9]);
    assert.deepEqual([...f.pixels], [3, 1, 1]);
    // Superpixel 4: mean of [1, 0] and [0.5, 0.5]; labels [1, 0, 0] -> 0.
    assert.deepEqual([...f.features], [0.75, 0.25, 0.75, 0.25, 0, 1]);
    assert.deepEqual([...f.labels], [0, 1, 255]);
  });

  it('breaks label ties towards the smallest id', () => {
    const f = superpixelFeatures(imageFrom({ height: 1, width: 2, vectors: [[1, 0], [1, 0]], labels: [1, 0], superpixels: [1, 1] }));
    assert.equal(f.labels[0], 0);
  });
});

describe('rarity ranking', () => {
  it('counts relabel answers per class, 255 and other answers not counted', () => {
    const counts = relabelCounts(
      [
        { image: 'a', superpixel: 1, answer: 'relabel', class: 2 },
        { image: 'a', superpixel: 2, answer: 'relabel', class: 2 },
        { image: 'a', superpixel: 3, answer: 'relabel', class: 255 },
        { image: 'b', superpixel: 1, answer: 'correct' },
        { image: 'b', superpixel: 2, answer: 'relabel', class: 0 },
      ],
      3,
    );
    assert.deepEqual([...counts], [1, 0, 2]);
  });

  it('ranks classes rarest first, ties by id, and takes floor(C / 2) as the rarer half', () => {
    const rarity = rankRarity([3, 0, 5, 0, 9]);
    assert.deepEqual(rarity.order, [1, 3, 0, 2, 4]);
    assert.deepEqual([...rarity.rarerHalf], [1, 3]);
    assert.equal(rarity.rarest, 1);
  });
});

describe('applyAutoCorrection', () => {
  // C = 4; relabel counts [5, 0, 9, 7]: order [1, 0, 3, 2], rarer half {1, 0}, rarest 1.
  const rarity = rankRarity([5, 0, 9, 7]);
  // Eight superpixels of two pixels each; majority labels noted per superpixel.
  const labels = Uint8Array.from([2, 255, 2, 2, 3, 3, 2, 2, 1, 1, 2, 2, 255, 255, 2, 2]);
  const superpixels = Uint16Array.from([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8]);
  const predictions: ClassifierPrediction[] = [
    { superpixel: 1, predicted: 3, confidence: 0.995 }, // label 2 (tie 2/255 -> 2): applied
    { superpixel: 2, predicted: 3, confidence: 0.99 }, // exactly the threshold: applied
    { superpixel: 3, predicted: 3, confidence: 1 }, // same as the current label
    { superpixel: 4, predicted: 0, confidence: 1 }, // 0 is in the rarer half
    { superpixel: 5, predicted: 3, confidence: 1 }, // current label 1 is the rarest class
    { superpixel: 6, predicted: 3, confidence: 1 }, // queried
    { superpixel: 7, predicted: 2, confidence: 1 }, // current label 255: applied
    { superpixel: 8, predicted: 3, confidence: 0.9899 }, // below the threshold
  ];

  it('applies exactly the predictions that pass every rule, over all of R, and logs them', () => {
    const result = applyAutoCorrection('im', labels, superpixels, 16, predictions, { classes: 4, rarity, queried: new Set([6]) });
    assert.deepEqual([...result.labels], [3, 3, 3, 3, 3, 3, 2, 2, 1, 1, 2, 2, 2, 2, 2, 2]);
    assert.deepEqual(result.changes, [
      { image: 'im', superpixel: 1, from: 2, to: 3, confidence: 0.995, pixels: 2, changed: 2 },
      { image: 'im', superpixel: 2, from: 2, to: 3, confidence: 0.99, pixels: 2, changed: 2 },
      { image: 'im', superpixel: 7, from: 255, to: 2, confidence: 1, pixels: 2, changed: 2 },
    ]);
    assert.deepEqual([...labels.subarray(0, 2)], [2, 255], 'the input is not modified');
  });

  it('rejects unknown superpixels, duplicates, bad classes and bad confidences', () => {
    const apply = (p: ClassifierPrediction[]): unknown => applyAutoCorrection('im', labels, superpixels, 16, p, { classes: 4, rarity });
    assert.throws(() => apply([{ superpixel: 99, predicted: 1, confidence: 1 }]), /unknown superpixel 99/);
    assert.throws(() => apply([predictions[0], predictions[0]]), /predicted more than once/);
    assert.throws(() => apply([{ superpixel: 1, predicted: 4, confidence: 1 }]), InputError);
    assert.throws(() => apply([{ superpixel: 1, predicted: 1, confidence: 1.5 }]), InputError);
  });
});
