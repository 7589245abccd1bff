/**
 * A plain scalar implementation of per-image scoring, for tests only: one pixel at a time, in the
 * arithmetic order engine/score-image.ts specifies, so that the WebAssembly kernel can be compared
 * with it in every bit of every output (class terms and the expansion map included, which the NumPy
 * reference does not give). Slow and simple on purpose.
 */
import type { ImageScores } from '../../../engine/score-image.js';
import { IGNORE_LABEL, type ImageInput, type Mode } from '../../../engine/types.js';

/** `scoreImage` for valid inputs (no error checks), filling `expansionOut` when given. */
export function referenceScores(input: ImageInput, mode: Mode, tau: number, expansionOut?: Int32Array): ImageScores {
  const { classes: C, height, width, softLabels: P, labels: L, superpixels: S } = input;
  const hw = height * width;
  const ids = Uint32Array.from(new Set(S).values()).filter((id) => id !== 0).sort();
  const n = ids.length;
  const indexOf = new Map<number, number>();
  ids.forEach((id, i) => indexOf.set(id, i));
  const at = (c: number, x: number): number => P[c * hw + x];

  const argmax = new Uint8Array(hw);
  const norm = new Float64Array(hw);
  for (let x = 0; x < hw; x++) {
    let a = 0;
    let sumSq = 0;
    for (let c = 0; c < C; c++) {
      sumSq += at(c, x) * at(c, x);
      if (at(c, x) > at(a, x)) a = c;
    }
    argmax[x] = a;
    norm[x] = Math.sqrt(sumSq);
  }
  const u = (x: number): number => (L[x] === IGNORE_LABEL ? argmax[x] : L[x]);
  const cosine = (x: number, v: ArrayLike<number>, vectorNorm: number): number => {
    let dot = 0;
    for (let c = 0; c < C; c++) dot += at(c, x) * v[c];
    return dot / (norm[x] * vectorNorm);
  };
  // Pixels of each superpixel in row-major order.
  const regions: number[][] = Array.from(ids, () => []);
  for (let x = 0; x < hw; x++) if (S[x] !== 0) regions[indexOf.get(S[x]) as number].push(x);

  const scores = {
    classes: C, height, width, superpixelIds: ids,
    pixels: new Uint32Array(n), expansion: new Uint32Array(n), dominant: new Uint8Array(n), representative: new Int32Array(n).fill(-1),
    label: new Uint8Array(n), pixelScore: new Float64Array(n).fill(NaN), cil: new Float64Array(n).fill(NaN), sim: new Float64Array(n).fill(NaN),
    classTerms: new Float64Array(n * C), labelCounts: new Uint32Array(n * C),
  };
  expansionOut?.fill(-1);
  regions.forEach((region, i) => {
    scores.pixels[i] = region.length;
    const votes = new Uint32Array(C);
    for (const x of region) {
      votes[argmax[x]]++;
      if (L[x] !== IGNORE_LABEL) scores.labelCounts[i * C + L[x]]++;
    }
    let d = 0;
    for (let c = 1; c < C; c++) if (votes[c] > votes[d]) d = c;
    scores.dominant[i] = d;
    const inD = region.filter((x) => argmax[x] === d);
    const withVector = inD.filter((x) => norm[x] > 0);
    if (withVector.length === 0) return;
    const mean = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      let sum = 0;
      for (const x of withVector) sum += at(c, x);
      mean[c] = sum / withVector.length;
    }
    let meanSq = 0;
    for (let c = 0; c < C; c++) meanSq += mean[c] * mean[c];
    const meanNorm = Math.sqrt(meanSq);
    if (meanNorm === 0) return;
    let r = -1;
    let best = -Infinity;
    for (const x of withVector) {
      const cos = cosine(x, mean, meanNorm);
      if (cos > best) [best, r] = [cos, x];
    }
    scores.representative[i] = r;
    let q: number;
    let v: ArrayLike<number> = mean;
    let vectorNorm = meanNorm;
    if (mode === 'alc') {
      q = u(r);
      v = Array.from({ length: C }, (_, c) => at(c, r));
      vectorNorm = norm[r];
    } else {
      const labelVotes = new Uint32Array(C + 1);
      for (const x of inD) labelVotes[L[x] === IGNORE_LABEL ? C : L[x]]++;
      q = 0;
      for (let c = 1; c <= C; c++) if (labelVotes[c] > labelVotes[q]) q = c;
      if (q === C) q = d;
    }
    scores.label[i] = q;
    let size = 0;
    let errors = 0;
    let sim = 0;
    for (const x of region) {
      if (norm[x] === 0) continue;
      const cos = cosine(x, v, vectorNorm);
      if (!(cos >= tau)) continue;
      const e = 1 - at(u(x), x);
      size++;
      errors += e;
      sim += cos * e;
      scores.classTerms[i * C + u(x)] += cos * e;
      if (expansionOut !== undefined) expansionOut[x] = i;
    }
    if (size === 0) return;
    scores.expansion[i] = size;
    scores.pixelScore[i] = 1 - at(q, r);
    scores.cil[i] = errors / size;
    scores.sim[i] = sim;
  });
  return scores;
}
