import { z } from 'zod';
import { InputError } from '../../common/errors.js';
import type { InferenceConfig } from '../../configs/schema.js';
import { ConfusionMatrix, segmentationMetrics, type SegmentationMetrics } from '../../engine/metrics.js';
import { argmaxLabels } from '../../engine/predictions.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { DatasetReader } from './dataset-reader.js';
import type { ShardContext } from './score-shard.js';
import { SegmentationModel } from './segmentation-model.js';

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

/**
 * Model mIoU: the model's predictions (argmax of P, through the same inference path as scoring)
 * against the ground truth of a split. Items without ground truth are skipped.
 */
export async function evaluateModel(deps: { store: ArtifactStore; inference: InferenceConfig }, rawInput: EvaluateModelInput, context: ShardContext): Promise<EvaluateModelResult> {
  const input = EvaluateModelInputSchema.parse(rawInput);
  const reader = await DatasetReader.open(deps.store, input.datasetPrefix);
  const model = await SegmentationModel.load(deps.store, input.modelPrefix, deps.inference, context.warn);
  const ids = reader.idsOf(input.split).filter((id) => reader.item(id).groundTruth !== undefined);
  if (ids.length === 0) throw new InputError(`no ${input.split} item of ${input.datasetPrefix} has ground truth`);
  const matrix = new ConfusionMatrix(model.metadata.numClasses);
  let done = 0;
  async function* images() {
    for (const id of ids) {
      if (context.signal.aborted) throw context.signal.reason as Error;
      yield { id, bytes: await reader.imageBytes(id) };
    }
  }
  await model.segment(images(), deps.inference.batchSize, async (id, soft) => {
    const truth = (await reader.groundTruth(id))!;
    const plane = soft.width * soft.height;
    matrix.add(argmaxLabels(soft.probabilities, soft.classes, plane), truth.data, id, soft.width);
    context.report({ done: ++done, total: ids.length });
  });
  return { metrics: segmentationMetrics(matrix), images: done };
}
