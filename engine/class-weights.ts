/**
 * A2LC's class-balanced weights and the `abc` score (spec, "Class-balanced weights").
 *
 * Round flow: scoring each image records, per superpixel, its label counts and its class terms
 * T[c] = sum over the pixels x of E with u(x) = c of cos(P(x), v) * e(x) (score-image.ts). Once
 * every image is scored, the counts of the superpixels not queried in an earlier round give w,
 * and abc = sum_c w[c] * T[c], with no second read of the soft labels.
 *
 * Summation order (float64, shared with bench/reference/alc_numpy.py): each T[c] adds its terms in
 * row-major pixel order; abc then adds w[c] * T[c] over c = 0..C-1 starting from 0. This groups the
 * spec's sum over E by class u(x) before weighting, which is the same sum in exact arithmetic and
 * may differ from a single row-major sum of cos * w * e in the last bits only.
 */
import type { ImageScores } from './score-image.js';

/**
 * Adds to `totals` (length C) the label counts n_c of the superpixels of one image that were not
 * queried in an earlier round. Totals are float64 so whole datasets count exactly (up to 2^53).
 */
export function addUnqueriedLabelCounts(totals: Float64Array, scores: ImageScores, queried?: ReadonlySet<number>): void {
  const C = scores.classes;
  if (totals.length !== C) throw new RangeError(`label count totals have ${totals.length} classes, scores have ${C}`);
  const ids = scores.superpixelIds;
  for (let i = 0; i < ids.length; i++) {
    if (queried?.has(ids[i])) continue;
    for (let c = 0; c < C; c++) totals[c] += scores.labelCounts[i * C + c];
  }
}

/**
 * w_c = (min_k n_k / n_c) ^ (KL^3) over the classes with n_c > 0, and 0 for the others, where
 * p_c = n_c / sum n, K = number of classes with n_c > 0 and KL = sum_c p_c ln(p_c K) (c ascending).
 * KL^3 is computed as KL * KL * KL.
 */
export function classBalancedWeights(counts: ArrayLike<number>): Float64Array {
  const C = counts.length;
  const weights = new Float64Array(C);
  let total = 0;
  let present = 0;
  let smallest = Infinity;
  for (let c = 0; c < C; c++) {
    const n = counts[c];
    if (!(n >= 0) || !Number.isFinite(n)) throw new RangeError(`class ${c}: count ${n} is not a non-negative number`);
    if (n === 0) continue;
    total += n;
    present++;
    if (n < smallest) smallest = n;
  }
  if (present === 0) return weights;
  let kl = 0;
  for (let c = 0; c < C; c++) {
    if (counts[c] === 0) continue;
    const p = counts[c] / total;
    kl += p * Math.log(p * present);
  }
  const exponent = kl * kl * kl;
  for (let c = 0; c < C; c++) if (counts[c] > 0) weights[c] = Math.pow(smallest / counts[c], exponent);
  return weights;
}

/** abc of every superpixel of one image (NaN where it has no score). */
export function abcScores(scores: ImageScores, weights: Float64Array): Float64Array {
  const C = scores.classes;
  if (weights.length !== C) throw new RangeError(`class weights have ${weights.length} classes, scores have ${C}`);
  const n = scores.superpixelIds.length;
  const abc = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (scores.expansion[i] === 0) {
      abc[i] = NaN;
      continue;
    }
    let sum = 0;
    for (let c = 0; c < C; c++) sum += weights[c] * scores.classTerms[i * C + c];
    abc[i] = sum;
  }
  return abc;
}
