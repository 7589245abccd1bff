import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addUnqueriedLabelCounts } from '../../../engine/class-weights.js';
import { addUnqueriedLabelTotals, argmaxLabels } from '../../../engine/predictions.js';
import { scoreImage } from '../../../engine/score-image.js';

describe('argmax predictions', () => {
  it('takes the largest class, ties to the smallest id', () => {
    // 3 classes x 4 pixels, planar.
    const p = Float32Array.from([
      0.2, 0.5, 0.4, 0.1, // class 0
      0.6, 0.5, 0.2, 0.1, // class 1
      0.2, 0.0, 0.4, 0.8, // class 2
    ]);
    assert.deepEqual(Array.from(argmaxLabels(p, 3, 4)), [1, 0, 0, 2]);
  });
});

describe('label totals from L and S alone', () => {
  it('equal the counts the scorer records, for unqueried superpixels', () => {
    const width = 5;
    const height = 4;
    const classes = 3;
    const labels = Uint8Array.from([0, 0, 1, 255, 2, 1, 1, 1, 2, 2, 0, 255, 2, 2, 2, 1, 0, 0, 0, 1]);
    const superpixels = Uint16Array.from([1, 1, 2, 2, 0, 1, 3, 2, 2, 0, 3, 3, 3, 4, 4, 7, 7, 4, 4, 0]);
    const softLabels = new Float32Array(classes * width * height).map((_, i) => ((i * 7919) % 13) / 13 + 0.01);
    const scores = scoreImage({ classes, height, width, softLabels, labels, superpixels }, { mode: 'a2lc' });
    const queried = new Set([3]);
    const fromScorer = new Float64Array(classes);
    addUnqueriedLabelCounts(fromScorer, scores, queried);
    const fromMaps = new Float64Array(classes);
    addUnqueriedLabelTotals(fromMaps, labels, superpixels, queried);
    assert.deepEqual(Array.from(fromMaps), Array.from(fromScorer));
    // By hand over superpixels 1, 2, 4, 7 (3 is queried, 0 is none), 255 not counted:
    // class 0 at pixels 0, 1, 16, 17, 18; class 1 at 2, 5, 7, 15; class 2 at 8, 13, 14.
    assert.deepEqual(Array.from(fromMaps), [5, 4, 3]);
  });
});
