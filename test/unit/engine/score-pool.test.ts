import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../common/errors.js';
import { ScorePool, scoreImages, type ScoreTask } from '../../../engine-parallel/score-pool.js';
import { encodeLabelPng, encodeSuperpixelPng } from '../../../datasets/png.js';
import { encodeFloat32Npy } from '../../../engine/npy.js';
import { Prng } from '../../../engine/prng.js';
import { scoreImage } from '../../../engine/score-image.js';
import type { ImageInput } from '../../../engine/types.js';
import { randomImage } from './helpers.js';

function copies(image: ImageInput): { labels: Uint8Array; superpixels: Uint32Array } {
  return { labels: image.labels.slice(), superpixels: Uint32Array.from(image.superpixels) };
}

describe('score pool', () => {
  const prng = new Prng(31);
  const images = Array.from({ length: 7 }, () => randomImage(prng, { classes: 4, height: 10 + prng.nextBelow(30), width: 10 + prng.nextBelow(30), superpixels: 15 }));

  it('gives the scores of scoreImage, from arrays or .npy bytes, with bounded images in flight', async () => {
    let pulled = 0;
    let maxAhead = 0;
    let yielded = 0;
    function* tasks(): Generator<ScoreTask> {
      for (const [i, image] of images.entries()) {
        pulled++;
        maxAhead = Math.max(maxAhead, pulled - yielded);
        const softLabels = i % 2 === 0
          ? { npy: encodeFloat32Npy(image.softLabels, [image.classes, image.height, image.width]), file: `${i}.npy` }
          : { data: image.softLabels.slice(), classes: image.classes, height: image.height, width: image.width };
        yield { image: `img${i}`, softLabels, ...copies(image) };
      }
    }
    const results = new Map<string, unknown>();
    for await (const { image, scores } of scoreImages(tasks(), { mode: 'a2lc', tau: 0.3, threads: 2, maxInFlight: 3 })) {
      yielded++;
      results.set(image, scores);
    }
    assert.equal(results.size, images.length);
    assert.ok(maxAhead <= 4, `at most maxInFlight (+1 being pulled) images ahead, saw ${maxAhead}`);
    images.forEach((image, i) => assert.deepEqual(results.get(`img${i}`), scoreImage(image, { mode: 'a2lc', tau: 0.3 })));
  });

  it('reports bad input as InputError and keeps working', async () => {
    const pool = new ScorePool(1);
    try {
      const bad = { image: 'broken', softLabels: { npy: new Uint8Array(20), file: 'broken.npy' }, labels: new Uint8Array(4), superpixels: new Uint32Array(4) };
      await assert.rejects(pool.score(bad, { mode: 'alc' }), (e: unknown) => e instanceof InputError && /broken.npy: not a .npy file/.test(e.message));
      const image = images[0];
      const task = { image: 'ok', softLabels: { data: image.softLabels.slice(), classes: 4, height: image.height, width: image.width }, ...copies(image) };
      assert.deepEqual(await pool.score(task, { mode: 'alc' }), scoreImage(image, { mode: 'alc' }));
    } finally {
      await pool.close();
    }
  });
});

describe('score pool: PNG inputs', () => {
  const prng = new Prng(32);
  const image = randomImage(prng, { classes: 5, height: 13, width: 21, superpixels: 9 });
  const { classes, height, width } = image;
  const npy = () => ({ npy: encodeFloat32Npy(image.softLabels, [classes, height, width]), file: 'img.npy' });

  it('decodes label and superpixel PNGs in the worker and scores them as decoded arrays', async () => {
    const pool = new ScorePool(2);
    try {
      const labels = { png: await encodeLabelPng({ width, height, data: image.labels }), file: 'labels/img.png' };
      const superpixels = { png: await encodeSuperpixelPng({ width, height, data: Uint32Array.from(image.superpixels) }), file: 'superpixels/img.png' };
      assert.deepEqual(await pool.score({ image: 'img', softLabels: npy(), labels, superpixels }, { mode: 'a2lc', tau: 0.2 }), scoreImage(image, { mode: 'a2lc', tau: 0.2 }));
    } finally {
      await pool.close();
    }
  });

  it('rejects a PNG whose size differs from the soft labels, naming both files', async () => {
    const pool = new ScorePool(1);
    try {
      // Same number of pixels, transposed: only the decoded size tells them apart.
      const labels = { png: await encodeLabelPng({ width: height, height: width, data: image.labels }), file: 'labels/img.png' };
      const task = { image: 'img', softLabels: npy(), labels, superpixels: copies(image).superpixels };
      await assert.rejects(pool.score(task, { mode: 'alc' }), (e: unknown) => e instanceof InputError && e.message === 'labels/img.png is 21x13 but img.npy is 13x21 (height x width)');
      const superpixels = { png: new Uint8Array([1, 2, 3]), file: 'superpixels/img.png' };
      await assert.rejects(pool.score({ image: 'img', softLabels: npy(), labels: copies(image).labels, superpixels }, { mode: 'alc' }), (e: unknown) => e instanceof InputError && /^superpixels\/img.png: not a PNG file$/.test(e.message));
    } finally {
      await pool.close();
    }
  });
});

describe('scoreImages', () => {
  it('throws the first failure even while the source is still being read', async () => {
    async function* slowSource(): AsyncGenerator<ScoreTask> {
      yield { image: 'bad', softLabels: { npy: new Uint8Array(16), file: 'bad.npy' }, labels: new Uint8Array(1), superpixels: new Uint32Array(1) };
      await new Promise((resolve) => setTimeout(resolve, 200));
      yield { image: 'late', softLabels: { npy: new Uint8Array(16), file: 'late.npy' }, labels: new Uint8Array(1), superpixels: new Uint32Array(1) };
    }
    await assert.rejects(async () => {
      for await (const result of scoreImages(slowSource(), { mode: 'alc', threads: 1, maxInFlight: 4 })) assert.fail(`unexpected ${result.image}`);
    }, /bad.npy: not a .npy file/);
  });
});
