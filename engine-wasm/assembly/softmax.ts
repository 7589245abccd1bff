// Per-pixel softmax over the class axis of C x H x W logits, in place: the soft labels P of
// ../../shared/alc-spec.md from a model's output. A WebAssembly SIMD module of its own, built by
// scripts/build-wasm.sh; ../../inference/softmax.ts copies the logits in and P out.
//
// Four pixels per float32x4. Per pixel: m = the largest logit; e_c = exp(l_c - m) in float32 (the
// largest gives exactly 1; l_c - m keeps its float32 rounding error for the exp); their sum in
// float64, in class order; P_c = e_c * (1 / sum), rounded to float32. exp is Cephes' expf (range reduction by ln 2 in two parts, a degree-5 polynomial,
// scaling by 2^k through the exponent bits; within 1 ulp) with IEEE operations only, so the result
// is the same on every machine. exp below float32's smallest normal (arguments under -87.3) gives
// 0. A NaN or +infinite logit makes its pixel's P NaN, which scoring reports as not finite.

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
/** Arguments below this have exp under float32's smallest normal (about e^-87.34). */
const SMALLEST: f32 = -87.3;

/**
 * 1.5 * 2^23: adding it to a float32 of magnitude below 2^22 rounds it to an integer (ties to
 * even) held in the low bits of the sum, which gives k both as a float and as an int in two cheap
 * operations.
 */
const ROUNDER: f32 = 12582912;
const ROUNDER_BITS: i32 = 0x4b400000;

/**
 * exp(a - b) of four pairs of float32 values with a <= b (a NaN stays NaN). The difference is
 * rounded to float32 and its rounding error (TwoSum) added back after the range reduction, so
 * that large differences lose no accuracy.
 */
@inline function expOfDifference(a: v128, b: v128): v128 {
  const x = f32x4.sub(a, b);
  const back = f32x4.sub(x, a);
  const error = f32x4.sub(f32x4.sub(a, f32x4.sub(x, back)), f32x4.add(b, back));
  const tiny = f32x4.lt(x, f32x4.splat(SMALLEST));
  // pmax(x, c) is x < c ? c : x: a NaN argument is kept.
  const t = f32x4.pmax(x, f32x4.splat(SMALLEST));
  const shifted = f32x4.add(f32x4.mul(t, f32x4.splat(LOG2E)), f32x4.splat(ROUNDER));
  const k = f32x4.sub(shifted, f32x4.splat(ROUNDER));
  const r = f32x4.add(f32x4.sub(f32x4.sub(t, f32x4.mul(k, f32x4.splat(LN2_HI))), f32x4.mul(k, f32x4.splat(LN2_LO))), error);
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.sub(shifted, i32x4.splat(ROUNDER_BITS)), i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(y, scale), tiny);
}

/** expOfDifference for one pair (lane 0), with the same operations. */
@inline function expOfDifference1(a: f32, b: f32): f32 {
  return f32x4.extract_lane(expOfDifference(f32x4.splat(a), f32x4.splat(b)), 0);
}

/**
 * Softmax of the `classes` planes of `plane` float32 values at `logits`, in place. `scratch`
 * holds 12 bytes per pixel (rounded up to whole groups of four, 16-byte aligned): the maxima
 * (float32), then the reciprocals of the sums (float64).
 */
export function softmax(logits: usize, classes: i32, plane: usize, scratch: usize): void {
  const groups = plane & ~(<usize>3);
  const bytes = plane << 2;
  const maxima = scratch;
  const inverses = scratch + (((plane + 3) & ~(<usize>3)) << 2);
  // Maxima. pmax may pass over a NaN logit; its exp below is NaN all the same, and so is the sum.
  for (let x: usize = 0; x < groups; x += 4) {
    let q = logits + (x << 2);
    let most = v128.load(q);
    for (let c = 1; c < classes; c++) {
      q += bytes;
      most = f32x4.pmax(most, v128.load(q));
    }
    v128.store(maxima + (x << 2), most);
  }
  for (let x = groups; x < plane; x++) {
    let q = logits + (x << 2);
    let most = load<f32>(q);
    for (let c = 1; c < classes; c++) {
      q += bytes;
      const value = load<f32>(q);
      if (most < value) most = value;
    }
    store<f32>(maxima + (x << 2), most);
  }
  // e_c in place of the logits, their sums in float64 (class order), then 1 / sum.
  for (let x: usize = 0; x < groups; x += 4) {
    const most = v128.load(maxima + (x << 2));
    let q = logits + (x << 2);
    let low = f64x2.splat(0);
    let high = low;
    for (let c = 0; c < classes; c++, q += bytes) {
      const e = expOfDifference(v128.load(q), most);
      v128.store(q, e);
      low = f64x2.add(low, f64x2.promote_low_f32x4(e));
      high = f64x2.add(high, f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 2, 3)));
    }
    const one = f64x2.splat(1);
    v128.store(inverses + (x << 3), f64x2.div(one, low));
    v128.store(inverses + (x << 3), f64x2.div(one, high), 16);
  }
  for (let x = groups; x < plane; x++) {
    const most = load<f32>(maxima + (x << 2));
    let q = logits + (x << 2);
    let sum: f64 = 0;
    for (let c = 0; c < classes; c++, q += bytes) {
      const e = expOfDifference1(load<f32>(q), most);
      store<f32>(q, e);
      sum += <f64>e;
    }
    store<f64>(inverses + (x << 3), 1 / sum);
  }
  // P_c = e_c / sum.
  for (let c = 0; c < classes; c++) {
    const base = logits + <usize>c * bytes;
    for (let x: usize = 0; x < groups; x += 4) {
      const q = base + (x << 2);
      const low = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(q)), v128.load(inverses + (x << 3))));
      const high = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(q, 8)), v128.load(inverses + (x << 3), 16)));
      v128.store(q, i32x4.shuffle(low, high, 0, 1, 4, 5));
    }
    for (let x = groups; x < plane; x++) {
      const q = base + (x << 2);
      store<f32>(q, <f32>(<f64>load<f32>(q) * load<f64>(inverses + (x << 3))));
    }
  }
}
