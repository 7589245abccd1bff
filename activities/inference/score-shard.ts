import { z } from 'zod';
import { InputError } from '../../common/errors.js';
import type { InferenceConfig } from '../../configs/schema.js';
import { abcScores } from '../../engine/class-weights.js';
import { encodeFloat32Npy } from '../../engine/npy.js';
import { scoredSuperpixels, scoreImage, ScoringWorkspace } from '../../engine/score-image.js';
import type { SuperpixelScore } from '../../engine/types.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { DatasetReader } from './dataset-reader.js';
import { SegmentationModel } from './segmentation-model.js';

export const ScoreShardInputSchema = z.object({
  /** Where the trainer published `model.onnx` and `metrics.json`. */
  modelPrefix: z.string().regex(/\/$/, 'must end with "/"'),
  datasetPrefix: z.string(),
  /** The working labels L (`<id>.png`); absent = the pseudo labels. */
  labelsPrefix: z.string().optional(),
  imageIds: z.array(z.string().min(1)).min(1),
  mode: z.enum(['alc', 'a2lc']),
  tau: z.number().min(-1).max(1).default(0),
  /** A2LC class-balanced weights (computed from L and S before scoring); adds `abc` to each record. */
  classWeights: z.array(z.number()).optional(),
  /** JSONL of the shard's superpixel records (`superpixels.jsonl` format). */
  recordsKey: z.string(),
  /** Debugging: also write each image's soft labels as `<prefix><id>.npy`. */
  dumpSoftLabelsPrefix: z.string().optional(),
});
export type ScoreShardInput = z.input<typeof ScoreShardInputSchema>;

export interface ScoreShardResult {
  recordsKey: string;
  images: number;
  superpixels: number;
  provider: string;
}

export interface ShardContext {
  report: (progress: { done: number; total: number }) => void;
  signal: AbortSignal;
  warn: (message: string) => void;
}

/**
 * Inference and scoring fused: each image's soft labels go straight from onnxruntime into the
 * engine's superpixel scoring and are dropped; only the per-superpixel records are written.
 */
export async function scoreShard(deps: { store: ArtifactStore; inference: InferenceConfig }, rawInput: ScoreShardInput, context: ShardContext): Promise<ScoreShardResult> {
  const input = ScoreShardInputSchema.parse(rawInput);
  const { store } = deps;
  const reader = await DatasetReader.open(store, input.datasetPrefix, input.labelsPrefix);
  const model = await SegmentationModel.load(store, input.modelPrefix, deps.inference, context.warn);
  const weights = input.classWeights ? Float64Array.from(input.classWeights) : undefined;
  if (weights && weights.length !== model.metadata.numClasses) {
    throw new InputError(`classWeights has ${weights.length} entries, the model has ${model.metadata.numClasses} classes`);
  }
  const workspace = new ScoringWorkspace();
  const lines: string[] = [];
  let superpixels = 0;
  let done = 0;

  async function* images() {
    for (const id of input.imageIds) {
      if (context.signal.aborted) throw context.signal.reason as Error;
      yield { id, bytes: await reader.imageBytes(id) };
    }
  }
  await model.segment(images(), deps.inference.batchSize, async (id, soft) => {
    const [labels, superpixelMap] = await Promise.all([reader.workingLabels(id), reader.superpixels(id)]);
    for (const [what, map] of [['labels', labels], ['superpixels', superpixelMap]] as const) {
      if (map.width !== soft.width || map.height !== soft.height) {
        throw new InputError(`image "${id}": ${what} are ${map.width}x${map.height}, the image is ${soft.width}x${soft.height}`);
      }
    }
    const scores = scoreImage(
      { classes: soft.classes, height: soft.height, width: soft.width, softLabels: soft.probabilities, labels: labels.data, superpixels: superpixelMap.data },
      { mode: input.mode, tau: input.tau, image: id },
      workspace,
    );
    const records: SuperpixelScore[] = scoredSuperpixels(id, scores, weights ? abcScores(scores, weights) : undefined);
    for (const record of records) lines.push(JSON.stringify(record));
    superpixels += records.length;
    if (input.dumpSoftLabelsPrefix !== undefined) {
      await store.putBytes(`${input.dumpSoftLabelsPrefix}${id}.npy`, encodeFloat32Npy(soft.probabilities, [soft.classes, soft.height, soft.width]));
    }
    context.report({ done: ++done, total: input.imageIds.length });
  });
  // Written whole at the end: a retried shard rewrites the same key with the same content.
  await store.putBytes(input.recordsKey, lines.length > 0 ? `${lines.join('\n')}\n` : '', { contentType: 'application/x-ndjson' });
  return { recordsKey: input.recordsKey, images: done, superpixels, provider: model.provider };
}
