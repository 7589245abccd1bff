/** Builders of small engine inputs for the engine tests. */
import { Prng } from '../../../engine/prng.js';
import type { ImageInput } from '../../../engine/types.js';

/**
 * An image from per-pixel class vectors in row-major order (readable in tests), turned into the
 * planar C x H x W layout of P.
 */
export function imageFrom(spec: {
  height: number;
  width: number;
  vectors: readonly (readonly number[])[];
  labels: readonly number[];
  superpixels: readonly number[];
}): ImageInput {
  const { height, width, vectors } = spec;
  const hw = height * width;
  const classes = vectors[0].length;
  if (vectors.length !== hw || spec.labels.length !== hw || spec.superpixels.length !== hw) throw new Error('bad test image');
  const softLabels = new Float32Array(classes * hw);
  vectors.forEach((v, x) => v.forEach((p, c) => (softLabels[c * hw + x] = p)));
  return { classes, height, width, softLabels, labels: Uint8Array.from(spec.labels), superpixels: Uint32Array.from(spec.superpixels) };
}

/**
 * A random image meant to hit the rules' corner cases: soft labels quantised to eighths (exact ties
 * in argmax, votes and cosines), some zero vectors, labels with 255, superpixel 0, and regions made
 * of runs so superpixels have many pixels.
 */
export function randomImage(prng: Prng, options: { classes: number; height: number; width: number; superpixels: number }): ImageInput {
  const { classes, height, width } = options;
  const hw = height * width;
  const softLabels = new Float32Array(classes * hw);
  const labels = new Uint8Array(hw);
  const superpixels = new Uint32Array(hw);
  let current = 1 + prng.nextBelow(options.superpixels);
  for (let x = 0; x < hw; x++) {
    if (prng.nextFloat() < 0.15) current = prng.nextFloat() < 0.1 ? 0 : 1 + prng.nextBelow(options.superpixels);
    superpixels[x] = current;
    const zero = prng.nextFloat() < 0.03;
    const peak = prng.nextBelow(classes);
    for (let c = 0; c < classes; c++) {
      softLabels[c * hw + x] = zero ? 0 : (prng.nextBelow(3) + (c === peak ? prng.nextBelow(6) : 0)) / 8;
    }
    labels[x] = prng.nextFloat() < 0.15 ? 255 : prng.nextFloat() < 0.6 ? peak : prng.nextBelow(classes);
  }
  return { classes, height, width, softLabels, labels, superpixels };
}
