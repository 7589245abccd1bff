/** The S3 keys a round writes (layout in contracts.ts), in one place so every activity agrees. */
import type { SuperpixelRef } from '../../engine/types.js';

export const roundKeys = {
  shard: (roundPrefix: string, shard: number) => `${roundPrefix}shards/shard-${shard}.json`,
  /** Written by scoreShard when the workflow passes `expansionPrefix: <roundPrefix>expansion/`. */
  expansionMap: (roundPrefix: string, imageId: string) => `${roundPrefix}expansion/${imageId}.png`,
  selected: (roundPrefix: string) => `${roundPrefix}selected.jsonl`,
  queries: (roundPrefix: string) => `${roundPrefix}queries.jsonl`,
  /** Image ids never contain `/`, so `_` in place of the query id's `/` keeps asset names flat. */
  asset: (roundPrefix: string, queryId: string) => `${roundPrefix}assets/${queryId.replace('/', '_')}.png`,
  answerBatch: (roundPrefix: string, batch: number) => `${roundPrefix}answers/batch-${batch}.jsonl`,
  changes: (roundPrefix: string) => `${roundPrefix}changes.jsonl`,
  queried: (roundPrefix: string) => `${roundPrefix}queried.jsonl`,
  report: (roundPrefix: string) => `${roundPrefix}report.json`,
};

/** `<image>/<superpixel>`: unambiguous because image ids never contain `/`. */
export function queryIdOf(ref: SuperpixelRef): string {
  return `${ref.image}/${ref.superpixel}`;
}
