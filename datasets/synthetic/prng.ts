/**
 * The generator's only source of randomness. A seeded, platform-independent PRNG (mulberry32 on
 * 32-bit integer arithmetic) so that the same options and seed give byte-identical datasets, and a
 * seed-derivation function so every image (and every aspect of it) has its own stream: images can
 * be generated independently, in any order, and changing one noise knob never moves an object.
 */

/** Independent random streams of one image. Never renumber: the values are part of the output. */
export const Stream = {
  scene: 1,
  appearance: 2,
  pseudoLabels: 3,
  superpixels: 4,
} as const;
export type StreamId = (typeof Stream)[keyof typeof Stream];

const TWO_POW_32 = 4294967296;

/** A 32-bit avalanche mix (the finaliser of murmur3 / splitmix32). */
function mix32(value: number): number {
  let z = value >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * The seed of one stream of one image, from the dataset seed (any non-negative safe integer), the
 * image index and the stream. Each input goes through a full avalanche so neighbouring indices or
 * seeds give unrelated streams.
 */
export function deriveSeed(datasetSeed: number, imageIndex: number, stream: StreamId): number {
  const low = datasetSeed >>> 0;
  const high = Math.floor(datasetSeed / TWO_POW_32) >>> 0;
  let h = mix32(low ^ 0x9e3779b9);
  h = mix32(h ^ Math.imul(high + 1, 0x7feb352d));
  h = mix32(h ^ Math.imul((imageIndex >>> 0) + 1, 0x846ca68b));
  return mix32(h ^ Math.imul(stream, 0x68e31da4));
}

/** mulberry32: tiny, fast, and good enough for pictures and label noise (not for cryptography). */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1), with 32 bits of resolution. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Approximately standard normal (sum of four uniforms, rescaled): bounded, cheap, no log/sqrt. */
  gaussian(): number {
    return (this.next() + this.next() + this.next() + this.next() - 2) * 1.7320508075688772;
  }

  /** Index drawn with probability proportional to `weights[i]` (non-negative, not all zero). */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let u = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    return weights.length - 1;
  }
}
