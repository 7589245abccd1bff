/**
 * Seeded pseudo-random numbers for the simulation parts of the engine (oracle errors and latency,
 * random baseline), identical on every platform.
 *
 * Generator: xoshiro128** 1.1 (Blackman & Vigna, https://prng.di.unimi.it/xoshiro128starstar.c), its
 * 128-bit state filled by SplitMix32 steps (golden-ratio increment 0x9e3779b9, lowbias32 output mixer
 * of C. Wellons). Streams are keyed with `hashKey`, so each (seed, image, superpixel) gets its own
 * stream and results do not depend on the order or sharding in which superpixels are processed.
 */

const TWO_POW_32 = 0x1_0000_0000;

/** lowbias32 (C. Wellons): a bijective 32-bit mixer with good avalanche. */
function mix32(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const utf8 = new TextEncoder();

/**
 * Hashes a key made of strings and non-negative safe integers to a 32-bit seed: FNV-1a over a
 * length-prefixed encoding (strings as UTF-8, integers as two little-endian 32-bit words), then
 * lowbias32. The prefix keeps ("ab", "c") and ("a", "bc") apart.
 */
export function hashKey(...parts: readonly (string | number)[]): number {
  let hash = 0x811c9dc5;
  const feed = (byte: number): void => {
    hash = Math.imul(hash ^ byte, 0x01000193);
  };
  const feedWord = (word: number): void => {
    for (let shift = 0; shift < 32; shift += 8) feed((word >>> shift) & 0xff);
  };
  for (const part of parts) {
    if (typeof part === 'string') {
      const bytes = utf8.encode(part);
      feed(0x73);
      feedWord(bytes.length);
      for (const byte of bytes) feed(byte);
    } else {
      if (!Number.isSafeInteger(part) || part < 0) throw new RangeError(`hashKey: ${part} is not a non-negative safe integer`);
      feed(0x6e);
      feedWord(part % TWO_POW_32);
      feedWord(Math.floor(part / TWO_POW_32));
    }
  }
  return mix32(hash);
}

/** A xoshiro128** stream. */
export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `seed`: any 32-bit value, typically from `hashKey`. */
  constructor(seed: number) {
    let state = seed >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      return mix32(state);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    // The all-zero state is the one fixed point of xoshiro; SplitMix32 cannot produce it from four
    // consecutive steps, but keep the generator safe regardless of how the words came out.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits (two draws). */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform integer in [0, n), unbiased (rejection of the incomplete last block), 1 <= n <= 2^32. */
  nextBelow(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new RangeError(`nextBelow: bad bound ${n}`);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }
}
