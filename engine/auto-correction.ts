/**
 * A2LC's automatic correction, the engine's part (spec, "Automatic correction"): the training
 * examples of the small classifier (one per superpixel: mean soft label over R, most frequent
 * working label over R) and the application of its predictions under the spec's rules, every change
 * logged. Training the classifier belongs to the trainer.
 */
import { InputError } from '../common/errors.js';
import type { Answer } from './apply-answers.js';
import { indexOfSuperpixel } from './apply-answers.js';
import { validateImageInput } from './score-image.js';
import { compactSuperpixels } from './superpixel-index.js';
import { IGNORE_LABEL, type ImageInput, type SuperpixelMap, type SuperpixelRef } from './types.js';

/** Confidence a prediction needs before it may relabel a superpixel. */
export const MIN_AUTO_CONFIDENCE = 0.99;

export interface SuperpixelFeatures {
  readonly classes: number;
  /** Every superpixel id present except 0, ascending; index i below refers to `superpixelIds[i]`. */
  readonly superpixelIds: Uint32Array;
  /** |R|. */
  readonly pixels: Uint32Array;
  /**
   * n x C: mean of P over R in float64, summed in row-major order. As in scoring, zero vectors are
   * left out of the mean; a superpixel of zero vectors only gets a zero feature.
   */
  readonly features: Float64Array;
  /** Most frequent L over R (ties: smallest id; 255 counts as a value and wins only outright). */
  readonly labels: Uint8Array;
}

interface RegionLabels {
  readonly ids: Uint32Array;
  readonly index: Int32Array;
  readonly pixels: Uint32Array;
  readonly majority: Uint8Array;
}

/** Compact superpixel indices of every pixel, |R| and the most frequent label of each superpixel. */
function regionLabels(labels: Uint8Array, superpixels: SuperpixelMap, classes: number, image: string, width: number): RegionLabels {
  const index = new Int32Array(labels.length);
  const { ids } = compactSuperpixels(superpixels, index, new Int32Array(0));
  const n = ids.length;
  const bins = classes + 1; // classes, then 255
  const votes = new Uint32Array((n + 1) * bins);
  for (let x = 0; x < labels.length; x++) {
    const label = labels[x];
    if (label >= classes && label !== IGNORE_LABEL) {
      throw new InputError(`${image}: label ${label} at (row ${Math.floor(x / width)}, col ${x % width}) is out of range (classes 0..${classes - 1} or ${IGNORE_LABEL})`);
    }
    votes[index[x] * bins + (label === IGNORE_LABEL ? classes : label)]++;
  }
  const pixels = new Uint32Array(n);
  const majority = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const base = (i + 1) * bins;
    let best = 0;
    let total = 0;
    for (let b = 0; b < bins; b++) {
      total += votes[base + b];
      if (votes[base + b] > votes[base + best]) best = b;
    }
    pixels[i] = total;
    majority[i] = best === classes ? IGNORE_LABEL : best;
  }
  return { ids, index, pixels, majority };
}

/**
 * The classifier's label of every superpixel from L and S alone (no P): what a training example
 * gets once a round's answers are applied. Same ids, |R| and most frequent label as
 * {@link superpixelFeatures}.
 */
export function superpixelLabels(
  labels: Uint8Array,
  superpixels: SuperpixelMap,
  classes: number,
  width: number,
  image = 'image',
): Pick<SuperpixelFeatures, 'superpixelIds' | 'pixels' | 'labels'> {
  if (labels.length !== superpixels.length || labels.length % width !== 0) throw new InputError(`${image}: label and superpixel maps differ in size`);
  const regions = regionLabels(labels, superpixels, classes, image, width);
  return { superpixelIds: regions.ids, pixels: regions.pixels, labels: regions.majority };
}

/** The classifier's inputs and labels for every superpixel of one image. */
export function superpixelFeatures(input: ImageInput, image = 'image'): SuperpixelFeatures {
  validateImageInput(input, image);
  const { classes: C, height, width, softLabels: P, labels, superpixels } = input;
  const hw = height * width;
  const regions = regionLabels(labels, superpixels, C, image, width);
  const n = regions.ids.length;
  const sums = new Float64Array((n + 1) * C);
  const nonZero = new Uint32Array(n + 1);
  for (let x = 0; x < hw; x++) {
    const k = regions.index[x];
    if (k === 0) continue;
    let any = false;
    // Adding the zeros of a zero vector leaves the sums unchanged; only the count must skip it.
    for (let c = 0, o = x, s = k * C; c < C; c++, o += hw, s++) {
      const p = P[o];
      if (!Number.isFinite(p)) throw new InputError(`${image}: soft labels at (row ${Math.floor(x / width)}, col ${x % width}) are not finite`);
      sums[s] += p;
      any ||= p !== 0;
    }
    if (any) nonZero[k]++;
  }
  const features = new Float64Array(n * C);
  for (let i = 0; i < n; i++) {
    const count = nonZero[i + 1];
    if (count === 0) continue;
    for (let c = 0; c < C; c++) features[i * C + c] = sums[(i + 1) * C + c] / count;
  }
  return { classes: C, superpixelIds: regions.ids, pixels: regions.pixels, features, labels: regions.majority };
}

/** Per class, the `relabel k` answers of a round (k = 255 not counted). */
export function relabelCounts(answers: Iterable<Answer>, classes: number): Float64Array {
  const counts = new Float64Array(classes);
  for (const a of answers) {
    if (a.answer === 'relabel' && a.class !== undefined && a.class !== IGNORE_LABEL && a.class >= 0 && a.class < classes) counts[a.class]++;
  }
  return counts;
}

/** Classes ranked from rarest to most frequent by a round's relabel counts (ties: smallest id first). */
export interface RarityRanking {
  readonly order: readonly number[];
  /** The first floor(C / 2) classes of `order`, which automatic correction never writes. */
  readonly rarerHalf: ReadonlySet<number>;
  /** `order[0]`, whose superpixels automatic correction never relabels. */
  readonly rarest: number;
}

export function rankRarity(counts: ArrayLike<number>): RarityRanking {
  const order = Array.from({ length: counts.length }, (_, c) => c).sort((a, b) => counts[a] - counts[b] || a - b);
  return { order, rarerHalf: new Set(order.slice(0, Math.floor(counts.length / 2))), rarest: order[0] };
}

export interface ClassifierPrediction {
  readonly superpixel: number;
  /** The class the classifier predicts (its argmax). */
  readonly predicted: number;
  /** Its softmax probability. */
  readonly confidence: number;
}

/** One automatic relabelling, enough to audit and revert it. */
export interface AutoCorrection extends SuperpixelRef {
  readonly from: number;
  readonly to: number;
  readonly confidence: number;
  /** |R|, all of which now carries `to`. */
  readonly pixels: number;
  /** Pixels of R whose label was not already `to`. */
  readonly changed: number;
}

export interface AutoCorrectionOptions {
  readonly classes: number;
  readonly rarity: RarityRanking;
  /** Superpixel ids of this image queried in this or an earlier round; never relabelled. */
  readonly queried?: ReadonlySet<number>;
  readonly minConfidence?: number;
}

/**
 * Relabels all of R to the prediction p for the never-queried superpixels where confidence >=
 * 0.99, p differs from the current label (most frequent L over R), p is not in the rarer half of
 * the classes and the current label is not the rarest class. Returns a new label map.
 */
export function applyAutoCorrection(
  image: string,
  labels: Uint8Array,
  superpixels: SuperpixelMap,
  width: number,
  predictions: readonly ClassifierPrediction[],
  options: AutoCorrectionOptions,
): { labels: Uint8Array; changes: AutoCorrection[] } {
  const { classes, rarity, queried, minConfidence = MIN_AUTO_CONFIDENCE } = options;
  if (labels.length !== superpixels.length || labels.length % width !== 0) throw new InputError(`${image}: label and superpixel maps differ in size`);
  const regions = regionLabels(labels, superpixels, classes, image, width);
  const target = new Int16Array(regions.ids.length + 1).fill(-1);
  const decided: { prediction: ClassifierPrediction; index: number }[] = [];
  const seen = new Set<number>();
  for (const prediction of predictions) {
    const { superpixel, predicted, confidence } = prediction;
    if (seen.has(superpixel)) throw new InputError(`${image} superpixel ${superpixel}: predicted more than once`);
    seen.add(superpixel);
    const i = indexOfSuperpixel(regions.ids, superpixel);
    if (i < 0) throw new InputError(`${image}: prediction for unknown superpixel ${superpixel}`);
    if (!Number.isInteger(predicted) || predicted < 0 || predicted >= classes) {
      throw new InputError(`${image} superpixel ${superpixel}: predicted class ${predicted} is out of range (0..${classes - 1})`);
    }
    if (!(confidence >= 0 && confidence <= 1)) throw new InputError(`${image} superpixel ${superpixel}: confidence ${confidence} is not in [0, 1]`);
    const current = regions.majority[i];
    const allowed =
      !(queried?.has(superpixel) ?? false) &&
      confidence >= minConfidence &&
      predicted !== current &&
      !rarity.rarerHalf.has(predicted) &&
      current !== rarity.rarest;
    if (!allowed) continue;
    target[i + 1] = predicted;
    decided.push({ prediction, index: i });
  }
  const out = labels.slice();
  const changed = new Float64Array(regions.ids.length + 1);
  for (let x = 0; x < out.length; x++) {
    const k = regions.index[x];
    const to = target[k];
    if (to < 0 || out[x] === to) continue;
    out[x] = to;
    changed[k]++;
  }
  const changes = decided
    .map(({ prediction, index }): AutoCorrection => ({
      image,
      superpixel: prediction.superpixel,
      from: regions.majority[index],
      to: prediction.predicted,
      confidence: prediction.confidence,
      pixels: regions.pixels[index],
      changed: changed[index + 1],
    }))
    .sort((a, b) => a.superpixel - b.superpixel);
  return { labels: out, changes };
}
