import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeRgb, normaliseInto } from '../../../inference/preprocess.js';
import { softmaxInPlace } from '../../../engine-wasm/softmax-kernel.js';

describe('softmax over the class axis', () => {
  it('matches a naive per-pixel softmax, sums to one, and survives large logits', () => {
    const classes = 4;
    const plane = 6;
    const logits = Float32Array.from({ length: classes * plane + 3 }, (_, i) => ((i * 37) % 11) - 5 + (i === 7 ? 900 : 0));
    const offset = 3; // a block inside a batch buffer
    const original = logits.slice();
    softmaxInPlace(logits, offset, classes, plane);
    for (let i = 0; i < plane; i++) {
      const column = Array.from({ length: classes }, (_, c) => original[offset + c * plane + i]);
      const max = Math.max(...column);
      const exps = column.map((v) => Math.exp(v - max));
      const total = exps.reduce((a, b) => a + b, 0);
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        const p = logits[offset + c * plane + i];
        assert.ok(Math.abs(p - exps[c] / total) < 1e-7, `pixel ${i} class ${c}: ${p} vs ${exps[c] / total}`);
        sum += p;
      }
      assert.ok(Math.abs(sum - 1) < 1e-6);
    }
    assert.deepEqual(Array.from(logits.subarray(0, offset)), Array.from(original.subarray(0, offset)), 'outside the block untouched');
  });
});

describe('image preprocessing', () => {
  it('decodes to RGB and normalises planar as (pixel/255 - mean)/std', async () => {
    const rgba = Buffer.from([255, 0, 0, 255, 0, 128, 255, 255]); // 2x1: red, azure; alpha dropped
    const png = await sharp(rgba, { raw: { width: 2, height: 1, channels: 4 } }).png().toBuffer();
    const image = await decodeRgb(png);
    assert.deepEqual([image.width, image.height], [2, 1]);
    assert.deepEqual(Array.from(image.rgb), [255, 0, 0, 0, 128, 255]);
    const mean: [number, number, number] = [0.5, 0.25, 0];
    const std: [number, number, number] = [0.5, 0.25, 1];
    const target = new Float32Array(1 + 3 * 2);
    normaliseInto(image, { mean, std }, target, 1);
    const expected = [0, (1 - 0.5) / 0.5, (0 - 0.5) / 0.5, (0 - 0.25) / 0.25, (128 / 255 - 0.25) / 0.25, 0, 1];
    expected.forEach((value, i) => assert.ok(Math.abs(target[i] - value) < 1e-6, `index ${i}: ${target[i]} vs ${value}`));
  });
});
