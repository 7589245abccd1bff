import { z } from 'zod';
import type { InferenceConfig } from '../../configs/schema.js';
import { encodeSuperpixelPng } from '../../datasets/png.js';
import { encodeFloat32Npy } from '../../engine/npy.js';
import { DatasetReader } from '../../inference/dataset-reader.js';
import { scoreWithModel } from '../../inference/score-with-model.js';
import { SegmentationModel } from '../../inference/segmentation-model.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { S3Location } from '../../storage/s3-location.js';
import { FeatureShardWriter } from '../round/auto-correct-features.js';

/** A shard plan in S3 (`planShards` writes `{"imageIds":[...]}`). */
const ShardImageIdsSchema = z.object({ imageIds: z.array(z.string().min(1)).min(1) });

export const ScoreShardInputSchema = z.object({
  /** Where the trainer published `model.onnx` and `metrics.json`. */
  modelPrefix: z.string().regex(/\/$/, 'must end with "/"'),
  datasetPrefix: z.string(),
  /** The working labels L (`<id>.png`); absent = the pseudo labels. */
  labelsPrefix: z.string().optional(),
  /** The shard's images, inline (small shards, tools) ... */
  imageIds: z.array(z.string().min(1)).min(1).optional(),
  /** ... or the key of a JSON `{"imageIds":[...]}` (the round workflow: history keeps only the key). */
  imageIdsKey: z.string().min(1).optional(),
  mode: z.enum(['alc', 'a2lc']),
  tau: z.number().min(-1).max(1).default(0),
  /** A2LC class-balanced weights (computed from L and S before scoring); adds `abc` to each record. */
  classWeights: z.array(z.number()).optional(),
  /** JSONL of the shard's superpixel records (`superpixels.jsonl` format). */
  recordsKey: z.string(),
  /** Write each image's expansion map as `<prefix><id>.png` (16-bit, superpixel id in E, else 0). */
  expansionPrefix: z.string().optional(),
  /** Debugging: also write each image's soft labels as `<prefix><id>.npy`. */
  dumpSoftLabelsPrefix: z.string().optional(),
  /**
   * A2LC automatic correction: each superpixel's mean P over R as `features.arrayKey` (.npy, N x C
   * float32) with its rows `{image, superpixel, pixels}` as `features.rowsKey` (.jsonl).
   */
  features: z.object({ arrayKey: z.string().min(1), rowsKey: z.string().min(1) }).optional(),
}).refine((input) => (input.imageIds === undefined) !== (input.imageIdsKey === undefined), {
  message: 'give exactly one of imageIds and imageIdsKey',
  path: ['imageIds'],
});
export type ScoreShardInput = z.input<typeof ScoreShardInputSchema>;

export interface ScoreShardResult {
  recordsKey: string;
  images: number;
  superpixels: number;
  provider: string;
  /** Feature rows written (when `features` was asked for). */
  featureRows?: number;
}

/** How a shard reports to its caller: Temporal's activity context, or a test. */
export interface ShardContext {
  report: (progress: { done: number; total: number }) => void;
  signal: AbortSignal;
  warn: (message: string) => void;
}

/** Scores one shard of images with a trained model and writes its records to the store. */
export async function scoreShard(deps: { store: ArtifactStore; inference: InferenceConfig }, rawInput: ScoreShardInput, context: ShardContext): Promise<ScoreShardResult> {
  const input = ScoreShardInputSchema.parse(rawInput);
  const { store } = deps;
  const imageIds = input.imageIds ?? (await store.getJson(input.imageIdsKey!, ShardImageIdsSchema)).imageIds;
  const reader = await DatasetReader.open(new S3Location(store.at(input.datasetPrefix)), input.labelsPrefix === undefined ? undefined : new S3Location(store.at(input.labelsPrefix)));
  const model = await SegmentationModel.load(new S3Location(store.at(input.modelPrefix)), deps.inference, context.warn);
  const lines: string[] = [];
  const features = input.features === undefined ? undefined : new FeatureShardWriter();
  let images = 0;
  await scoreWithModel(reader, model, imageIds, {
    mode: input.mode,
    tau: input.tau,
    classWeights: input.classWeights ? Float64Array.from(input.classWeights) : undefined,
    batchSize: deps.inference.batchSize,
    signal: context.signal,
    onRecords: (_image, records) => {
      images++;
      for (const record of records) lines.push(JSON.stringify(record));
    },
    onFeatures: features === undefined ? undefined : (id, values) => features.add(id, values),
    onExpansion: input.expansionPrefix === undefined ? undefined : async (id, map) => store.putBytes(`${input.expansionPrefix}${id}.png`, await encodeSuperpixelPng(map)),
    onSoftLabels: input.dumpSoftLabelsPrefix === undefined
      ? undefined
      : (id, soft) => store.putBytes(`${input.dumpSoftLabelsPrefix}${id}.npy`, encodeFloat32Npy(soft.probabilities, [soft.classes, soft.height, soft.width])),
    onProgress: context.report,
  });
  // Written whole at the end: a retried shard rewrites the same key with the same content.
  if (features !== undefined) await features.write(store, input.features!);
  await store.putBytes(input.recordsKey, lines.length > 0 ? `${lines.join('\n')}\n` : '', { contentType: 'application/x-ndjson' });
  return { recordsKey: input.recordsKey, images, superpixels: lines.length, provider: model.provider, ...(features === undefined ? {} : { featureRows: features.size }) };
}
