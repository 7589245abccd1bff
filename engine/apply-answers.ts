/**
 * Applying the annotators' answers by expansion (spec, "The correction query and its answer"):
 * `relabel k` sets L(x) = k over E, `correct` and `skip` leave L unchanged, and every answered
 * superpixel except a skipped one counts as queried for the rest of the campaign.
 */
import { InputError } from '../common/errors.js';
import { compareCodePoints } from '../common/order.js';
import type { ImageScores } from './score-image.js';
import { IGNORE_LABEL, type SuperpixelRef } from './types.js';

export type AnswerKind = 'correct' | 'relabel' | 'skip';

/** One line of an answer file. `class` is required for `relabel` and ignored otherwise. */
export interface Answer extends SuperpixelRef {
  readonly answer: AnswerKind;
  readonly class?: number;
}

/** The record of one `relabel` answer applied over E, enough to audit it. */
export interface LabelChange extends SuperpixelRef {
  /** The class written, k (255 for "cannot tell"). */
  readonly class: number;
  /** |E|. */
  readonly expansion: number;
  /** Pixels of E whose label was not already k. */
  readonly changed: number;
  /** The labels E held before, with their pixel counts, by label. */
  readonly previous: readonly { readonly label: number; readonly pixels: number }[];
}

export interface AppliedAnswers {
  /** A new label map; the input is not modified. */
  readonly labels: Uint8Array;
  /** One entry per `relabel` answer, in superpixel id order. */
  readonly changes: LabelChange[];
  /** Superpixel ids that now count as queried (answered, not skipped), ascending. */
  readonly queried: number[];
}

function describeAnswer(answer: SuperpixelRef): string {
  return `${answer.image} superpixel ${answer.superpixel}`;
}

/** Checks one answer's shape and class against the number of classes. */
function validateAnswer(answer: Answer, classes: number, source: string): void {
  if (!Number.isSafeInteger(answer.superpixel) || answer.superpixel < 1) {
    throw new InputError(`${source}: ${describeAnswer(answer)}: superpixel must be a positive integer`);
  }
  if (answer.answer !== 'correct' && answer.answer !== 'relabel' && answer.answer !== 'skip') {
    throw new InputError(`${source}: ${describeAnswer(answer)}: unknown answer "${String(answer.answer)}"`);
  }
  if (answer.answer !== 'relabel') return;
  const k = answer.class;
  if (k === undefined) throw new InputError(`${source}: ${describeAnswer(answer)}: relabel answer without a class`);
  if (!Number.isInteger(k) || ((k < 0 || k >= classes) && k !== IGNORE_LABEL)) {
    throw new InputError(`${source}: ${describeAnswer(answer)}: class ${k} is out of range (0..${classes - 1} or ${IGNORE_LABEL})`);
  }
}

/**
 * Validates a set of answers (shape, class range, no superpixel answered twice) and groups them by
 * image, images in code-point order and each image's answers by superpixel id. `source` names the
 * answer file in error messages.
 */
export function groupAnswersByImage(answers: Iterable<Answer>, classes: number, source = 'answers'): Map<string, Answer[]> {
  const byImage = new Map<string, Map<number, Answer>>();
  for (const answer of answers) {
    validateAnswer(answer, classes, source);
    let ofImage = byImage.get(answer.image);
    if (ofImage === undefined) byImage.set(answer.image, (ofImage = new Map<number, Answer>()));
    if (ofImage.has(answer.superpixel)) throw new InputError(`${source}: ${describeAnswer(answer)} is answered more than once`);
    ofImage.set(answer.superpixel, answer);
  }
  const grouped = new Map<string, Answer[]>();
  for (const image of [...byImage.keys()].sort(compareCodePoints)) {
    grouped.set(image, [...(byImage.get(image)?.values() ?? [])].sort((a, b) => a.superpixel - b.superpixel));
  }
  return grouped;
}

/** Position of `id` in the ascending `ids`, or -1. */
export function indexOfSuperpixel(ids: Uint32Array, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] === id) return mid;
    if (ids[mid] < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Resolves answered superpixel ids to result indices of one image, rejecting unknown ids, ids
 * answered twice and superpixels without an expansion set (they were never candidates, so such an
 * answer points at a different tau or mode than the one the questions were asked with).
 */
export function resolveSuperpixels(image: string, scores: ImageScores, ids: readonly number[], tau: number | undefined, source: string): number[] {
  const seen = new Set<number>();
  return ids.map((id) => {
    if (seen.has(id)) throw new InputError(`${source}: ${image} superpixel ${id} appears more than once`);
    seen.add(id);
    const i = indexOfSuperpixel(scores.superpixelIds, id);
    if (i < 0) throw new InputError(`${source}: ${image} has no superpixel ${id}`);
    if (scores.expansion[i] === 0) {
      throw new InputError(
        `${source}: ${image} superpixel ${id} has an empty expansion set${tau === undefined ? '' : ` at tau ${tau}`}, so it cannot have been asked (check --mode and --tau)`,
      );
    }
    return i;
  });
}

/**
 * Applies one image's answers. `expansion` is the map filled by `scoreImage(..., { expansionOut })`
 * with the same soft labels, superpixels, mode and tau as when the questions were asked.
 */
export function applyAnswers(
  image: string,
  labels: Uint8Array,
  scores: ImageScores,
  expansion: Int32Array,
  answers: readonly Answer[],
  options: { readonly tau?: number; readonly source?: string } = {},
): AppliedAnswers {
  const source = options.source ?? 'answers';
  if (labels.length !== expansion.length || labels.length !== scores.height * scores.width) {
    throw new InputError(`${image}: label map, expansion map and scores disagree on the image size`);
  }
  for (const answer of answers) {
    if (answer.image !== image) throw new InputError(`${source}: answer for ${answer.image} given to ${image}`);
    validateAnswer(answer, scores.classes, source);
  }
  const indices = resolveSuperpixels(image, scores, answers.map((a) => a.superpixel), options.tau, source);

  // targetOf[i] = position among the relabel answers of superpixel i, or -1.
  const targetOf = new Int32Array(scores.superpixelIds.length).fill(-1);
  const relabels: { answer: Answer; index: number }[] = [];
  answers.forEach((answer, j) => {
    if (answer.answer !== 'relabel') return;
    targetOf[indices[j]] = relabels.length;
    relabels.push({ answer, index: indices[j] });
  });
  const newClass = relabels.map(({ answer }) => answer.class ?? IGNORE_LABEL);
  const previous = new Float64Array(relabels.length * 256);
  const changed = new Float64Array(relabels.length);
  const out = labels.slice();
  for (let x = 0; x < out.length; x++) {
    const i = expansion[x];
    if (i < 0) continue;
    const t = targetOf[i];
    if (t < 0) continue;
    const old = out[x];
    previous[t * 256 + old]++;
    if (old !== newClass[t]) {
      changed[t]++;
      out[x] = newClass[t];
    }
  }

  const changes = relabels
    .map(({ answer, index }, t): LabelChange => {
      const before: { label: number; pixels: number }[] = [];
      for (let label = 0; label < 256; label++) if (previous[t * 256 + label] > 0) before.push({ label, pixels: previous[t * 256 + label] });
      return { image, superpixel: answer.superpixel, class: newClass[t], expansion: scores.expansion[index], changed: changed[t], previous: before };
    })
    .sort((a, b) => a.superpixel - b.superpixel);
  const queried = answers
    .filter((a) => a.answer !== 'skip')
    .map((a) => a.superpixel)
    .sort((a, b) => a - b);
  return { labels: out, changes, queried };
}
