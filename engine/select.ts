/**
 * Global selection of a round's budget (spec, "Selection"): rank every scored superpixel of every
 * image by the chosen score, descending, ties by image id (Unicode code points) then superpixel id,
 * skip the superpixels queried in earlier rounds (A2LC's non-redundancy; a switch, on by default),
 * and take the first B. Also the seeded random baseline at equal budget.
 */
import { InputError } from '../common/errors.js';
import { compareCodePoints } from '../common/order.js';
import { Prng, hashKey } from './prng.js';
import type { RankedSuperpixel, ScoreName, SuperpixelRef, SuperpixelScore } from './types.js';

/** Superpixel ids queried in earlier rounds, per image id. */
export type QueriedSet = ReadonlyMap<string, ReadonlySet<number>>;

export function queriedSetOf(refs: Iterable<SuperpixelRef>): Map<string, Set<number>> {
  const queried = new Map<string, Set<number>>();
  for (const { image, superpixel } of refs) {
    let ids = queried.get(image);
    if (ids === undefined) queried.set(image, (ids = new Set()));
    ids.add(superpixel);
  }
  return queried;
}

export interface SelectionOptions {
  /** B, the number of superpixels to take. */
  readonly budget: number;
  readonly queried?: QueriedSet;
  /** Skip superpixels queried in earlier rounds (default true; ALC's published code did not). */
  readonly skipQueried?: boolean;
}

/** Canonical order of superpixels: image id by code point, then superpixel id. */
export function compareRefs(a: SuperpixelRef, b: SuperpixelRef): number {
  return compareCodePoints(a.image, b.image) || a.superpixel - b.superpixel;
}

function scoreOf(record: SuperpixelScore, score: ScoreName): number {
  const value = score === 'abc' ? record.abc : record[score];
  if (value === undefined || Number.isNaN(value)) {
    throw new InputError(
      `${record.image} superpixel ${record.superpixel}: no ${score} score` + (score === 'abc' ? ' (abc needs the class weights of the round)' : ''),
    );
  }
  return value;
}

function eligible(records: readonly SuperpixelScore[], options: SelectionOptions): SuperpixelScore[] {
  const { budget, queried, skipQueried = true } = options;
  if (!Number.isSafeInteger(budget) || budget < 0) throw new InputError(`budget must be a non-negative integer, got ${budget}`);
  if (!skipQueried || queried === undefined) return records.slice();
  return records.filter((r) => !(queried.get(r.image)?.has(r.superpixel) ?? false));
}

function ranked(records: readonly SuperpixelScore[], budget: number): RankedSuperpixel[] {
  return records.slice(0, budget).map((record, i) => ({ ...record, rank: i + 1 }));
}

/** The `budget` best superpixels by `score`, in rank order (rank 1 first). */
export function selectByScore(records: readonly SuperpixelScore[], score: ScoreName, options: SelectionOptions): RankedSuperpixel[] {
  const candidates = eligible(records, options).map((record) => ({ record, value: scoreOf(record, score) }));
  candidates.sort((a, b) => (a.value > b.value ? -1 : a.value < b.value ? 1 : compareRefs(a.record, b.record)));
  return ranked(
    candidates.map((c) => c.record),
    options.budget,
  );
}

/**
 * The random baseline: `budget` superpixels drawn uniformly without replacement among the same
 * candidates, in draw order. The candidates are put in canonical order first and shuffled with a
 * partial Fisher-Yates driven by `Prng(hashKey('random-selection', seed))`, so the draw depends only
 * on the seed and the candidate set, not on the order the records arrive in.
 */
export function selectRandom(records: readonly SuperpixelScore[], seed: number, options: SelectionOptions): RankedSuperpixel[] {
  const candidates = eligible(records, options).sort(compareRefs);
  const prng = new Prng(hashKey('random-selection', seed));
  const take = Math.min(options.budget, candidates.length);
  for (let i = 0; i < take; i++) {
    const j = i + prng.nextBelow(candidates.length - i);
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  return ranked(candidates, take);
}
