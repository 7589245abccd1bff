import { InputError } from '../common/errors.js';
import { ConfusionMatrix, segmentationMetrics, type SegmentationMetrics } from '../engine/metrics.js';
import { argmaxLabels } from '../engine/predictions.js';
import type { DatasetReader } from './dataset-reader.js';
import { imagesOf } from './score-with-model.js';
import type { SegmentationModel } from './segmentation-model.js';

/**
 * Model mIoU: the model's predictions (argmax of P, through the same inference path as scoring)
 * against the ground truth of a split. Items without ground truth are left out.
 */
export async function evaluateWithModel(
  reader: DatasetReader,
  model: SegmentationModel,
  split: 'train' | 'val',
  options: { batchSize: number; signal: AbortSignal; onProgress?: (progress: { done: number; total: number }) => void },
): Promise<{ metrics: SegmentationMetrics; images: number }> {
  const ids = reader.idsOf(split).filter((id) => reader.item(id).groundTruth !== undefined);
  if (ids.length === 0) throw new InputError(`no ${split} item of the dataset has ground truth`);
  const matrix = new ConfusionMatrix(model.metadata.numClasses);
  let done = 0;
  await model.segment(imagesOf(reader, ids, options.signal), options.batchSize, async (id, soft) => {
    const truth = (await reader.groundTruth(id))!;
    matrix.add(argmaxLabels(soft.probabilities, soft.classes, soft.width * soft.height), truth.data, id, soft.width);
    options.onProgress?.({ done: ++done, total: ids.length });
  });
  return { metrics: segmentationMetrics(matrix), images: done };
}
