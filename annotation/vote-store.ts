/**
 * Votes of redundant annotation, durable in S3 before the annotator is told anything:
 * `campaigns/<c>/round-<r>/votes/<image>/<superpixel>/<annotator>.json`, write-once (an annotator
 * votes once per query; a retry finds its vote already there). Image ids never contain `/`, so
 * the key is unambiguous; annotator names are restricted to key-safe characters.
 */
import { z } from 'zod';
import { forEachConcurrently } from '../datasets/concurrency.js';
import { ArtifactConflictError } from '../storage/artifact-store.js';
import { AnnotatorNameSchema, QueryIdSchema } from './api-schemas.js';
import type { Vote } from './consensus.js';
import type { ObjectStore } from './object-store.js';

export const VoteSchema = z
  .object({
    queryId: QueryIdSchema,
    annotator: AnnotatorNameSchema,
    answer: z.enum(['correct', 'relabel', 'skip']),
    class: z.number().int().min(0).max(255).optional(),
    at: z.iso.datetime(),
  })
  .strict()
  .refine((v) => (v.answer === 'relabel') === (v.class !== undefined), { message: 'a relabel vote has a class, others none', path: ['class'] }) satisfies z.ZodType<Vote>;

const READ_CONCURRENCY = 16;

export function votesPrefix(roundPrefix: string): string {
  return `${roundPrefix}votes/`;
}

export function voteKey(roundPrefix: string, queryId: string, annotator: string): string {
  return `${votesPrefix(roundPrefix)}${queryId}/${annotator}.json`;
}

export type StoreVoteResult = { stored: 'new' } | { stored: 'existing'; vote: Vote };

/** Stores a vote unless this annotator already voted on the query; then returns the earlier vote. */
export async function storeVote(store: ObjectStore, roundPrefix: string, vote: Vote): Promise<StoreVoteResult> {
  const key = voteKey(roundPrefix, vote.queryId, vote.annotator);
  try {
    await store.putBytesOnce(key, `${JSON.stringify(VoteSchema.parse(vote))}\n`, { contentType: 'application/json' });
    return { stored: 'new' };
  } catch (error) {
    if (!(error instanceof ArtifactConflictError)) throw error;
  }
  return { stored: 'existing', vote: await store.getJson(key, VoteSchema) };
}

/** Every vote of a round (a service that restarts reads them back). */
export async function readVotes(store: ObjectStore, roundPrefix: string): Promise<Vote[]> {
  const keys: string[] = [];
  for await (const object of store.list(votesPrefix(roundPrefix))) if (object.key.endsWith('.json')) keys.push(object.key);
  const votes: Vote[] = [];
  await forEachConcurrently(keys, READ_CONCURRENCY, async (key) => {
    votes.push(await store.getJson(key, VoteSchema));
  });
  return votes;
}
