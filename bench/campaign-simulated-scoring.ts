/**
 * A stand-in for the GPU queue's `scoreShard` for the fan-out benchmark: no model, the soft labels
 * are simulated, and everything else is the real thing. It takes the real input (validated by the
 * activity's own schema), reads the shard plan, the working labels and the superpixels from S3,
 * scores each image with the engine, writes each image's expansion map and the shard's records
 * exactly where the real activity writes them, and heartbeats per image; so plan, select and issue
 * downstream run unchanged on what it wrote.
 *
 * Two deliberate differences, printed with the results: the dataset manifest is read once per
 * worker process (the real activity reads it once per shard; the benchmark measures that cost
 * apart), and the images of a shard are scored a few at a time (the real one pipelines them
 * through the model in batches).
 */
import { cancellationSignal, heartbeat } from '@temporalio/activity';
import { ScoreShardInputSchema, type ScoreShardInput, type ScoreShardResult } from '../activities/inference/score-shard.js';
import { classCountOf } from '../activities/round/context.js';
import { ShardPlanSchema } from '../activities/round/records.js';
import { forEachConcurrently } from '../datasets/concurrency.js';
import { encodeSuperpixelPng } from '../datasets/png.js';
import { abcScores } from '../engine/class-weights.js';
import { Prng, hashKey } from '../engine/prng.js';
import { scoredSuperpixels, scoreImage, ScoringWorkspace } from '../engine/score-image.js';
import { IGNORE_LABEL, type SuperpixelMap } from '../engine/types.js';
import { DatasetReader } from '../inference/dataset-reader.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import { S3Location } from '../storage/s3-location.js';

/** Images of a shard in flight at once (S3 reads and writes overlap the scoring). */
const IMAGES_IN_FLIGHT = 4;
/** Share of superpixels where the simulated model believes another class than the label: the candidates worth asking. */
const DISAGREEMENT = 0.15;

/**
 * Soft labels shaped like a trained model's (C x H x W, float32, each pixel a distribution): per
 * superpixel a believed class (the pixel's working label, or another class where the model
 * disagrees) and a confidence, and per pixel the softmax of logits peaked on the believed class
 * plus uniform noise. Deterministic from (seed, image).
 */
export function simulatedSoftLabels(image: string, seed: number, classes: number, labels: Uint8Array, superpixels: SuperpixelMap, out?: Float32Array): Float32Array {
  const plane = labels.length;
  const soft = out !== undefined && out.length === classes * plane ? out : new Float32Array(classes * plane);
  const prng = new Prng(hashKey('simulated-soft-labels', seed, image));
  let largest = 0;
  for (let x = 0; x < plane; x++) if (superpixels[x] > largest) largest = superpixels[x];
  // Per superpixel: -1 = believe the label, else the class believed instead; and the peak logit.
  const otherClass = new Int16Array(largest + 1);
  const confidence = new Float32Array(largest + 1);
  for (let s = 0; s <= largest; s++) {
    otherClass[s] = prng.nextFloat() < DISAGREEMENT ? prng.nextBelow(classes) : -1;
    confidence[s] = 1 + 4 * prng.nextFloat();
  }
  const logits = new Float64Array(classes);
  for (let x = 0; x < plane; x++) {
    const s = superpixels[x];
    const label = labels[x];
    const believed = otherClass[s] >= 0 ? otherClass[s] : label === IGNORE_LABEL || label >= classes ? 0 : label;
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const logit = Math.exp((c === believed ? confidence[s] : 0) + 1.5 * (prng.nextUint32() / 4294967296));
      logits[c] = logit;
      sum += logit;
    }
    for (let c = 0; c < classes; c++) soft[c * plane + x] = logits[c] / sum;
  }
  return soft;
}

export interface SimulatedScoringOptions {
  store: ArtifactStore;
  /** Seed of the simulated soft labels. */
  seed: number;
}

/** `{ scoreShard }` for a worker on the GPU task queue. */
export function createSimulatedScoringActivities(options: SimulatedScoringOptions) {
  const { store, seed } = options;
  const readers = new Map<string, Promise<DatasetReader>>();
  const readerOf = (datasetPrefix: string, labelsPrefix: string | undefined): Promise<DatasetReader> => {
    const key = `${datasetPrefix}\n${labelsPrefix ?? ''}`;
    let reader = readers.get(key);
    if (reader === undefined) {
      reader = DatasetReader.open(new S3Location(store.at(datasetPrefix)), labelsPrefix === undefined ? undefined : new S3Location(store.at(labelsPrefix)));
      // A failed read is not cached: the retry reads again.
      reader.catch(() => readers.delete(key));
      readers.set(key, reader);
    }
    return reader;
  };

  return {
    async scoreShard(rawInput: ScoreShardInput): Promise<ScoreShardResult> {
      const input = ScoreShardInputSchema.parse(rawInput);
      const signal = cancellationSignal();
      const imageIds = input.imageIds ?? (await store.getJson(input.imageIdsKey!, ShardPlanSchema)).imageIds;
      const reader = await readerOf(input.datasetPrefix, input.labelsPrefix);
      const classes = classCountOf(reader.manifest);
      const weights = input.classWeights ? Float64Array.from(input.classWeights) : undefined;
      const linesOf: string[][] = [];
      // Scoring is synchronous, so the images in flight can share the scratch buffers.
      const workspace = new ScoringWorkspace();
      let softLabels: Float32Array = new Float32Array(0);
      let expansionIndex = new Int32Array(0);
      let done = 0;
      await forEachConcurrently(imageIds, IMAGES_IN_FLIGHT, async (id, index) => {
        signal.throwIfAborted();
        const [labels, superpixels] = await Promise.all([reader.workingLabels(id), reader.superpixels(id)]);
        const { width, height } = labels;
        const plane = width * height;
        softLabels = simulatedSoftLabels(id, seed, classes, labels.data, superpixels.data, softLabels);
        if (expansionIndex.length !== plane) expansionIndex = new Int32Array(plane);
        const scores = scoreImage(
          { classes, height, width, softLabels, labels: labels.data, superpixels: superpixels.data },
          { mode: input.mode, tau: input.tau, image: id, expansionOut: expansionIndex },
          workspace,
        );
        const map = new Uint32Array(plane);
        for (let x = 0; x < plane; x++) {
          const i = expansionIndex[x];
          if (i >= 0) map[x] = scores.superpixelIds[i];
        }
        linesOf[index] = scoredSuperpixels(id, scores, weights ? abcScores(scores, weights) : undefined).map((record) => JSON.stringify(record));
        if (input.expansionPrefix !== undefined) await store.putBytes(`${input.expansionPrefix}${id}.png`, await encodeSuperpixelPng({ width, height, data: map }));
        heartbeat({ done: ++done, total: imageIds.length });
      });
      const lines = linesOf.flat();
      await store.putBytes(input.recordsKey, lines.length > 0 ? `${lines.join('\n')}\n` : '', { contentType: 'application/x-ndjson' });
      return { recordsKey: input.recordsKey, images: imageIds.length, superpixels: lines.length, provider: 'simulated' };
    },
  };
}
