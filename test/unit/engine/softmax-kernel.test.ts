/**
 * The WebAssembly SIMD softmax (engine-wasm/assembly/softmax.ts) against a float64 softmax: within
 * float32 rounding, the same for a pixel wherever it sits (vector lanes and the scalar tail), NaN
 * for a pixel with a NaN or +infinite logit, and the block outside its range untouched.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { softmaxInPlace } from '../../../engine-wasm/softmax-kernel.js';
import { Prng } from '../../../engine/prng.js';

/** Float64 softmax of one pixel's logits. */
function reference(logits: readonly number[]): number[] {
  const most = Math.max(...logits);
  const exps = logits.map((value) => Math.exp(value - most));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

function column(values: Float32Array, offset: number, classes: number, plane: number, pixel: number): number[] {
  return Array.from({ length: classes }, (_, c) => values[offset + c * plane + pixel]);
}

describe('WebAssembly softmax', () => {
  it('is within float32 rounding of a float64 softmax, for any number of classes and pixels', () => {
    const prng = new Prng(3);
    for (const [classes, plane] of [[1, 5], [2, 4], [3, 7], [19, 33], [21, 64], [150, 9]]) {
      const offset = 5;
      const logits = Float32Array.from({ length: offset + classes * plane + 2 }, () => (prng.nextUint32() / 2 ** 32 - 0.5) * 60);
      const original = logits.slice();
      softmaxInPlace(logits, offset, classes, plane);
      for (let pixel = 0; pixel < plane; pixel++) {
        const expected = reference(column(original, offset, classes, plane, pixel));
        const actual = column(logits, offset, classes, plane, pixel);
        for (let c = 0; c < classes; c++) {
          // 1 ulp of exp, the float32 rounding of e and of P: a few parts in 10^7, or below float32's normal range.
          const tolerance = Math.max(3e-7 * expected[c], 1.2e-38);
          assert.ok(Math.abs(actual[c] - expected[c]) <= tolerance, `${classes} classes, pixel ${pixel}, class ${c}: ${actual[c]} vs ${expected[c]}`);
        }
        assert.ok(Math.abs(actual.reduce((a, b) => a + b, 0) - 1) < 1e-6, `pixel ${pixel} sums to one`);
      }
      assert.deepEqual([...logits.subarray(0, offset)], [...original.subarray(0, offset)], 'before the block untouched');
      assert.deepEqual([...logits.subarray(offset + classes * plane)], [...original.subarray(offset + classes * plane)], 'after the block untouched');
    }
  });

  it('gives a pixel the same bits wherever it sits (vector lanes and the scalar tail)', () => {
    const classes = 7;
    const plane = 11; // two groups of four and a tail of three
    const pixel = [3.25, -1, 0.5, 12, -80, 11.75, 0];
    const logits = new Float32Array(classes * plane);
    for (let x = 0; x < plane; x++) for (let c = 0; c < classes; c++) logits[c * plane + x] = pixel[c];
    softmaxInPlace(logits, 0, classes, plane);
    const first = column(logits, 0, classes, plane, 0);
    for (let x = 1; x < plane; x++) assert.deepEqual(column(logits, 0, classes, plane, x), first, `pixel ${x}`);
    // The largest logit's exp is exactly 1, so its P is exactly float32(1 / sum).
    const exps = reference(pixel);
    assert.ok(Math.abs(first[3] - exps[3]) <= 6e-8);
  });

  it('makes P NaN for a pixel with a NaN or +infinite logit, 0 for a -infinite one, and leaves the others alone', () => {
    const classes = 3;
    const plane = 6;
    const logits = Float32Array.from({ length: classes * plane }, (_, i) => (i % 5) - 2);
    logits[0 * plane + 1] = NaN; // pixel 1, class 0
    logits[2 * plane + 2] = NaN; // pixel 2, class 2 (not the first class)
    logits[1 * plane + 4] = Infinity; // pixel 4
    logits[1 * plane + 5] = -Infinity; // pixel 5
    const original = logits.slice();
    softmaxInPlace(logits, 0, classes, plane);
    for (const pixel of [1, 2, 4]) assert.ok(column(logits, 0, classes, plane, pixel).every(Number.isNaN), `pixel ${pixel} is NaN`);
    const five = column(logits, 0, classes, plane, 5);
    assert.equal(five[1], 0);
    const others = column(original, 0, classes, plane, 5).filter(Number.isFinite);
    const expected = reference(others);
    assert.ok(Math.abs(five[0] - expected[0]) < 1e-7 && Math.abs(five[2] - expected[1]) < 1e-7);
    for (const pixel of [0, 3]) assert.ok(column(logits, 0, classes, plane, pixel).every(Number.isFinite), `pixel ${pixel} is finite`);
  });

  it('grows its memory for large blocks and keeps working for small ones after', () => {
    const prng = new Prng(4);
    for (const [classes, plane] of [[21, 375 * 500], [2, 3]]) {
      const logits = Float32Array.from({ length: classes * plane }, () => (prng.nextUint32() / 2 ** 32) * 10);
      const original = logits.slice();
      softmaxInPlace(logits, 0, classes, plane);
      for (const pixel of [0, plane >> 1, plane - 1]) {
        const expected = reference(column(original, 0, classes, plane, pixel));
        column(logits, 0, classes, plane, pixel).forEach((p, c) => assert.ok(Math.abs(p - expected[c]) <= 3e-7 * expected[c] + 1e-38));
      }
    }
  });
});
