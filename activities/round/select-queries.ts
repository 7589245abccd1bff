import { InputError } from '../../common/errors.js';
import { selectByScore, selectRandom } from '../../engine/select.js';
import type { RankedSuperpixel, ScoreName, SuperpixelScore } from '../../engine/types.js';
import type { SelectQueriesInput, SelectQueriesResult } from './contracts.js';
import { requirePrefix, type RoundContext, type RoundDependencies } from './context.js';
import { roundKeys } from './keys.js';
import { readQueriedSet, streamJsonl, SuperpixelScoreSchema, writeJsonl } from './records.js';

/** Fewest records added between two prunings, so a tiny budget does not re-rank on every record. */
const MIN_PRUNE_INTERVAL = 4096;

/**
 * The best `budget` records seen so far, in bounded memory. Pruning re-ranks with the engine's
 * own `selectByScore`, so the kept records are exactly the ones it would rank first: its order
 * (score descending, image by code point, superpixel id) is total, hence the top B of all records
 * is the top B of (the top B of those seen before) plus the rest. Pruning once per B (at least
 * {@link MIN_PRUNE_INTERVAL}) added records costs O(n log B) overall, like a heap.
 */
class BestRecords {
  private kept: SuperpixelScore[] = [];
  private readonly pruneAt: number;

  constructor(
    private readonly score: ScoreName,
    private readonly budget: number,
  ) {
    this.pruneAt = budget + Math.max(budget, MIN_PRUNE_INTERVAL);
  }

  add(record: SuperpixelScore): void {
    this.kept.push(record);
    if (this.kept.length >= this.pruneAt) this.kept = this.ranked();
  }

  ranked(): RankedSuperpixel[] {
    return selectByScore(this.kept, this.score, { budget: this.budget });
  }
}

/**
 * Merges the shards' superpixel records into the round's ranked selection: the spec's ranking by
 * the strategy's score (or the seeded random baseline), skipping superpixels queried in earlier
 * rounds when `skipQueried` is on, budget B. Writes `selected.jsonl` (records plus rank).
 *
 * Score strategies keep only the best B records while streaming; `random` holds every candidate,
 * because a uniform draw needs the whole candidate set (`selectRandom` canonicalises it first, so
 * the draw does not depend on shard order).
 */
export async function selectQueries(deps: RoundDependencies, input: SelectQueriesInput, context: RoundContext = {}): Promise<SelectQueriesResult> {
  const { store } = deps;
  requirePrefix('roundPrefix', input.roundPrefix);
  if (!Number.isSafeInteger(input.budget) || input.budget < 0) throw new InputError(`budget must be a non-negative integer, got ${input.budget}`);
  if (input.strategy === 'random' && !Number.isSafeInteger(input.seed)) throw new InputError(`seed must be an integer, got ${input.seed}`);
  const repeated = input.scoreKeys.find((key, i) => input.scoreKeys.indexOf(key) !== i);
  if (repeated !== undefined) throw new InputError(`scoreKeys name ${store.uri(repeated)} twice`);
  const queried = input.skipQueried ? await readQueriedSet(store, input.queriedKey) : undefined;

  const best = input.strategy === 'random' ? undefined : new BestRecords(input.strategy, input.budget);
  const everyCandidate: SuperpixelScore[] = [];
  // A shard plan gives each image to one shard: an image in two shards would be ranked twice.
  const shardOfImage = new Map<string, string>();
  for (const [index, key] of input.scoreKeys.entries()) {
    context.signal?.throwIfAborted();
    for await (const record of streamJsonl(store, key, SuperpixelScoreSchema)) {
      const shard = shardOfImage.get(record.image);
      if (shard === undefined) shardOfImage.set(record.image, key);
      else if (shard !== key) throw new InputError(`${store.uri(key)}: image "${record.image}" is also scored in ${store.uri(shard)}`);
      if (queried?.get(record.image)?.has(record.superpixel)) continue;
      if (best === undefined) everyCandidate.push(record);
      else best.add(record);
    }
    context.report?.({ done: index + 1, total: input.scoreKeys.length });
  }

  const selected = best === undefined ? selectRandom(everyCandidate, input.seed, { budget: input.budget }) : best.ranked();
  const selectedKey = roundKeys.selected(input.roundPrefix);
  await writeJsonl(store, selectedKey, selected);
  return { selectedKey, selected: selected.length };
}
