import { z } from 'zod';
import { InputError } from '../../common/errors.js';
import { formatZodIssues } from '../../common/zod-errors.js';
import { encodeJsonl } from '../../common/jsonl.js';
import type { StoreAnswerBatchInput } from './contracts.js';
import { requirePrefix, type RoundDependencies } from './context.js';
import { roundKeys } from './keys.js';
import { AnswerRecordSchema } from './records.js';

export interface StoreAnswerBatchResult {
  batchKey: string;
  answers: number;
}

const AnswerBatchSchema = z.array(AnswerRecordSchema);

/**
 * Lands one batch of answers in S3 as `answers/batch-<n>.jsonl`, so the workflow's history keeps
 * only the key. Write-once: a retry (or a replayed update) with the same batch succeeds, different
 * answers under a batch number already written are a conflict (ArtifactConflictError).
 */
export async function storeAnswerBatch(deps: RoundDependencies, input: StoreAnswerBatchInput): Promise<StoreAnswerBatchResult> {
  requirePrefix('roundPrefix', input.roundPrefix);
  if (!Number.isSafeInteger(input.batch) || input.batch < 0) throw new InputError(`batch must be a non-negative integer, got ${input.batch}`);
  const batchKey = roundKeys.answerBatch(input.roundPrefix, input.batch);
  const parsed = AnswerBatchSchema.safeParse(input.answers);
  if (!parsed.success) throw new InputError(formatZodIssues(`answer batch ${input.batch}`, parsed.error));
  const seen = new Set<string>();
  for (const answer of parsed.data) {
    if (seen.has(answer.queryId)) throw new InputError(`answer batch ${input.batch}: ${answer.queryId} is answered twice`);
    seen.add(answer.queryId);
  }
  await deps.store.putBytesOnce(batchKey, encodeJsonl(parsed.data), { contentType: 'application/x-ndjson' });
  return { batchKey, answers: parsed.data.length };
}
