/**
 * Per-image superpixel scoring of the spec (../shared/alc-spec.md, "Per superpixel s").
 *
 * Arithmetic contract, shared bit-for-bit with bench/reference/alc_numpy.py:
 * - every value of P is widened to float64 before use;
 * - per-pixel sums over classes (squared norm, dot products) run over c = 0..C-1 starting from 0;
 *   `|a| = sqrt(sum a_c^2)` and `cos(a, b) = dot(a, b) / (|a| * |b|)`;
 * - per-superpixel sums run over pixels in row-major order starting from 0; means are sum / count;
 * - `e(x) = 1 - P[u(x), x]`, `sim` sums `cos * e`, and `classTerms[c]` sums the same `cos * e` over
 *   the pixels of E with u(x) = c, so that `abc = sum_c w[c] * classTerms[c]` (c ascending) can be
 *   formed once the round's class weights are known, without reading P again (class-weights.ts).
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
import { compactSuperpixels } from './superpixel-index.js';
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
export interface ImageScores {
  readonly classes: number;
  readonly height: number;
  readonly width: number;
  /** Every superpixel id present in S except 0, ascending. */
  readonly superpixelIds: Uint32Array;
  /** |R|. */
  readonly pixels: Uint32Array;
  /** |E|; 0 means the superpixel has no score and is never a candidate. */
  readonly expansion: Uint32Array;
  /** d. */
  readonly dominant: Uint8Array;
  /** r as a row-major pixel index; -1 when no pixel of D has a cosine to m. */
  readonly representative: Int32Array;
  /** q; meaningful where `representative >= 0`. */
  readonly label: Uint8Array;
  /** The scores; NaN where `expansion` is 0. */
  readonly pixelScore: Float64Array;
  readonly cil: Float64Array;
  readonly sim: Float64Array;
  /** n x C: sum over the pixels x of E with u(x) = c of cos(P(x), v) * e(x). */
  readonly classTerms: Float64Array;
  /** n x C: pixels of R whose working label is c (255 not counted); feeds the class weights. */
  readonly labelCounts: Uint32Array;
}

/**
 * Scratch memory reused from one image to the next, so scoring allocates only its (small) outputs.
 * One workspace per thread; never share one between concurrent calls.
 */
export class ScoringWorkspace {
  superpixelIndex: Int32Array = new Int32Array(0);
  idLookup: Int32Array = new Int32Array(0);
  argmax: Uint8Array = new Uint8Array(0);
  norm: Float64Array = new Float64Array(0);
  /** Per superpixel and predicted class a: a row of class sums of P over R with A = a (zero vectors left out). */
  pairRow: Int32Array = new Int32Array(0);
  rowSums: Float64Array = new Float64Array(0);
  rowCounts: Uint32Array = new Uint32Array(0);
  dominantCounts: Uint32Array = new Uint32Array(0);
  labelCounts: Uint32Array = new Uint32Array(0);
  dominantLabelCounts: Uint32Array = new Uint32Array(0);
  dominant: Uint8Array = new Uint8Array(0);
  vectors: Float64Array = new Float64Array(0);
  vectorNorms: Float64Array = new Float64Array(0);
  bestCos: Float64Array = new Float64Array(0);
  representative: Int32Array = new Int32Array(0);
  expansionCount: Uint32Array = new Uint32Array(0);
  errorSum: Float64Array = new Float64Array(0);
  simSum: Float64Array = new Float64Array(0);
  classTerms: Float64Array = new Float64Array(0);

  reservePixels(pixelCount: number): void {
    if (this.superpixelIndex.length >= pixelCount) return;
    this.superpixelIndex = new Int32Array(pixelCount);
    this.argmax = new Uint8Array(pixelCount);
    this.norm = new Float64Array(pixelCount);
  }

  /** Sizes and clears the per-superpixel accumulators for compact indices 0..n. */
  resetSuperpixels(n: number, classes: number): void {
    const slots = n + 1;
    const cells = slots * classes;
    if (this.pairRow.length < cells) {
      this.pairRow = new Int32Array(cells);
      this.dominantCounts = new Uint32Array(cells);
      this.labelCounts = new Uint32Array(cells);
      this.vectors = new Float64Array(cells);
      this.classTerms = new Float64Array(cells);
    }
    if (this.dominantLabelCounts.length < slots * (classes + 1)) this.dominantLabelCounts = new Uint32Array(slots * (classes + 1));
    if (this.dominant.length < slots) {
      this.dominant = new Uint8Array(slots);
      this.vectorNorms = new Float64Array(slots);
      this.bestCos = new Float64Array(slots);
      this.representative = new Int32Array(slots);
      this.expansionCount = new Uint32Array(slots);
      this.errorSum = new Float64Array(slots);
      this.simSum = new Float64Array(slots);
    }
    // Rows are sized for this image's class count; firstPass grows them further when needed.
    const rows = Math.max(this.rowCounts.length, slots * 2);
    if (this.rowCounts.length < rows || this.rowSums.length < rows * classes) {
      this.rowCounts = new Uint32Array(rows);
      this.rowSums = new Float64Array(rows * classes);
    }
    this.pairRow.fill(-1, 0, cells);
    this.dominantCounts.fill(0, 0, cells);
    this.labelCounts.fill(0, 0, cells);
    this.classTerms.fill(0, 0, cells);
    this.dominantLabelCounts.fill(0, 0, slots * (classes + 1));
    this.bestCos.fill(-Infinity, 0, slots);
    this.representative.fill(-1, 0, slots);
    this.expansionCount.fill(0, 0, slots);
    this.errorSum.fill(0, 0, slots);
    this.simSum.fill(0, 0, slots);
  }

  /** Grows the class-sum rows to `rows` rows of `classes` sums, keeping the rows already in use. */
  growRows(rows: number, classes: number): void {
    const sums = new Float64Array(rows * classes);
    sums.set(this.rowSums.subarray(0, this.rowCounts.length * classes));
    const counts = new Uint32Array(rows);
    counts.set(this.rowCounts);
    this.rowSums = sums;
    this.rowCounts = counts;
  }
}

/** Scores every superpixel of one image. Throws InputError on inconsistent or invalid inputs. */
export function scoreImage(input: ImageInput, options: ScoringOptions, workspace = new ScoringWorkspace()): ImageScores {
  const { classes, height, width, softLabels, labels, superpixels } = input;
  const image = options.image ?? 'image';
  const tau = options.tau ?? 0;
  validateImageInput(input, image);
  if (!Number.isFinite(tau)) throw new InputError(`${image}: tau must be a finite number, got ${tau}`);
  const pixelCount = height * width;
  const expansionOut = options.expansionOut ?? null;
  if (expansionOut !== null) {
    if (expansionOut.length !== pixelCount) throw new InputError(`${image}: expansion output has ${expansionOut.length} entries, expected ${pixelCount}`);
    expansionOut.fill(-1);
  }

  const ws = workspace;
  ws.reservePixels(pixelCount);
  const compact = compactSuperpixels(superpixels, ws.superpixelIndex, ws.idLookup);
  ws.idLookup = compact.lookup;
  const n = compact.ids.length;
  ws.resetSuperpixels(n, classes);

  firstPass(softLabels, classes, pixelCount, labels, width, image, ws);
  computeDominantMeans(n, classes, ws);

  const a2lc = options.mode === 'a2lc';
  if (!a2lc) {
    representativePass(softLabels, classes, pixelCount, ws);
    useRepresentativeVectors(softLabels, classes, pixelCount, n, ws);
  }
  expansionPass(softLabels, classes, pixelCount, labels, tau, a2lc, expansionOut, ws);
  return collectScores(input, compact.ids, a2lc, ws);
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
 * Pixels are processed in groups of four whose float64 chains are independent: the dependent
 * additions of one pixel alone leave the FPU idle most of the time. Each pixel's own sums keep the
 * order c = 0..C-1. The group at the end of the image repeats its last pixel in the missing lanes,
 * and only real lanes are used.
 */
const LANES = 4;

/**
 * A(x) and sum_c P[c, x]^2 for the four pixels of a group. The running maximum starts from the
 * lane's previous argmax, which is usually right on a segmentation map, so the comparison is
 * predictable; a tie with an earlier class replaces it, so ties still go to the smallest class.
 * (`p >= b` first: the common case, p below the maximum, then costs a single comparison.)
 * `laneArg` holds the guesses on entry and the argmaxes on exit.
 */
function groupArgmax(P: Float32Array, C: number, hw: number, x: number, laneArg: Uint8Array, laneSumSq: Float64Array): void {
  const last = hw - 1;
  const x0 = x;
  const x1 = x + 1 > last ? last : x + 1;
  const x2 = x + 2 > last ? last : x + 2;
  const x3 = x + 3 > last ? last : x + 3;
  let a0 = laneArg[0], a1 = laneArg[1], a2 = laneArg[2], a3 = laneArg[3];
  let b0 = P[a0 * hw + x0], b1 = P[a1 * hw + x1], b2 = P[a2 * hw + x2], b3 = P[a3 * hw + x3];
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  // Two classes per iteration, in class order, to halve the loop overhead.
  let c = 0;
  let o = 0;
  for (; c < C; c++, o += hw) {
    let p0 = P[o + x0], p1 = P[o + x1], p2 = P[o + x2], p3 = P[o + x3];
    s0 += p0 * p0;
    s1 += p1 * p1;
    s2 += p2 * p2;
    s3 += p3 * p3;
    if (p0 >= b0 && (p0 > b0 || c < a0)) { b0 = p0; a0 = c; }
    if (p1 >= b1 && (p1 > b1 || c < a1)) { b1 = p1; a1 = c; }
    if (p2 >= b2 && (p2 > b2 || c < a2)) { b2 = p2; a2 = c; }
    if (p3 >= b3 && (p3 > b3 || c < a3)) { b3 = p3; a3 = c; }
    if (++c === C) break;
    o += hw;
    p0 = P[o + x0]; p1 = P[o + x1]; p2 = P[o + x2]; p3 = P[o + x3];
    s0 += p0 * p0;
    s1 += p1 * p1;
    s2 += p2 * p2;
    s3 += p3 * p3;
    if (p0 >= b0 && (p0 > b0 || c < a0)) { b0 = p0; a0 = c; }
    if (p1 >= b1 && (p1 > b1 || c < a1)) { b1 = p1; a1 = c; }
    if (p2 >= b2 && (p2 > b2 || c < a2)) { b2 = p2; a2 = c; }
    if (p3 >= b3 && (p3 > b3 || c < a3)) { b3 = p3; a3 = c; }
  }
  laneArg[0] = a0; laneArg[1] = a1; laneArg[2] = a2; laneArg[3] = a3;
  laneSumSq[0] = s0; laneSumSq[1] = s1; laneSumSq[2] = s2; laneSumSq[3] = s3;
}

/** dot(P(x), v_k) for the four pixels of a group; `laneVector[j]` is the offset of lane j's vector. */
function groupDots(P: Float32Array, C: number, hw: number, x: number, vectors: Float64Array, laneVector: Int32Array, laneDot: Float64Array): void {
  const last = hw - 1;
  const x0 = x;
  const x1 = x + 1 > last ? last : x + 1;
  const x2 = x + 2 > last ? last : x + 2;
  const x3 = x + 3 > last ? last : x + 3;
  const v0 = laneVector[0], v1 = laneVector[1], v2 = laneVector[2], v3 = laneVector[3];
  let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
  if (v0 === v1 && v0 === v2 && v0 === v3) {
    // The usual case, four pixels of one superpixel: one load of v per class instead of four,
    // and two classes per iteration (still added in class order) to halve the loop overhead.
    let c = 0;
    let o = 0;
    for (; c + 1 < C; c += 2, o += 2 * hw) {
      const v = vectors[v0 + c];
      const w = vectors[v0 + c + 1];
      const q = o + hw;
      d0 += P[o + x0] * v;
      d1 += P[o + x1] * v;
      d2 += P[o + x2] * v;
      d3 += P[o + x3] * v;
      d0 += P[q + x0] * w;
      d1 += P[q + x1] * w;
      d2 += P[q + x2] * w;
      d3 += P[q + x3] * w;
    }
    if (c < C) {
      const v = vectors[v0 + c];
      d0 += P[o + x0] * v;
      d1 += P[o + x1] * v;
      d2 += P[o + x2] * v;
      d3 += P[o + x3] * v;
    }
  } else {
    for (let c = 0, o = 0; c < C; c++, o += hw) {
      d0 += P[o + x0] * vectors[v0 + c];
      d1 += P[o + x1] * vectors[v1 + c];
      d2 += P[o + x2] * vectors[v2 + c];
      d3 += P[o + x3] * vectors[v3 + c];
    }
  }
  laneDot[0] = d0; laneDot[1] = d1; laneDot[2] = d2; laneDot[3] = d3;
}

/** Whether four labels are all class ids or 255. */
function validLabels(l0: number, l1: number, l2: number, l3: number, C: number): boolean {
  const ignore = IGNORE_LABEL;
  return (l0 < C || l0 === ignore) && (l1 < C || l1 === ignore) && (l2 < C || l2 === ignore) && (l3 < C || l3 === ignore);
}

/**
 * Pass 1 over P: A(x) and |P(x)|, the votes for d and the label counts, and per (superpixel,
 * predicted class) the class sums of P, so the mean over D is known as soon as d is, without
 * another pass. Also validates the labels of every pixel.
 */
function firstPass(P: Float32Array, C: number, hw: number, L: Uint8Array, width: number, image: string, ws: ScoringWorkspace): void {
  const ignore = IGNORE_LABEL;
  const { superpixelIndex: spIndex, argmax, norm, dominantCounts, labelCounts, pairRow } = ws;
  let rowSums = ws.rowSums;
  let rowCounts = ws.rowCounts;
  let rowsUsed = 0;
  const laneArg = new Uint8Array(LANES);
  const laneSumSq = new Float64Array(LANES);
  const laneRow = new Int32Array(LANES);
  for (let x = 0; x < hw; x += LANES) {
    groupArgmax(P, C, hw, x, laneArg, laneSumSq);
    if (rowsUsed + LANES > rowCounts.length) {
      ws.growRows(rowCounts.length * 2, C);
      rowSums = ws.rowSums;
      rowCounts = ws.rowCounts;
    }
    const lanes = Math.min(LANES, hw - x);
    const k = spIndex[x];
    const a = laneArg[0];
    const s0 = laneSumSq[0], s1 = laneSumSq[1], s2 = laneSumSq[2], s3 = laneSumSq[3];
    if (
      lanes === LANES && k !== 0 && spIndex[x + 1] === k && spIndex[x + 2] === k && spIndex[x + 3] === k &&
      laneArg[1] === a && laneArg[2] === a && laneArg[3] === a &&
      s0 > 0 && s0 < Infinity && s1 > 0 && s1 < Infinity && s2 > 0 && s2 < Infinity && s3 > 0 && s3 < Infinity &&
      validLabels(L[x], L[x + 1], L[x + 2], L[x + 3], C)
    ) {
      // The usual group: four valid pixels of one superpixel with one predicted class. Same
      // bookkeeping as the general path below, with the shared counters updated once.
      const l0 = L[x], l1 = L[x + 1], l2 = L[x + 2], l3 = L[x + 3];
      argmax[x] = a; argmax[x + 1] = a; argmax[x + 2] = a; argmax[x + 3] = a;
      norm[x] = Math.sqrt(s0); norm[x + 1] = Math.sqrt(s1); norm[x + 2] = Math.sqrt(s2); norm[x + 3] = Math.sqrt(s3);
      const pair = k * C + a;
      dominantCounts[pair] += LANES;
      const labelBase = k * C;
      if (l0 !== ignore) labelCounts[labelBase + l0]++;
      if (l1 !== ignore) labelCounts[labelBase + l1]++;
      if (l2 !== ignore) labelCounts[labelBase + l2]++;
      if (l3 !== ignore) labelCounts[labelBase + l3]++;
      let row = pairRow[pair];
      if (row < 0) {
        row = rowsUsed++;
        pairRow[pair] = row;
        rowCounts[row] = 0;
        rowSums.fill(0, row * C, row * C + C);
      }
      rowCounts[row] += LANES;
      // Sums run pixel after pixel into each (row, class) cell, so a cell sees row-major order.
      let c = 0;
      let o = x;
      let r = row * C;
      for (; c + 1 < C; c += 2, o += 2 * hw, r += 2) {
        const q = o + hw;
        rowSums[r] = rowSums[r] + P[o] + P[o + 1] + P[o + 2] + P[o + 3];
        rowSums[r + 1] = rowSums[r + 1] + P[q] + P[q + 1] + P[q + 2] + P[q + 3];
      }
      if (c < C) rowSums[r] = rowSums[r] + P[o] + P[o + 1] + P[o + 2] + P[o + 3];
      continue;
    }
    for (let j = 0; j < lanes; j++) {
      const px = x + j;
      laneRow[j] = -1;
      const label = L[px];
      if (label >= C && label !== ignore) throw labelOutOfRange(image, px, width, label, C);
      const kj = spIndex[px];
      if (kj === 0) continue;
      const sumSq = laneSumSq[j];
      if (!(sumSq < Infinity)) throw nonFiniteSoftLabel(image, px, width);
      const aj = laneArg[j];
      argmax[px] = aj;
      norm[px] = Math.sqrt(sumSq);
      const pair = kj * C + aj;
      dominantCounts[pair]++;
      if (label !== ignore) labelCounts[kj * C + label]++;
      if (sumSq === 0) continue;
      let row = pairRow[pair];
      if (row < 0) {
        row = rowsUsed++;
        pairRow[pair] = row;
        rowCounts[row] = 0;
        rowSums.fill(0, row * C, row * C + C);
      }
      rowCounts[row]++;
      laneRow[j] = row * C;
    }
    for (let j = 0; j < lanes; j++) {
      const base = laneRow[j];
      if (base < 0) continue;
      for (let c = 0, o = x + j, r = base; c < C; c++, o += hw, r++) rowSums[r] += P[o];
    }
  }
}

/** d per superpixel (ties: smallest class), and v := m, the mean of P over D, with |m|. */
function computeDominantMeans(n: number, C: number, ws: ScoringWorkspace): void {
  const { dominantCounts, pairRow, rowSums, rowCounts, dominant, vectors, vectorNorms } = ws;
  for (let k = 1; k <= n; k++) {
    let d = 0;
    for (let c = 1; c < C; c++) if (dominantCounts[k * C + c] > dominantCounts[k * C + d]) d = c;
    dominant[k] = d;
    const row = pairRow[k * C + d];
    vectorNorms[k] = 0;
    if (row < 0) continue;
    const count = rowCounts[row];
    let sumSq = 0;
    for (let c = 0; c < C; c++) {
      const mean = rowSums[row * C + c] / count;
      vectors[k * C + c] = mean;
      sumSq += mean * mean;
    }
    vectorNorms[k] = Math.sqrt(sumSq);
  }
}

/** ALC pass 2 over P: r = pixel of D with the highest cos(P(x), m), first in row-major order on ties. */
function representativePass(P: Float32Array, C: number, hw: number, ws: ScoringWorkspace): void {
  const { superpixelIndex: spIndex, argmax, norm, dominant, vectors, vectorNorms, bestCos, representative } = ws;
  const laneVector = new Int32Array(LANES);
  const laneDot = new Float64Array(LANES);
  for (let x = 0; x < hw; x += LANES) {
    const lanes = Math.min(LANES, hw - x);
    const k = spIndex[x];
    if (lanes === LANES && k !== 0 && spIndex[x + 1] === k && spIndex[x + 2] === k && spIndex[x + 3] === k) {
      // Four pixels of one superpixel: its values are read once, and groups without a pixel of D
      // (or superpixels without a mean) need no dot product.
      const d = dominant[k];
      const vectorNorm = vectorNorms[k];
      if (vectorNorm === 0 || (argmax[x] !== d && argmax[x + 1] !== d && argmax[x + 2] !== d && argmax[x + 3] !== d)) continue;
      laneVector[0] = laneVector[1] = laneVector[2] = laneVector[3] = k * C;
      groupDots(P, C, hw, x, vectors, laneVector, laneDot);
      let best = bestCos[k];
      let rep = representative[k];
      for (let j = 0; j < LANES; j++) {
        const px = x + j;
        const pixelNorm = norm[px];
        if (argmax[px] !== d || pixelNorm === 0) continue;
        const cos = laneDot[j] / (pixelNorm * vectorNorm);
        if (cos > best) {
          best = cos;
          rep = px;
        }
      }
      bestCos[k] = best;
      representative[k] = rep;
      continue;
    }
    for (let j = 0; j < lanes; j++) laneVector[j] = spIndex[x + j] * C;
    groupDots(P, C, hw, x, vectors, laneVector, laneDot);
    for (let j = 0; j < lanes; j++) {
      const px = x + j;
      const kj = spIndex[px];
      if (kj === 0 || argmax[px] !== dominant[kj]) continue;
      const vectorNorm = vectorNorms[kj];
      const pixelNorm = norm[px];
      if (vectorNorm === 0 || pixelNorm === 0) continue;
      const cos = laneDot[j] / (pixelNorm * vectorNorm);
      if (cos > bestCos[kj]) {
        bestCos[kj] = cos;
        representative[kj] = px;
      }
    }
  }
}

/** ALC: v := P(r). Superpixels without r keep a zero norm, which excludes them from E. */
function useRepresentativeVectors(P: Float32Array, C: number, hw: number, n: number, ws: ScoringWorkspace): void {
  const { representative, vectors, vectorNorms, norm } = ws;
  for (let k = 1; k <= n; k++) {
    const r = representative[k];
    if (r < 0) {
      vectorNorms[k] = 0;
      continue;
    }
    for (let c = 0; c < C; c++) vectors[k * C + c] = P[c * hw + r];
    vectorNorms[k] = norm[r];
  }
}

/**
 * Last pass over P: E = pixels of R with cos(P(x), v) >= tau, and the sums behind cil, sim and abc.
 * In A2LC mode (v = m) the same cosines also give r, and the label votes over D give q.
 */
function expansionPass(
  P: Float32Array, C: number, hw: number, L: Uint8Array, tau: number, a2lc: boolean, expansionOut: Int32Array | null, ws: ScoringWorkspace,
): void {
  const ignore = IGNORE_LABEL;
  const {
    superpixelIndex: spIndex, argmax, norm, dominant, vectors, vectorNorms, bestCos, representative, dominantLabelCounts,
    expansionCount, errorSum, simSum, classTerms,
  } = ws;
  const laneVector = new Int32Array(LANES);
  const laneDot = new Float64Array(LANES);
  for (let x = 0; x < hw; x += LANES) {
    const lanes = Math.min(LANES, hw - x);
    const k = spIndex[x];
    if (lanes === LANES && k !== 0 && spIndex[x + 1] === k && spIndex[x + 2] === k && spIndex[x + 3] === k) {
      // Four pixels of one superpixel: the same steps as the general path below, with the
      // superpixel's accumulators held in locals for the group (added in the same order).
      const d = dominant[k];
      if (a2lc) {
        for (let j = 0; j < LANES; j++) {
          const label = L[x + j];
          if (argmax[x + j] === d) dominantLabelCounts[k * (C + 1) + (label === ignore ? C : label)]++;
        }
      }
      const vectorNorm = vectorNorms[k];
      if (vectorNorm === 0) continue;
      laneVector[0] = laneVector[1] = laneVector[2] = laneVector[3] = k * C;
      groupDots(P, C, hw, x, vectors, laneVector, laneDot);
      let best = bestCos[k];
      let rep = representative[k];
      let count = expansionCount[k];
      let errors = errorSum[k];
      let sim = simSum[k];
      for (let j = 0; j < LANES; j++) {
        const px = x + j;
        const pixelNorm = norm[px];
        if (pixelNorm === 0) continue;
        const cos = laneDot[j] / (pixelNorm * vectorNorm);
        const a = argmax[px];
        if (a2lc && a === d && cos > best) {
          best = cos;
          rep = px;
        }
        if (cos >= tau) {
          const label = L[px];
          const u = label === ignore ? a : label;
          const e = 1 - P[u * hw + px];
          const weighted = cos * e;
          count++;
          errors += e;
          sim += weighted;
          classTerms[k * C + u] += weighted;
          if (expansionOut !== null) expansionOut[px] = k - 1;
        }
      }
      bestCos[k] = best;
      representative[k] = rep;
      expansionCount[k] = count;
      errorSum[k] = errors;
      simSum[k] = sim;
      continue;
    }
    for (let j = 0; j < lanes; j++) laneVector[j] = spIndex[x + j] * C;
    groupDots(P, C, hw, x, vectors, laneVector, laneDot);
    for (let j = 0; j < lanes; j++) {
      const px = x + j;
      const kj = spIndex[px];
      if (kj === 0) continue;
      const a = argmax[px];
      const label = L[px];
      const inD = a === dominant[kj];
      if (a2lc && inD) dominantLabelCounts[kj * (C + 1) + (label === ignore ? C : label)]++;
      const vectorNorm = vectorNorms[kj];
      const pixelNorm = norm[px];
      if (vectorNorm === 0 || pixelNorm === 0) continue;
      const cos = laneDot[j] / (pixelNorm * vectorNorm);
      if (a2lc && inD && cos > bestCos[kj]) {
        bestCos[kj] = cos;
        representative[kj] = px;
      }
      if (cos >= tau) {
        const u = label === ignore ? a : label;
        const e = 1 - P[u * hw + px];
        const weighted = cos * e;
        expansionCount[kj]++;
        errorSum[kj] += e;
        simSum[kj] += weighted;
        classTerms[kj * C + u] += weighted;
        if (expansionOut !== null) expansionOut[px] = kj - 1;
      }
    }
  }
}

/** q per superpixel, the final scores, and the outputs copied out of the workspace. */
function collectScores(input: ImageInput, ids: Uint32Array, a2lc: boolean, ws: ScoringWorkspace): ImageScores {
  const { classes: C, height, width, softLabels: P, labels: L } = input;
  const hw = height * width;
  const n = ids.length;
  const pixels = new Uint32Array(n);
  const expansion = new Uint32Array(n);
  const dominant = new Uint8Array(n);
  const representative = new Int32Array(n);
  const label = new Uint8Array(n);
  const pixelScore = new Float64Array(n);
  const cil = new Float64Array(n);
  const sim = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = i + 1;
    let count = 0;
    for (let c = 0; c < C; c++) count += ws.dominantCounts[k * C + c];
    pixels[i] = count;
    dominant[i] = ws.dominant[k];
    const r = ws.representative[k];
    representative[i] = r;
    let q = 0;
    if (r >= 0) q = a2lc ? queriedLabelA2lc(ws.dominantLabelCounts, k, C, ws.dominant[k]) : L[r] === IGNORE_LABEL ? ws.argmax[r] : L[r];
    label[i] = q;
    const size = ws.expansionCount[k];
    expansion[i] = size;
    if (size === 0) {
      pixelScore[i] = cil[i] = sim[i] = NaN;
      continue;
    }
    pixelScore[i] = 1 - P[q * hw + r];
    cil[i] = ws.errorSum[k] / size;
    sim[i] = ws.simSum[k];
  }
  return {
    classes: C, height, width, superpixelIds: ids, pixels, expansion, dominant, representative, label, pixelScore, cil, sim,
    classTerms: ws.classTerms.slice(C, (n + 1) * C),
    labelCounts: ws.labelCounts.slice(C, (n + 1) * C),
  };
}

/** A2LC q: most frequent L over D (ties: smallest id, so 255 wins only outright), else d. */
function queriedLabelA2lc(dominantLabelCounts: Uint32Array, k: number, C: number, d: number): number {
  const base = k * (C + 1);
  let best = 0;
  for (let c = 1; c <= C; c++) if (dominantLabelCounts[base + c] > dominantLabelCounts[base + best]) best = c;
  return best === C ? d : best;
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
