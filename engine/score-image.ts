/**
 * Per-image superpixel scoring of the spec (../shared/alc-spec.md, "Per superpixel s"), computed
 * by the WebAssembly SIMD kernel of ../engine-wasm/ (this module validates, places the inputs in the
 * kernel's memory and names the errors).
 *
 * Arithmetic contract, shared bit-for-bit with bench/reference/alc_numpy.py:
 * - every value of P is widened to float64 before use;
 * - per-pixel sums over classes (squared norm, dot products) run over c = 0..C-1 starting from 0;
 *   `|a| = sqrt(sum a_c^2)` and `cos(a, b) = dot(a, b) / (|a| * |b|)`;
 * - per-superpixel sums run over pixels in row-major order starting from 0; means are sum / count;
 * - `e(x) = 1 - P[u(x), x]`, `sim` sums `cos * e`, and `classTerms[c]` sums the same `cos * e` over
 *   the pixels of E with u(x) = c, so that `abc = sum_c w[c] * classTerms[c]` (c ascending) can be
 *   formed once the round's class weights are known, without reading P again (class-weights.ts).
 * The kernel computes several pixels at once in SIMD lanes, one pixel per lane, and keeps every
 * sum above in this order, so vector width changes no bit (../engine-wasm/README.md).
 *
 * Zero vectors (all P[c, x] = 0): A(x) = 0 by the tie rule, and the pixel still counts wherever
 * pixels are counted (|R|, the dominant-class vote, D, the label votes); it is left out of every
 * sum of soft-label vectors or cosines: the mean m over D (numerator and count), the candidates for
 * r, and E. A superpixel whose mean vector is zero has no representative and no score.
 *
 * Passes over P: ALC reads P three times (argmax/norms/class-split sums; cosines to m for r;
 * cosines to P(r) for E); A2LC twice (its v = m, so r and E come from the same cosines).
 */
import { InputError } from '../common/errors.js';
import { KernelMemoryError, ScoreKernel, type KernelError, type KernelScores } from '../engine-wasm/score-kernel.js';
import { IGNORE_LABEL, MAX_CLASSES, type ImageInput, type Mode, type SuperpixelScore } from './types.js';

export interface ScoringOptions {
  readonly mode: Mode;
  /** Expansion threshold: E = pixels of R with cos(P(x), v) >= tau. Default 0. */
  readonly tau?: number;
  /** Names the image in error messages. */
  readonly image?: string;
  /**
   * Optional H*W output: for each pixel, the index (into the arrays of the result) of the
   * superpixel whose expansion set contains it, or -1. Used to apply answers and run the oracle.
   */
  readonly expansionOut?: Int32Array;
}

/**
 * Scores of every superpixel of one image, as parallel arrays indexed by i, the position of the
 * superpixel in `superpixelIds` (ascending ids). Plain typed arrays, so results cross worker
 * threads by transfer.
 */
export interface ImageScores extends KernelScores {
  readonly classes: number;
  readonly height: number;
  readonly width: number;
}

/**
 * Memory reused from one image to the next: the kernel instance, whose linear memory holds a copy
 * of the image's inputs and every intermediate array. One workspace per thread; never share one
 * between concurrent calls.
 */
export class ScoringWorkspace {
  private instance: ScoreKernel | undefined;

  get kernel(): ScoreKernel {
    this.instance ??= new ScoreKernel();
    return this.instance;
  }

  /**
   * Where the next image's soft labels (`count` = C x H x W values) can be written so that scoring
   * reads them in place instead of copying them (`decodeSoftLabels(bytes, file, (n) =>
   * workspace.softLabelsArea(n))`). Pass the array as `softLabels` before scoring anything else
   * with this workspace; scoring may grow the memory, which empties the array, but the values stay
   * until other soft labels are scored, and calling this again gives a view of them.
   */
  softLabelsArea(count: number): Float32Array {
    try {
      return this.kernel.softLabelsArea(count);
    } catch (error) {
      if (!(error instanceof KernelMemoryError)) throw error;
      throw new InputError(`${count} soft-label values are too many to score: ${error.message}`);
    }
  }
}

/** Scores every superpixel of one image. Throws InputError on inconsistent or invalid inputs. */
export function scoreImage(input: ImageInput, options: ScoringOptions, workspace = new ScoringWorkspace()): ImageScores {
  const { classes, height, width, labels } = input;
  const image = options.image ?? 'image';
  const tau = options.tau ?? 0;
  validateImageInput(input, image);
  if (!Number.isFinite(tau)) throw new InputError(`${image}: tau must be a finite number, got ${tau}`);
  const pixelCount = height * width;
  const expansionOut = options.expansionOut ?? null;
  if (expansionOut !== null && expansionOut.length !== pixelCount) {
    throw new InputError(`${image}: expansion output has ${expansionOut.length} entries, expected ${pixelCount}`);
  }

  let result: KernelScores | KernelError;
  try {
    result = workspace.kernel.score(input, { a2lc: options.mode === 'a2lc', tau, expansionOut });
  } catch (error) {
    if (!(error instanceof KernelMemoryError)) throw error;
    throw new InputError(`${image}: ${classes}x${height}x${width} soft labels are too large to score: ${error.message}`);
  }
  if ('error' in result) {
    const { pixel } = result;
    throw result.error === 'label-out-of-range' ? labelOutOfRange(image, pixel, width, labels[pixel], classes) : nonFiniteSoftLabel(image, pixel, width);
  }
  return { classes, height, width, ...result };
}

/** Checks the sizes of an image's arrays and its number of classes. */
export function validateImageInput(input: ImageInput, image: string): void {
  const { classes, height, width, softLabels, labels, superpixels } = input;
  if (!Number.isInteger(classes) || classes < 1 || classes > MAX_CLASSES) {
    throw new InputError(`${image}: number of classes must be an integer in 1..${MAX_CLASSES}, got ${classes}`);
  }
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new InputError(`${image}: image size must be positive integers, got ${height}x${width}`);
  }
  const pixelCount = height * width;
  if (softLabels.length !== classes * pixelCount) {
    throw new InputError(`${image}: soft labels have ${softLabels.length} values, expected ${classes}x${height}x${width}`);
  }
  if (labels.length !== pixelCount) throw new InputError(`${image}: label map has ${labels.length} pixels, expected ${height}x${width}`);
  if (superpixels.length !== pixelCount) {
    throw new InputError(`${image}: superpixel map has ${superpixels.length} pixels, expected ${height}x${width}`);
  }
}

function labelOutOfRange(image: string, pixel: number, width: number, label: number, classes: number): InputError {
  return new InputError(
    `${image}: label ${label} at (row ${Math.floor(pixel / width)}, col ${pixel % width}) is out of range (classes 0..${classes - 1} or ${IGNORE_LABEL})`,
  );
}

function nonFiniteSoftLabel(image: string, pixel: number, width: number): InputError {
  return new InputError(`${image}: soft labels at (row ${Math.floor(pixel / width)}, col ${pixel % width}) are not finite`);
}

/**
 * The records of the scored superpixels of one image (those with a non-empty E), in superpixel
 * id order, for `superpixels.jsonl` and for selection. `abc` comes from `abcScores` once the
 * round's class weights are known.
 */
export function scoredSuperpixels(image: string, scores: ImageScores, abc?: Float64Array): SuperpixelScore[] {
  const records: SuperpixelScore[] = [];
  const { width } = scores;
  for (let i = 0; i < scores.superpixelIds.length; i++) {
    if (scores.expansion[i] === 0) continue;
    const r = scores.representative[i];
    const record: SuperpixelScore = {
      image,
      superpixel: scores.superpixelIds[i],
      pixels: scores.pixels[i],
      expansion: scores.expansion[i],
      dominant: scores.dominant[i],
      rep: [Math.floor(r / width), r % width],
      label: scores.label[i],
      pixel: scores.pixelScore[i],
      cil: scores.cil[i],
      sim: scores.sim[i],
    };
    records.push(abc === undefined ? record : { ...record, abc: abc[i] });
  }
  return records;
}
