/**
 * A2LC automatic correction, part 1 (spec, "Automatic correction"): the label-correction
 * classifier's training set. One example per superpixel answered so far in the campaign: its
 * feature is the mean P over R that this round's scoring wrote, its label the most frequent L over
 * R in the label version this round's answers produced. The cross-entropy weights are the inverse
 * counts of this round's `relabel` answers, normalised.
 */
import { InputError } from '../../common/errors.js';
import type { Lined } from '../../common/jsonl.js';
import { relabelCounts, superpixelLabels } from '../../engine/auto-correction.js';
import { indexOfSuperpixel } from '../../engine/apply-answers.js';
import { encodeFloat32Npy, encodeUint8Npy } from '../../engine/npy.js';
import { compareRefs } from '../../engine/select.js';
import { IGNORE_LABEL, type SuperpixelRef } from '../../engine/types.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { readFeatureShard } from './auto-correct-features.js';
import type { AnswerRecord, PrepareAutoCorrectionInput, PrepareAutoCorrectionResult } from './contracts.js';
import { classCountOf, forEachImage, openDataset, requirePrefix, requireSameSize, trainIds, type RoundContext, type RoundDependencies } from './context.js';
import { AnswerRecordSchema, readJsonl, readQueriedSet } from './records.js';

/** Inverse counts normalised to sum 1; a class never relabelled this round gets 0 (it is never a target). */
export function lossWeightsOf(counts: ArrayLike<number>): Float64Array {
  const weights = new Float64Array(counts.length);
  let sum = 0;
  for (let c = 0; c < counts.length; c++) {
    if (counts[c] > 0) sum += weights[c] = 1 / counts[c];
  }
  if (sum > 0) for (let c = 0; c < weights.length; c++) weights[c] /= sum;
  return weights;
}

/** This round's relabel counts per class, from its answer batches. */
async function roundRelabelCounts(store: ArtifactStore, batchKeys: readonly string[], classes: number): Promise<Float64Array> {
  const answers: Lined<AnswerRecord>[] = [];
  for (const key of batchKeys) answers.push(...(await readJsonl(store, key, AnswerRecordSchema)));
  const seen = new Set<string>();
  return relabelCounts(
    answers.map(({ value }) => {
      // expandAnswers admitted these batches; one answer per query is what it checked.
      if (seen.has(value.queryId)) throw new InputError(`${value.queryId} is answered twice in this round's batches`);
      seen.add(value.queryId);
      const slash = value.queryId.lastIndexOf('/');
      return { image: value.queryId.slice(0, slash), superpixel: Number(value.queryId.slice(slash + 1)), answer: value.answer, class: value.class };
    }),
    classes,
  );
}

interface Example extends SuperpixelRef {
  features: Float32Array;
  label: number;
}

export async function prepareAutoCorrection(deps: RoundDependencies, input: PrepareAutoCorrectionInput, context: RoundContext = {}): Promise<PrepareAutoCorrectionResult> {
  const { store } = deps;
  requirePrefix('roundPrefix', input.roundPrefix);
  requirePrefix('outputPrefix', input.outputPrefix);
  if (input.labelsPrefix === undefined) throw new InputError('labelsPrefix: the label version this round\'s answers produced is required');
  const reader = await openDataset(store, input.datasetPrefix, input.labelsPrefix);
  const classes = classCountOf(reader.manifest);
  const train = new Set(trainIds(reader));
  const queried = (await readQueriedSet(store, input.queriedKey)) ?? new Map<string, ReadonlySet<number>>();
  const counts = await roundRelabelCounts(store, input.answerBatchKeys, classes);
  const weights = lossWeightsOf(counts);

  // Shards one at a time: only the answered superpixels' rows are kept.
  const byImage = new Map<string, Example[]>();
  for (const [shardIndex, keys] of input.featureKeys.entries()) {
    context.signal?.throwIfAborted();
    const shard = await readFeatureShard(store, keys, classes);
    context.report?.({ done: shardIndex + 1, total: input.featureKeys.length });
    shard.rows.forEach((row, i) => {
      if (!train.has(row.image)) throw new InputError(`${store.uri(keys.rowsKey)}: image "${row.image}" is not in the train split`);
      if (!(queried.get(row.image)?.has(row.superpixel) ?? false)) return;
      const example: Example = { image: row.image, superpixel: row.superpixel, features: shard.features.slice(i * classes, (i + 1) * classes), label: IGNORE_LABEL };
      const ofImage = byImage.get(row.image);
      if (ofImage === undefined) byImage.set(row.image, [example]);
      else ofImage.push(example);
    });
  }

  await forEachImage([...byImage.keys()], context, async (id) => {
    const [labels, superpixels] = await Promise.all([reader.workingLabels(id), reader.superpixels(id)]);
    requireSameSize(`${id}: working labels and superpixels`, labels, superpixels);
    const regions = superpixelLabels(labels.data, superpixels.data, classes, labels.width, id);
    for (const example of byImage.get(id)!) {
      const index = indexOfSuperpixel(regions.superpixelIds, example.superpixel);
      if (index < 0) throw new InputError(`${id}: superpixel ${example.superpixel} of the features is not in its superpixel map`);
      example.label = regions.labels[index];
    }
  });
  const examples = [...byImage.values()].flat().sort(compareRefs);
  const result: PrepareAutoCorrectionResult = { samples: examples.length, classes, relabelCounts: Array.from(counts), classWeights: Array.from(weights) };
  // The trainer refuses a set whose every label weighs 0; nothing could be learnt from it anyway.
  if (!examples.some((e) => e.label !== IGNORE_LABEL && weights[e.label] > 0)) return result;

  const features = new Float32Array(examples.length * classes);
  examples.forEach((e, i) => features.set(e.features, i * classes));
  const training = {
    featuresKey: `${input.outputPrefix}train-features.npy`,
    labelsKey: `${input.outputPrefix}train-labels.npy`,
    classWeightsKey: `${input.outputPrefix}class-weights.npy`,
  };
  // Deterministic bytes under fixed keys: a retry writes the same objects again.
  await store.putBytes(training.featuresKey, encodeFloat32Npy(features, [examples.length, classes]));
  await store.putBytes(training.labelsKey, encodeUint8Npy(Uint8Array.from(examples, (e) => e.label), [examples.length]));
  await store.putBytes(training.classWeightsKey, encodeFloat32Npy(Float32Array.from(weights), [classes]));
  return { ...result, training };
}
