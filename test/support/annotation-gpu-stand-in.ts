/**
 * The GPU side of a campaign without a model, so the annotation service's integration test gets
 * real rounds (real workflows, real CPU activities, real S3 artifacts) to the annotate step in
 * seconds on two cores. Scoring is the engine's own, on soft labels made from the ground truth
 * (0.8 on the true class, the rest spread; uniform on void pixels), and writes exactly what the
 * real `scoreShard` writes: superpixel records and expansion maps. Training writes nothing and
 * evaluation reports a constant: the test measures labels (data mIoU), not models.
 */
import { z } from 'zod';
import type { EvaluateModelInput, EvaluateModelResult } from '../../activities/inference/evaluate-model.js';
import type { ScoreShardInput, ScoreShardResult } from '../../activities/inference/score-shard.js';
import type { TrainSegmentationInput, TrainSegmentationResult } from '../../activities/train/train-segmentation.js';
import { encodeSuperpixelPng } from '../../datasets/png.js';
import { scoredSuperpixels, scoreImage } from '../../engine/score-image.js';
import { IGNORE_LABEL, type Mode } from '../../engine/types.js';
import { DatasetReader } from '../../inference/dataset-reader.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { S3Location } from '../../storage/s3-location.js';

const ShardSchema = z.object({ imageIds: z.array(z.string()) });

/** P (C x H x W, planar) from the ground truth: what a good model would predict. */
export function standInSoftLabels(groundTruth: Uint8Array, classes: number): Float32Array {
  const plane = groundTruth.length;
  const probabilities = new Float32Array(classes * plane).fill(0.2 / classes);
  for (let x = 0; x < plane; x++) {
    const g = groundTruth[x];
    if (g === IGNORE_LABEL) for (let c = 0; c < classes; c++) probabilities[c * plane + x] = 1 / classes;
    else probabilities[g * plane + x] += 0.8;
  }
  return probabilities;
}

/** Scores of one image exactly as the round's scoring computes them from P, L and S. */
export async function standInScores(reader: DatasetReader, image: string, mode: Mode, tau = 0) {
  const classes = Math.max(...reader.manifest.classes.map((c) => c.id)) + 1;
  const [labels, superpixels, truth] = await Promise.all([reader.workingLabels(image), reader.superpixels(image), reader.groundTruth(image)]);
  if (truth === undefined) throw new Error(`${image}: the stand-in needs ground truth`);
  const expansion = new Int32Array(labels.width * labels.height);
  const scores = scoreImage(
    { classes, height: labels.height, width: labels.width, softLabels: standInSoftLabels(truth.data, classes), labels: labels.data, superpixels: superpixels.data },
    { mode, tau, image, expansionOut: expansion },
  );
  return { scores, expansion, labels, truth };
}

export function createGpuStandIn(store: ArtifactStore) {
  return {
    async trainSegmentationModel(input: TrainSegmentationInput): Promise<TrainSegmentationResult> {
      const prefix = input.outputPrefix;
      await store.putJson(`${prefix}stand-in.json`, { note: 'no model: the annotation test stands in for training' });
      return { modelKey: `${prefix}model.onnx`, checkpointKey: `${prefix}checkpoint.pt`, metricsKey: `${prefix}metrics.json`, logKey: `${prefix}train.log`, finalLoss: 0, epochs: 0, trainSeconds: 0 };
    },

    async scoreShard(input: ScoreShardInput): Promise<ScoreShardResult> {
      const imageIds = input.imageIds ?? (await store.getJson(input.imageIdsKey!, ShardSchema)).imageIds;
      const reader = await DatasetReader.open(new S3Location(store.at(input.datasetPrefix)), input.labelsPrefix === undefined ? undefined : new S3Location(store.at(input.labelsPrefix)));
      const lines: string[] = [];
      for (const image of imageIds) {
        const { scores, expansion, labels } = await standInScores(reader, image, input.mode, input.tau);
        if (input.expansionPrefix !== undefined) {
          const map = new Uint32Array(expansion.length);
          for (let x = 0; x < map.length; x++) if (expansion[x] >= 0) map[x] = scores.superpixelIds[expansion[x]];
          await store.putBytes(`${input.expansionPrefix}${image}.png`, await encodeSuperpixelPng({ width: labels.width, height: labels.height, data: map }));
        }
        for (const record of scoredSuperpixels(image, scores)) lines.push(JSON.stringify(record));
      }
      await store.putBytes(input.recordsKey, lines.length > 0 ? `${lines.join('\n')}\n` : '', { contentType: 'application/x-ndjson' });
      return { recordsKey: input.recordsKey, images: imageIds.length, superpixels: lines.length, provider: 'stand-in' };
    },

    evaluateModel(_input: EvaluateModelInput): Promise<EvaluateModelResult> {
      return Promise.resolve({ metrics: { overallAcc: 0.5, meanAcc: 0.5, freqWAcc: 0.5, meanIoU: 0.5, classIoU: [0.5] }, images: 0 });
    },
  };
}
