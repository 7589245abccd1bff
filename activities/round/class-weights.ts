import { classBalancedWeights } from '../../engine/class-weights.js';
import { addUnqueriedLabelTotals } from '../../engine/predictions.js';
import type { ClassWeightsInput, ClassWeightsResult } from './contracts.js';
import { classCountOf, forEachImage, openDataset, requireSameSize, trainIds, type RoundContext, type RoundDependencies } from './context.js';
import { readQueriedSet } from './records.js';

/**
 * A2LC's class-balanced weights: n_c over the train images' superpixels not queried in an earlier
 * round, from the working labels and superpixels alone, so they are known before scoring starts.
 * The counts are integers in float64, exact whatever order the images finish in.
 */
export async function classWeights(deps: RoundDependencies, input: ClassWeightsInput, context: RoundContext = {}): Promise<ClassWeightsResult> {
  const reader = await openDataset(deps.store, input.datasetPrefix, input.labelsPrefix);
  const queried = await readQueriedSet(deps.store, input.queriedKey);
  const counts = new Float64Array(classCountOf(reader.manifest));
  await forEachImage(trainIds(reader), context, async (id) => {
    const [labels, superpixels] = await Promise.all([reader.workingLabels(id), reader.superpixels(id)]);
    requireSameSize(`${id}: working labels and superpixels`, labels, superpixels);
    addUnqueriedLabelTotals(counts, labels.data, superpixels.data, queried?.get(id));
  });
  return { counts: Array.from(counts), weights: Array.from(classBalancedWeights(counts)) };
}
