import { InputError } from '../common/errors.js';
import { superpixelFeatures, type SuperpixelFeatures } from '../engine/auto-correction.js';
import { abcScores } from '../engine/class-weights.js';
import { scoredSuperpixels, scoreImage, ScoringWorkspace } from '../engine/score-image.js';
import type { Mode, SuperpixelScore } from '../engine/types.js';
import type { DatasetReader } from './dataset-reader.js';
import type { SegmentationModel } from './segmentation-model.js';
import type { SoftLabels } from './segment.js';

export interface ScoreWithModelOptions {
  mode: Mode;
  tau: number;
  /** A2LC class-balanced weights, known before scoring; adds `abc` to each record. */
  classWeights?: Float64Array;
  batchSize: number;
  signal: AbortSignal;
  onRecords: (image: string, records: SuperpixelScore[]) => Promise<void> | void;
  /**
   * The expansion sets of the image as a map (superpixel id where the pixel is in that
   * superpixel's E, else 0): what query rendering and label expansion need, so they never have
   * to recompute the soft labels.
   */
  onExpansion?: (image: string, map: { width: number; height: number; data: Uint32Array }) => Promise<void>;
  /** A2LC's automatic correction: each superpixel's mean P over R, computed while P is at hand. */
  onFeatures?: (image: string, features: SuperpixelFeatures) => Promise<void> | void;
  /** Debugging: the soft labels of each image, before they are dropped. */
  onSoftLabels?: (image: string, softLabels: SoftLabels) => Promise<void>;
  onProgress?: (progress: { done: number; total: number }) => void;
}

/**
 * Inference and scoring fused: each image's soft labels go straight from the model into the
 * engine's superpixel scoring and are dropped; only the per-superpixel records come out.
 */
export async function scoreWithModel(reader: DatasetReader, model: SegmentationModel, imageIds: readonly string[], options: ScoreWithModelOptions): Promise<void> {
  const weights = options.classWeights;
  if (weights && weights.length !== model.metadata.numClasses) {
    throw new InputError(`class weights have ${weights.length} entries, the model has ${model.metadata.numClasses} classes`);
  }
  const workspace = new ScoringWorkspace();
  let expansionIndex = new Int32Array(0);
  let done = 0;
  await model.segment(imagesOf(reader, imageIds, options.signal), options.batchSize, async (id, soft) => {
    const [labels, superpixels] = await Promise.all([reader.workingLabels(id), reader.superpixels(id)]);
    for (const [what, map] of [['labels', labels], ['superpixels', superpixels]] as const) {
      if (map.width !== soft.width || map.height !== soft.height) {
        throw new InputError(`image "${id}": ${what} are ${map.width}x${map.height}, the image is ${soft.width}x${soft.height}`);
      }
    }
    if (options.onSoftLabels) await options.onSoftLabels(id, soft);
    const plane = soft.width * soft.height;
    if (options.onExpansion && expansionIndex.length !== plane) expansionIndex = new Int32Array(plane);
    const input = { classes: soft.classes, height: soft.height, width: soft.width, softLabels: soft.probabilities, labels: labels.data, superpixels: superpixels.data };
    if (options.onFeatures) await options.onFeatures(id, superpixelFeatures(input, id));
    const scores = scoreImage(
      input,
      { mode: options.mode, tau: options.tau, image: id, ...(options.onExpansion ? { expansionOut: expansionIndex } : {}) },
      workspace,
    );
    if (options.onExpansion) {
      const map = new Uint32Array(plane);
      for (let x = 0; x < plane; x++) {
        const index = expansionIndex[x];
        if (index >= 0) map[x] = scores.superpixelIds[index];
      }
      await options.onExpansion(id, { width: soft.width, height: soft.height, data: map });
    }
    await options.onRecords(id, scoredSuperpixels(id, scores, weights ? abcScores(scores, weights) : undefined));
    options.onProgress?.({ done: ++done, total: imageIds.length });
  });
}

/** The images' bytes in order, read one ahead of the model at most. */
export async function* imagesOf(reader: DatasetReader, imageIds: readonly string[], signal: AbortSignal): AsyncGenerator<{ id: string; bytes: Uint8Array }> {
  for (const id of imageIds) {
    if (signal.aborted) throw signal.reason as Error;
    yield { id, bytes: await reader.imageBytes(id) };
  }
}
