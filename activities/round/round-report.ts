import { z } from 'zod';
import { InputError } from '../../common/errors.js';
import { formatZodIssues } from '../../common/zod-errors.js';
import type { RoundReportInput, RoundSummary } from './contracts.js';
import { requirePrefix, type RoundDependencies } from './context.js';
import { roundKeys } from './keys.js';

const count = z.number().int().min(0);
const score = z.number().min(0).max(1).nullable();

export const RoundSummarySchema = z.object({
  round: count,
  queries: count,
  answered: count,
  pixelsChanged: count,
  dataMIoU: score,
  modelMIoU: score,
  autoCorrections: count.optional(),
  autoCorrectionPixels: count.optional(),
  humanLabelsPrefix: z.string().optional(),
  autoCorrectionsReverted: z.boolean().optional(),
  labelsPrefix: z.string().optional(),
  modelPrefix: z.string(),
}) satisfies z.ZodType<RoundSummary>;

/** `report.json`: the summary plus where the round ran, for `alc report` and people reading S3. */
export const RoundReportSchema = RoundSummarySchema.extend({ campaignId: z.string().min(1), datasetPrefix: z.string() });
export type RoundReport = z.infer<typeof RoundReportSchema>;

/** Writes the round's `report.json` and returns its key. */
export async function writeRoundReport(deps: RoundDependencies, input: RoundReportInput): Promise<string> {
  requirePrefix('roundPrefix', input.roundPrefix);
  if (input.report.round !== input.round) throw new InputError(`the report is of round ${input.report.round}, the activity runs for round ${input.round}`);
  const parsed = RoundReportSchema.safeParse({ campaignId: input.campaignId, datasetPrefix: input.datasetPrefix, ...input.report });
  if (!parsed.success) throw new InputError(formatZodIssues(`round ${input.round} report`, parsed.error));
  const reportKey = roundKeys.report(input.roundPrefix);
  // Overwritten, not write-once: an operator's retry of the round may change its numbers.
  await deps.store.putJson(reportKey, parsed.data);
  return reportKey;
}
