import { ConfusionMatrix, segmentationMetrics } from '../../engine/metrics.js';
import type { DataMetricsInput, DataMetricsResult } from './contracts.js';
import { classCountOf, forEachImage, openDataset, requireSameSize, trainIds, type RoundContext, type RoundDependencies } from './context.js';

/**
 * Data mIoU (spec, "Metrics"): the working labels of the train split against the ground truth,
 * over the images that have one. Confusion counts are integers in float64, so the result does not
 * depend on the order the images finish in.
 */
export async function dataMetrics(deps: RoundDependencies, input: DataMetricsInput, context: RoundContext = {}): Promise<DataMetricsResult> {
  const reader = await openDataset(deps.store, input.datasetPrefix, input.labelsPrefix);
  const matrix = new ConfusionMatrix(classCountOf(reader.manifest));
  let images = 0;
  await forEachImage(trainIds(reader), context, async (id) => {
    const groundTruth = await reader.groundTruth(id);
    if (groundTruth === undefined) return;
    const labels = await reader.workingLabels(id);
    requireSameSize(`${id}: working labels and ground truth`, labels, groundTruth);
    matrix.add(labels.data, groundTruth.data, id, labels.width);
    images++;
  });
  return { metrics: segmentationMetrics(matrix), images };
}
