/**
 * The oracle annotator of the papers' simulation protocol (spec, "The oracle annotator"), answering
 * from the ground truth G.
 *
 * acc = fraction of the pixels of E with L(x) == G(x), a void G pixel (255) counting as a mismatch.
 * acc <= 0.5 answers `relabel k`, with k = G(r) in ALC mode and the most frequent G over E in A2LC
 * mode (ties: smallest id; 255 is a value like any other and wins only outright); otherwise
 * `correct`. Either k can be 255 ("cannot tell").
 *
 * Errors: with probability `errorRate` the answer becomes `relabel k'` with k' drawn uniformly
 * among the classes other than the true one (the true class being q for `correct` and k for
 * `relabel`; every class when k is 255). Randomness comes from per-superpixel streams
 * (prng.ts: `hashKey('oracle-error', seed, image, superpixel)` and `'oracle-latency'`), so answers
 * do not depend on the order or sharding in which superpixels are asked.
 */
import { InputError } from '../common/errors.js';
import type { Answer } from './apply-answers.js';
import { resolveSuperpixels } from './apply-answers.js';
import { Prng, hashKey } from './prng.js';
import type { ImageScores } from './score-image.js';
import { IGNORE_LABEL, type Mode } from './types.js';

/** Simulated answering time. */
export type LatencyModel =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  /** exp(N(ln median, sigma^2)), drawn by Box-Muller. */
  | { readonly kind: 'lognormal'; readonly medianMs: number; readonly sigma: number };

export interface OracleOptions {
  readonly mode: Mode;
  /** Probability of a wrong answer, in [0, 1]. Default 0. */
  readonly errorRate?: number;
  /** Seed of the error and latency draws (a non-negative safe integer). Default 0. */
  readonly seed?: number;
  readonly latency?: LatencyModel;
  /** tau the questions were asked with, for error messages. */
  readonly tau?: number;
}

export interface OracleAnswer extends Answer {
  /** Present when a latency model is given. */
  readonly latencyMs?: number;
}

function validateOptions(options: OracleOptions): void {
  const { errorRate = 0, seed = 0, latency } = options;
  if (!(errorRate >= 0 && errorRate <= 1)) throw new InputError(`oracle error rate must be in [0, 1], got ${errorRate}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`oracle seed must be a non-negative integer, got ${seed}`);
  if (latency === undefined) return;
  const ok =
    latency.kind === 'fixed'
      ? latency.ms >= 0
      : latency.kind === 'uniform'
        ? latency.minMs >= 0 && latency.maxMs >= latency.minMs
        : latency.medianMs > 0 && latency.sigma >= 0;
  if (!ok) throw new InputError(`oracle latency model ${JSON.stringify(latency)} is invalid`);
}

function drawLatency(model: LatencyModel, prng: Prng): number {
  switch (model.kind) {
    case 'fixed':
      return model.ms;
    case 'uniform':
      return model.minMs + (model.maxMs - model.minMs) * prng.nextFloat();
    case 'lognormal': {
      const u1 = 1 - prng.nextFloat(); // in (0, 1], so the log is finite
      const u2 = prng.nextFloat();
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      return model.medianMs * Math.exp(model.sigma * z);
    }
  }
}

/**
 * Answers the questions on `superpixels` (ids) of one image, in the given order. `expansion` is the
 * map filled by `scoreImage(..., { expansionOut })` for the same inputs, mode and tau.
 */
export function oracleAnswers(
  image: string,
  labels: Uint8Array,
  groundTruth: Uint8Array,
  scores: ImageScores,
  expansion: Int32Array,
  superpixels: readonly number[],
  options: OracleOptions,
): OracleAnswer[] {
  validateOptions(options);
  const C = scores.classes;
  const pixelCount = scores.height * scores.width;
  if (labels.length !== pixelCount || groundTruth.length !== pixelCount || expansion.length !== pixelCount) {
    throw new InputError(`${image}: label map, ground truth, expansion map and scores disagree on the image size`);
  }
  const indices = resolveSuperpixels(image, scores, superpixels, options.tau, 'oracle questions');

  // asked[i] = position of superpixel i among the questions, or -1.
  const asked = new Int32Array(scores.superpixelIds.length).fill(-1);
  indices.forEach((i, j) => (asked[i] = j));
  const matches = new Float64Array(indices.length);
  const truthVotes = new Float64Array(indices.length * 256);
  for (let x = 0; x < pixelCount; x++) {
    const g = groundTruth[x];
    if (g >= C && g !== IGNORE_LABEL) {
      throw new InputError(`${image}: ground truth ${g} at (row ${Math.floor(x / scores.width)}, col ${x % scores.width}) is out of range (0..${C - 1} or ${IGNORE_LABEL})`);
    }
    const i = expansion[x];
    if (i < 0) continue;
    const j = asked[i];
    if (j < 0) continue;
    if (g !== IGNORE_LABEL && labels[x] === g) matches[j]++;
    truthVotes[j * 256 + g]++;
  }

  const { mode, errorRate = 0, seed = 0, latency } = options;
  return indices.map((i, j): OracleAnswer => {
    const superpixel = scores.superpixelIds[i];
    const accuracy = matches[j] / scores.expansion[i];
    let answer: Answer;
    if (accuracy <= 0.5) {
      const k = mode === 'alc' ? groundTruth[scores.representative[i]] : mostFrequent(truthVotes, j * 256);
      answer = { image, superpixel, answer: 'relabel', class: k };
    } else {
      answer = { image, superpixel, answer: 'correct' };
    }
    if (errorRate > 0) {
      const prng = new Prng(hashKey('oracle-error', seed, image, superpixel));
      if (prng.nextFloat() < errorRate) {
        const truth = answer.answer === 'relabel' ? (answer.class ?? IGNORE_LABEL) : scores.label[i];
        const wrongChoices = truth === IGNORE_LABEL ? C : C - 1;
        if (wrongChoices > 0) {
          const draw = prng.nextBelow(wrongChoices);
          answer = { image, superpixel, answer: 'relabel', class: truth !== IGNORE_LABEL && draw >= truth ? draw + 1 : draw };
        }
      }
    }
    if (latency === undefined) return answer;
    return { ...answer, latencyMs: drawLatency(latency, new Prng(hashKey('oracle-latency', seed, image, superpixel))) };
  });
}

/** Most frequent value among 256 vote counters starting at `offset` (ties: smallest value). */
function mostFrequent(votes: Float64Array, offset: number): number {
  let best = 0;
  for (let v = 1; v < 256; v++) if (votes[offset + v] > votes[offset + best]) best = v;
  return best;
}
