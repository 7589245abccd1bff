/**
 * A2LC's label-correction classifier (trainer/CONTRACT.md, `kind: "label-correction-classifier"`)
 * as a GPU-queue activity: the training set that prepareAutoCorrection wrote is staged from S3, the
 * reference trainer (or any command obeying the contract) trains and exports it, and the outputs
 * are published like a segmentation model's (runTrainerJob: heartbeats, resumable checkpoints,
 * bad input non-retryable, `metrics.json` last).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { activityTrainContext, MetricsSummarySchema, runTrainerJob, type TrainContext, type TrainDependencies } from './trainer-job.js';

export const TrainLabelCorrectorInputSchema = z.object({
  /** `.npy`, float32, N x C: mean soft label over each answered superpixel. */
  featuresKey: z.string().min(1),
  /** `.npy`, integer, N: each example's label (255 = none, left out). */
  labelsKey: z.string().min(1),
  /** `.npy`, float32, C: cross-entropy class weights; absent = the trainer's inverse label counts. */
  classWeightsKey: z.string().min(1).optional(),
  numClasses: z.number().int().min(2).max(255),
  /** The contract's classifier hyperparameters; unset ones take the trainer's defaults (the spec's). */
  hyperparameters: z
    .object({
      epochs: z.number().int().min(1).optional(),
      batchSize: z.number().int().min(1).optional(),
      learningRate: z.number().positive().optional(),
      weightDecay: z.number().min(0).optional(),
    })
    .strict()
    .default({}),
  seed: z.number().int().min(0),
  /** Where the outputs go: `model.onnx`, `checkpoint.pt`, `train.log`, then `metrics.json`. */
  outputPrefix: z.string().regex(/\/$/, 'must end with "/"'),
});
export type TrainLabelCorrectorInput = z.input<typeof TrainLabelCorrectorInputSchema>;

export interface TrainLabelCorrectorResult {
  /** The prefix holding `model.onnx` and `metrics.json` (what applyAutoCorrections loads). */
  classifierPrefix: string;
  modelKey: string;
  metricsKey: string;
  finalLoss: number;
  epochs: number;
  trainSeconds: number;
  samples: number;
  trainAccuracy: number;
}

const ClassifierMetricsSchema = MetricsSummarySchema.extend({ samples: z.number().int().min(0), trainAccuracy: z.number() });

export async function trainLabelCorrector(deps: TrainDependencies, rawInput: TrainLabelCorrectorInput, context: TrainContext): Promise<TrainLabelCorrectorResult> {
  const parsed = TrainLabelCorrectorInputSchema.safeParse(rawInput);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`bad label-corrector input: ${parsed.error.message}`, 'BadTrainInput');
  const input = parsed.data;
  const { keys, metrics } = await runTrainerJob(deps, {
    input,
    outputPrefix: input.outputPrefix,
    stage: async (workDir) => {
      const inputs = path.join(workDir, 'inputs');
      await mkdir(inputs, { recursive: true });
      // Every staged key is immutable for this job: a retry on the same machine downloads nothing twice.
      const stage = async (key: string, name: string) => {
        const file = path.join(inputs, name);
        if (!existsSync(file)) await writeFile(file, await deps.store.getBytes(key));
        return file;
      };
      return {
        version: 1,
        kind: 'label-correction-classifier',
        features: await stage(input.featuresKey, 'features.npy'),
        labels: await stage(input.labelsKey, 'labels.npy'),
        ...(input.classWeightsKey ? { classWeights: await stage(input.classWeightsKey, 'class-weights.npy') } : {}),
        numClasses: input.numClasses,
        hyperparameters: input.hyperparameters,
        seed: input.seed,
      };
    },
  }, context);
  const classifier = ClassifierMetricsSchema.safeParse(metrics);
  if (!classifier.success) throw ApplicationFailure.nonRetryable(`${deps.store.uri(keys.metrics)}: not a label-correction classifier's metrics (${classifier.error.message})`, 'BadInput');
  return {
    classifierPrefix: input.outputPrefix,
    modelKey: keys.model,
    metricsKey: keys.metrics,
    finalLoss: metrics.finalLoss,
    epochs: metrics.epochs,
    trainSeconds: metrics.trainSeconds,
    samples: classifier.data.samples,
    trainAccuracy: classifier.data.trainAccuracy,
  };
}

/** The A2LC classifier activity of the GPU task queue. */
export function createLabelCorrectorActivities(deps: TrainDependencies) {
  return {
    trainLabelCorrector(input: TrainLabelCorrectorInput): Promise<TrainLabelCorrectorResult> {
      return trainLabelCorrector(deps, input, activityTrainContext());
    },
  };
}
