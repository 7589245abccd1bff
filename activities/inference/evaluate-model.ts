import { z } from 'zod';
import type { InferenceConfig } from '../../configs/schema.js';
import type { SegmentationMetrics } from '../../engine/metrics.js';
import { DatasetReader } from '../../inference/dataset-reader.js';
import { evaluateWithModel } from '../../inference/evaluate-with-model.js';
import { SegmentationModel } from '../../inference/segmentation-model.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { S3Location } from '../../storage/s3-location.js';
import type { ShardContext } from './score-shard.js';

export const EvaluateModelInputSchema = z.object({
  modelPrefix: z.string().regex(/\/$/, 'must end with "/"'),
  datasetPrefix: z.string(),
  split: z.enum(['train', 'val']).default('val'),
});
export type EvaluateModelInput = z.input<typeof EvaluateModelInputSchema>;

export interface EvaluateModelResult {
  metrics: SegmentationMetrics;
  images: number;
}

/** Model mIoU of a trained model on a split of the dataset (validation by default). */
export async function evaluateModel(deps: { store: ArtifactStore; inference: InferenceConfig }, rawInput: EvaluateModelInput, context: ShardContext): Promise<EvaluateModelResult> {
  const input = EvaluateModelInputSchema.parse(rawInput);
  const reader = await DatasetReader.open(new S3Location(deps.store.at(input.datasetPrefix)));
  const model = await SegmentationModel.load(new S3Location(deps.store.at(input.modelPrefix)), deps.inference, context.warn);
  return evaluateWithModel(reader, model, input.split, { batchSize: deps.inference.batchSize, signal: context.signal, onProgress: context.report });
}
