/**
 * Synthetic images shaped like real acquisition inputs, for benchmarks: class regions with a
 * softmax that peaks on the region's class, superpixels as blocks (a tenth of them left as
 * superpixel 0), and working labels that mostly agree with the regions, with some 255.
 */
import { Prng, hashKey } from '../engine/prng.js';
import type { ImageInput } from '../engine/types.js';

export interface SyntheticShape {
  readonly classes: number;
  readonly height: number;
  readonly width: number;
  /** Approximate number of superpixels. */
  readonly superpixels: number;
}

export function syntheticImage(shape: SyntheticShape, seed: number): ImageInput {
  const { classes: C, height: H, width: W } = shape;
  const hw = H * W;
  const prng = new Prng(hashKey('synthetic-image', seed));
  const uniform = (): number => prng.nextUint32() / 4294967296;
  const side = Math.max(1, Math.round(Math.sqrt(hw / shape.superpixels)));
  const blocksPerRow = Math.ceil(W / side);
  // Class regions are coarser than superpixels, so most superpixels lie in one region.
  const regionSide = side * 3;
  const regionsPerRow = Math.ceil(W / regionSide);
  const regionClass = Array.from({ length: Math.ceil(H / regionSide) * regionsPerRow }, () => prng.nextBelow(C));
  const unlabelled = Array.from({ length: Math.ceil(H / side) * blocksPerRow }, () => uniform() < 0.1);
  const softLabels = new Float32Array(C * hw);
  const labels = new Uint8Array(hw);
  const superpixels = new Uint16Array(hw);
  const logits = new Float64Array(C);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const pixel = y * W + x;
      const block = Math.floor(y / side) * blocksPerRow + Math.floor(x / side);
      superpixels[pixel] = unlabelled[block] ? 0 : (block % 65535) + 1;
      const cls = regionClass[Math.floor(y / regionSide) * regionsPerRow + Math.floor(x / regionSide)];
      let sum = 0;
      for (let c = 0; c < C; c++) {
        logits[c] = Math.exp((c === cls ? 4 : 0) + 2 * uniform());
        sum += logits[c];
      }
      for (let c = 0; c < C; c++) softLabels[c * hw + pixel] = logits[c] / sum;
      const r = uniform();
      labels[pixel] = r < 0.05 ? 255 : r < 0.15 ? prng.nextBelow(C) : cls;
    }
  }
  return { classes: C, height: H, width: W, softLabels, labels, superpixels };
}
