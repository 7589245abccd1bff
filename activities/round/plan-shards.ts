import { InputError } from '../../common/errors.js';
import { DEFAULT_ITEM_CONCURRENCY, forEachConcurrently } from '../../datasets/concurrency.js';
import type { PlanShardsInput, PlanShardsResult } from './contracts.js';
import { openDataset, requirePrefix, trainIds, type RoundContext, type RoundDependencies } from './context.js';
import { roundKeys } from './keys.js';
import type { ShardPlan } from './records.js';

/**
 * Cuts the train split, in code-point order, into shards of `shardSize` images for the scoring
 * fan-out. The plan depends only on the manifest and the size, so a retry rewrites the same shards.
 */
export async function planShards(deps: RoundDependencies, input: PlanShardsInput, context: RoundContext = {}): Promise<PlanShardsResult> {
  const { store } = deps;
  requirePrefix('roundPrefix', input.roundPrefix);
  if (!Number.isSafeInteger(input.shardSize) || input.shardSize < 1) throw new InputError(`shardSize must be a positive integer, got ${input.shardSize}`);
  const ids = trainIds(await openDataset(store, input.datasetPrefix, input.labelsPrefix));
  if (ids.length === 0) throw new InputError(`${store.uri(`${input.datasetPrefix}manifest.json`)}: the train split is empty`);
  const shardKeys = Array.from({ length: Math.ceil(ids.length / input.shardSize) }, (_, shard) => roundKeys.shard(input.roundPrefix, shard));
  let written = 0;
  await forEachConcurrently(shardKeys, DEFAULT_ITEM_CONCURRENCY, async (key, shard) => {
    context.signal?.throwIfAborted();
    const plan: ShardPlan = { imageIds: ids.slice(shard * input.shardSize, (shard + 1) * input.shardSize) };
    await store.putJson(key, plan);
    context.report?.({ done: ++written, total: shardKeys.length });
  });
  return { shardKeys, images: ids.length };
}
