import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { stageTrainingInputs } from './stage-inputs.js';
import { activityTrainContext, runTrainerJob, type TrainContext, type TrainDependencies } from './trainer-job.js';

export type { TrainHeartbeat } from './trainer-job.js';

export const TrainSegmentationInputSchema = z.object({
  /** Key prefix of the dataset (its manifest.json) in the store. */
  datasetPrefix: z.string(),
  /** Key prefix of the label version to train on (`<id>.png`); absent = the pseudo labels. */
  labelsPrefix: z.string().optional(),
  model: z.object({ config: z.enum(['tiny', 'paper']), outputStride: z.union([z.literal(8), z.literal(16)]).optional() }),
  hyperparameters: z.record(z.string(), z.number()).default({}),
  seed: z.number().int().min(0),
  /** Key of an earlier `checkpoint.pt` to warm-start from (the previous round's). */
  initialCheckpointKey: z.string().optional(),
  /** Where the outputs go: `model.onnx`, `checkpoint.pt`, `train.log`, then `metrics.json`. */
  outputPrefix: z.string().regex(/\/$/, 'must end with "/"'),
});
export type TrainSegmentationInput = z.input<typeof TrainSegmentationInputSchema>;

export interface TrainSegmentationResult {
  modelKey: string;
  checkpointKey: string;
  metricsKey: string;
  logKey: string;
  finalLoss: number;
  epochs: number;
  trainSeconds: number;
}

/**
 * Trains a segmentation model with the configured trainer and publishes its outputs (see
 * runTrainerJob: idempotent, resumable, bad input non-retryable with the trainer's message).
 */
export async function trainSegmentation(deps: TrainDependencies, rawInput: TrainSegmentationInput, context: TrainContext): Promise<TrainSegmentationResult> {
  const parsed = TrainSegmentationInputSchema.safeParse(rawInput);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`bad train input: ${parsed.error.message}`, 'BadTrainInput');
  const input = parsed.data;
  const { keys, metrics } = await runTrainerJob(deps, {
    input,
    outputPrefix: input.outputPrefix,
    stage: async (workDir) => {
      const staged = await stageTrainingInputs(deps.store, { datasetPrefix: input.datasetPrefix, labelsPrefix: input.labelsPrefix, split: 'train' }, workDir);
      let initialCheckpoint: string | undefined;
      if (input.initialCheckpointKey) {
        initialCheckpoint = path.join(workDir, 'initial-checkpoint.pt');
        if (!existsSync(initialCheckpoint)) await writeFile(initialCheckpoint, await deps.store.getBytes(input.initialCheckpointKey));
      }
      return {
        version: 1,
        kind: 'segmentation',
        dataset: { root: staged.datasetRoot, manifest: 'manifest.json' },
        ...(staged.labelsDir ? { labels: { dir: staged.labelsDir } } : {}),
        split: 'train',
        model: input.model,
        hyperparameters: input.hyperparameters,
        seed: input.seed,
        ...(initialCheckpoint ? { initialCheckpoint } : {}),
      };
    },
  }, context);
  return {
    modelKey: keys.model,
    checkpointKey: keys.checkpoint,
    logKey: keys.log,
    metricsKey: keys.metrics,
    finalLoss: metrics.finalLoss,
    epochs: metrics.epochs,
    trainSeconds: metrics.trainSeconds,
  };
}

/** The `train` activity of the GPU task queue. */
export function createTrainActivities(deps: TrainDependencies) {
  return {
    trainSegmentationModel(input: TrainSegmentationInput): Promise<TrainSegmentationResult> {
      return trainSegmentation(deps, input, activityTrainContext());
    },
  };
}
