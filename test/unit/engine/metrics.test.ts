import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../common/errors.js';
import { ConfusionMatrix, segmentationMetrics } from '../../../engine/metrics.js';
import { Prng } from '../../../engine/prng.js';

function metricsOf(classes: number, labels: number[], truth: number[]) {
  const matrix = new ConfusionMatrix(classes);
  matrix.add(Uint8Array.from(labels), Uint8Array.from(truth));
  return segmentationMetrics(matrix);
}

describe('segmentation metrics', () => {
  it('match a hand-computed example, with label 255 as a miss', () => {
    // Truth [0, 0, 1, 1, 2, void], labels [0, 1, 1, 255, 1, 0]. Rows (truth) 0: {0, 1}, 1: {1, miss},
    // 2: {1}. diag = [1, 1, 0], rows = [2, 2, 1], columns = [1, 3, 0], total 5.
    const m = metricsOf(3, [0, 1, 1, 255, 1, 0], [0, 0, 1, 1, 2, 255]);
    assert.equal(m.overallAcc, 2 / 5);
    assert.equal(m.meanAcc, (0.5 + 0.5 + 0) / 3);
    // IoU = diag / (row + column - diag) = [1/2, 1/4, 0/1].
    assert.deepEqual(m.classIoU, [0.5, 0.25, 0]);
    assert.equal(m.meanIoU, 0.75 / 3);
    assert.ok(Math.abs((m.freqWAcc ?? NaN) - (0.4 * 0.5 + 0.4 * 0.25 + 0.2 * 0)) < 1e-15);
  });

  it('leaves undefined class IoUs out of the mean', () => {
    // Class 2 appears in neither truth nor labels; class 1 only in the labels (IoU 0, defined).
    const m = metricsOf(3, [0, 1, 0], [0, 0, 0]);
    assert.deepEqual(m.classIoU, [2 / 3, 0, null]);
    assert.equal(m.meanIoU, (2 / 3 + 0) / 2);
    assert.equal(m.meanAcc, 2 / 3, 'mean accuracy over classes present in the truth');
  });

  it('is undefined without any non-void pixel', () => {
    const m = metricsOf(2, [0, 1], [255, 255]);
    assert.deepEqual(m, { overallAcc: null, meanAcc: null, freqWAcc: null, meanIoU: null, classIoU: [null, null] });
  });

  it('accumulates images and merges matrices', () => {
    const a = new ConfusionMatrix(2);
    a.add(Uint8Array.from([0, 1]), Uint8Array.from([0, 0]));
    const b = new ConfusionMatrix(2);
    b.add(Uint8Array.from([1]), Uint8Array.from([1]));
    a.merge(b);
    assert.deepEqual([...a.counts], [1, 1, 0, 1]);
    assert.throws(() => a.merge(new ConfusionMatrix(3)), InputError);
  });

  it('rejects out-of-range values and size mismatches, naming the image', () => {
    const m = new ConfusionMatrix(3);
    assert.throws(() => m.add(Uint8Array.from([0, 3]), Uint8Array.from([0, 0]), 'dog_7', 2), /dog_7: label 3 at \(row 0, col 1\) is out of range/);
    assert.throws(() => m.add(Uint8Array.from([0, 0]), Uint8Array.from([0, 9]), 'dog_7'), /dog_7: ground truth 9/);
    assert.throws(() => m.add(Uint8Array.from([0]), Uint8Array.from([0, 0]), 'dog_7'), InputError);
  });
});

describe('segmentation metrics: property', () => {
  it('equal a naive per-class count on random maps', () => {
    const prng = new Prng(1234);
    for (let trial = 0; trial < 25; trial++) {
      const C = 1 + prng.nextBelow(8);
      const n = 1 + prng.nextBelow(300);
      const pick = (): number => (prng.nextFloat() < 0.1 ? 255 : prng.nextBelow(C));
      const labels = Array.from({ length: n }, pick);
      const truth = Array.from({ length: n }, pick);
      const m = metricsOf(C, labels, truth);
      const valid = truth.map((t, x) => ({ t, l: labels[x] })).filter(({ t }) => t !== 255);
      const ious: number[] = [];
      const accs: number[] = [];
      let fw = 0;
      for (let c = 0; c < C; c++) {
        const tp = valid.filter(({ t, l }) => t === c && l === c).length;
        const fn = valid.filter(({ t, l }) => t === c && l !== c).length;
        const fp = valid.filter(({ t, l }) => t !== c && l === c).length;
        const iou = tp + fn + fp > 0 ? tp / (tp + fn + fp) : null;
        assert.equal(m.classIoU[c] === null, iou === null);
        if (iou !== null) {
          assert.ok(Math.abs((m.classIoU[c] ?? NaN) - iou) < 1e-12);
          ious.push(iou);
        }
        if (tp + fn > 0) {
          accs.push(tp / (tp + fn));
          fw += ((tp + fn) / valid.length) * (iou ?? 0);
        }
      }
      const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
      const near = (a: number | null, b: number | null): boolean => (a === null ? b === null : b !== null && Math.abs(a - b) < 1e-12);
      assert.ok(near(m.meanIoU, mean(ious)));
      assert.ok(near(m.meanAcc, mean(accs)));
      assert.ok(near(m.overallAcc, valid.length ? valid.filter(({ t, l }) => t === l).length / valid.length : null));
      assert.ok(near(m.freqWAcc, valid.length ? fw : null));
    }
  });
});
