/**
 * What an activity's input and result mean for the product metrics: queries issued, answers
 * accepted, pixels changed, a round's mIoU, scoring throughput, training progress. The activity
 * interceptor hands every completed attempt here, so the activities themselves report nothing.
 *
 * The shapes are read with zod (the interceptor sees `unknown`), typed against the activities'
 * contracts so that a change there breaks the build here rather than the metrics silently.
 */
import { z } from 'zod';
import type { ExpandAnswersResult, IssueQueriesResult, RoundReportInput, StoreAnswerBatchInput } from '../activities/round/contracts.js';
import type { ScoreShardResult } from '../activities/inference/score-shard.js';
import type { TrainHeartbeat } from '../activities/train/train-segmentation.js';
import type { CampaignContext } from './log-context.js';
import type { WorkerMetrics } from './worker-metrics.js';

const IssueQueriesResultSchema = z.object({ queryIds: z.array(z.string()) }) satisfies z.ZodType<Pick<IssueQueriesResult, 'queryIds'>>;
const AnswerBatchSchema = z.object({
  answers: z.array(z.object({ answer: z.enum(['correct', 'relabel', 'skip']) })),
}) satisfies z.ZodType<{ answers: Pick<StoreAnswerBatchInput['answers'][number], 'answer'>[] }>;
const ExpandResultSchema = z.object({ relabelled: z.number(), pixelsChanged: z.number() }) satisfies z.ZodType<Pick<ExpandAnswersResult, 'relabelled' | 'pixelsChanged'>>;
const RoundReportSchema = z.object({
  campaignId: z.string(),
  round: z.number().int(),
  report: z.object({ queries: z.number(), answered: z.number(), pixelsChanged: z.number(), dataMIoU: z.number().nullable(), modelMIoU: z.number().nullable() }),
}) satisfies z.ZodType<{ campaignId: string; round: number; report: Pick<RoundReportInput['report'], 'queries' | 'answered' | 'pixelsChanged' | 'dataMIoU' | 'modelMIoU'> }>;
const ScoreShardResultSchema = z.object({ images: z.number(), superpixels: z.number() }) satisfies z.ZodType<Pick<ScoreShardResult, 'images' | 'superpixels'>>;
const TrainProgressSchema = z.object({
  epoch: z.number(),
  epochs: z.number().optional(),
  step: z.number().optional(),
  steps: z.number().optional(),
  loss: z.number().optional(),
}) satisfies z.ZodType<Pick<TrainHeartbeat, 'epoch' | 'epochs' | 'step' | 'steps' | 'loss'>>;
/** Round activities carry their campaign in the input (RoundLocation); others have only their workflow's id. */
const CampaignInputSchema = z.object({ campaignId: z.string().min(1) });

/** One completed activity attempt, as the interceptor saw it. */
export interface CompletedActivity {
  activityType: string;
  taskQueue: string;
  context: CampaignContext;
  input: unknown;
  result: unknown;
  seconds: number;
}

export function recordCompletedActivity(metrics: WorkerMetrics, done: CompletedActivity): void {
  const campaign = campaignLabel(done);
  switch (done.activityType) {
    case 'issueQueries': {
      const result = IssueQueriesResultSchema.safeParse(done.result);
      if (result.success) metrics.queriesIssued.inc({ campaign }, result.data.queryIds.length);
      break;
    }
    case 'storeAnswerBatch': {
      const input = AnswerBatchSchema.safeParse(done.input);
      if (!input.success) break;
      const counts = { correct: 0, relabel: 0, skip: 0 };
      for (const { answer } of input.data.answers) counts[answer]++;
      for (const [answer, count] of Object.entries(counts)) if (count > 0) metrics.answersAccepted.inc({ campaign, answer }, count);
      break;
    }
    case 'expandAnswers': {
      const result = ExpandResultSchema.safeParse(done.result);
      if (!result.success) break;
      metrics.superpixelsRelabelled.inc({ campaign }, result.data.relabelled);
      metrics.pixelsChanged.inc({ campaign }, result.data.pixelsChanged);
      break;
    }
    case 'writeRoundReport': {
      const input = RoundReportSchema.safeParse(done.input);
      if (!input.success) break;
      const labels = { campaign: input.data.campaignId, round: String(input.data.round) };
      const { report } = input.data;
      metrics.roundQueries.set(labels, report.queries);
      metrics.roundAnswered.set(labels, report.answered);
      metrics.roundPixelsChanged.set(labels, report.pixelsChanged);
      // Null: not measured (no ground truth, no model). An absent series says so; 0 would lie.
      if (report.dataMIoU === null) metrics.roundDataMIoU.remove(labels);
      else metrics.roundDataMIoU.set(labels, report.dataMIoU);
      if (report.modelMIoU === null) metrics.roundModelMIoU.remove(labels);
      else metrics.roundModelMIoU.set(labels, report.modelMIoU);
      break;
    }
    case 'scoreShard': {
      const result = ScoreShardResultSchema.safeParse(done.result);
      if (!result.success) break;
      const labels = { task_queue: done.taskQueue };
      metrics.scoredImages.inc(labels, result.data.images);
      metrics.scoredSuperpixels.inc(labels, result.data.superpixels);
      if (done.seconds > 0) metrics.scoringImagesPerSecond.set(labels, result.data.images / done.seconds);
      break;
    }
  }
}

/** The training activity type whose heartbeats carry the trainer's progress events. */
export const TRAINING_ACTIVITY = 'trainSegmentationModel';

/** A training heartbeat (TrainHeartbeat): epoch, step and loss of the running job. */
export function recordTrainingProgress(metrics: WorkerMetrics, context: CampaignContext, details: unknown): void {
  const progress = TrainProgressSchema.safeParse(details);
  if (!progress.success) return;
  const labels = roundLabels(context);
  const { epoch, epochs, step, steps, loss } = progress.data;
  metrics.trainingEpoch.set(labels, epoch);
  if (epochs !== undefined) metrics.trainingEpochs.set(labels, epochs);
  if (step !== undefined) metrics.trainingStep.set(labels, step);
  if (steps !== undefined) metrics.trainingSteps.set(labels, steps);
  if (loss !== undefined) metrics.trainingLoss.set(labels, loss);
}

/** A job that ended (done, failed or moved to another worker) has no progress here any more. */
export function clearTrainingProgress(metrics: WorkerMetrics, context: CampaignContext): void {
  const labels = roundLabels(context);
  for (const gauge of [metrics.trainingEpoch, metrics.trainingEpochs, metrics.trainingStep, metrics.trainingSteps, metrics.trainingLoss]) gauge.remove(labels);
}

function campaignLabel(done: Pick<CompletedActivity, 'input' | 'context'>): string {
  const input = CampaignInputSchema.safeParse(done.input);
  return input.success ? input.data.campaignId : (done.context.campaignId ?? '');
}

function roundLabels(context: CampaignContext): { campaign: string; round: string } {
  return { campaign: context.campaignId ?? '', round: context.round === undefined ? '' : String(context.round) };
}
