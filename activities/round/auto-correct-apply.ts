/**
 * A2LC automatic correction, part 3 (spec, "Automatic correction"): the trained classifier judges
 * every never-queried superpixel, and the engine relabels all of R where the spec's rules allow
 * (confidence, a different class, not into the rarer half, not from the rarest class). The result
 * is a new label version `labels-auto/` beside the human-corrected one, which stays untouched, and
 * `auto-corrections.jsonl`, one line per relabelled superpixel (image, superpixel, from, to,
 * pixels, changed, confidence), apart from the annotators' `changes.jsonl`: what an operator audits
 * and may revert.
 */
import { z } from 'zod';
import { InputError } from '../../common/errors.js';
import { encodeJsonl } from '../../common/jsonl.js';
import { DEFAULT_ITEM_CONCURRENCY, forEachConcurrently } from '../../datasets/concurrency.js';
import { encodeLabelPng } from '../../datasets/png.js';
import { applyAutoCorrection, rankRarity, type AutoCorrection, type ClassifierPrediction } from '../../engine/auto-correction.js';
import { compareRefs } from '../../engine/select.js';
import { IGNORE_LABEL } from '../../engine/types.js';
import { LabelCorrector } from './auto-correct-classifier.js';
import { readFeatureShard } from './auto-correct-features.js';
import type { ApplyAutoCorrectionsInput, ApplyAutoCorrectionsResult } from './contracts.js';
import { classCountOf, openDataset, requirePrefix, requireSameSize, trainIds, type RoundContext, type RoundDependencies } from './context.js';
import { readJsonl, readQueriedSet, SuperpixelRefSchema } from './records.js';

const count = z.number().int().min(0);
const classId = z.number().int().min(0).max(IGNORE_LABEL);

/** A line of `auto-corrections.jsonl` (engine `AutoCorrection`): enough to audit and revert one relabelling. */
export const AutoCorrectionRecordSchema = SuperpixelRefSchema.extend({
  from: classId,
  to: classId,
  confidence: z.number().min(0).max(1),
  pixels: z.number().int().min(1),
  changed: count,
}) satisfies z.ZodType<AutoCorrection>;

/** `<roundPrefix>auto-corrections.jsonl` */
export function autoCorrectionsKey(roundPrefix: string): string {
  return `${roundPrefix}auto-corrections.jsonl`;
}

function summaryOf(input: ApplyAutoCorrectionsInput, corrections: readonly AutoCorrection[]): ApplyAutoCorrectionsResult {
  return {
    ...(corrections.length > 0 ? { labelsPrefix: input.outputLabelsPrefix } : {}),
    corrections: corrections.length,
    pixelsChanged: corrections.reduce((sum, c) => sum + c.changed, 0),
    correctionsKey: autoCorrectionsKey(input.roundPrefix),
  };
}

/**
 * Writes the automatically corrected label version and its change log. Idempotent: the log is
 * written once, last, and only after every label map it describes; a retry that finds it returns
 * what it says, and one that does not recomputes the same maps from the same published classifier.
 */
export async function applyAutoCorrections(deps: RoundDependencies, input: ApplyAutoCorrectionsInput, context: RoundContext = {}): Promise<ApplyAutoCorrectionsResult> {
  const { store } = deps;
  requirePrefix('roundPrefix', input.roundPrefix);
  requirePrefix('outputLabelsPrefix', input.outputLabelsPrefix);
  requirePrefix('classifierPrefix', input.classifierPrefix);
  if (input.labelsPrefix === undefined) throw new InputError('labelsPrefix: the label version this round\'s answers produced is required');
  if (input.outputLabelsPrefix === input.labelsPrefix) throw new InputError(`outputLabelsPrefix must be a new label version, not the human-corrected one (${input.labelsPrefix})`);
  if (!(input.minConfidence >= 0 && input.minConfidence <= 1)) throw new InputError(`minConfidence must be in [0, 1], got ${input.minConfidence}`);
  const correctionsKey = autoCorrectionsKey(input.roundPrefix);
  if (await store.exists(correctionsKey)) {
    const logged = (await readJsonl(store, correctionsKey, AutoCorrectionRecordSchema)).map(({ value }) => value);
    return summaryOf(input, logged);
  }

  const reader = await openDataset(store, input.datasetPrefix, input.labelsPrefix);
  const classes = classCountOf(reader.manifest);
  if (input.relabelCounts.length !== classes) throw new InputError(`relabelCounts has ${input.relabelCounts.length} entries, the dataset has ${classes} classes`);
  const ids = trainIds(reader);
  const train = new Set(ids);
  const rarity = rankRarity(input.relabelCounts);
  const queried = (await readQueriedSet(store, input.queriedKey)) ?? new Map<string, ReadonlySet<number>>();
  const classifier = await LabelCorrector.load(store, input.classifierPrefix, classes);

  const corrections: AutoCorrection[] = [];
  const relabelled = new Set<string>();
  // Shards partition the images: one shard's predictions in memory at a time.
  for (const [shardIndex, keys] of input.featureKeys.entries()) {
    context.signal?.throwIfAborted();
    const shard = await readFeatureShard(store, keys, classes);
    const rows: number[] = [];
    shard.rows.forEach((row, i) => {
      if (!train.has(row.image)) throw new InputError(`${store.uri(keys.rowsKey)}: image "${row.image}" is not in the train split`);
      if (!(queried.get(row.image)?.has(row.superpixel) ?? false)) rows.push(i);
    });
    const judged = await classifier.judge(shard.features, rows);
    // Only a confident prediction can change a label: the other images are left alone.
    const confident = new Map<string, ClassifierPrediction[]>();
    rows.forEach((row, j) => {
      if (judged.confidence[j] < input.minConfidence) return;
      const { image, superpixel } = shard.rows[row];
      const prediction = { superpixel, predicted: judged.predicted[j], confidence: judged.confidence[j] };
      const ofImage = confident.get(image);
      if (ofImage === undefined) confident.set(image, [prediction]);
      else ofImage.push(prediction);
    });
    await forEachConcurrently([...confident.keys()], DEFAULT_ITEM_CONCURRENCY, async (id) => {
      context.signal?.throwIfAborted();
      const [labels, superpixels] = await Promise.all([reader.workingLabels(id), reader.superpixels(id)]);
      requireSameSize(`${id}: working labels and superpixels`, labels, superpixels);
      const outcome = applyAutoCorrection(id, labels.data, superpixels.data, labels.width, confident.get(id)!, {
        classes,
        rarity,
        queried: queried.get(id),
        minConfidence: input.minConfidence,
      });
      if (outcome.changes.length > 0) {
        await store.putBytes(`${input.outputLabelsPrefix}${id}.png`, await encodeLabelPng({ width: labels.width, height: labels.height, data: outcome.labels }, reader.manifest.classes), { contentType: 'image/png' });
        relabelled.add(id);
        corrections.push(...outcome.changes);
      }
      context.report?.({ done: shardIndex, total: input.featureKeys.length });
    });
    context.report?.({ done: shardIndex + 1, total: input.featureKeys.length });
  }

  // Nothing changed: no new version, the human-corrected one stands. Otherwise the version is whole.
  if (corrections.length > 0) {
    const unchanged = ids.filter((id) => !relabelled.has(id));
    let copied = 0;
    await forEachConcurrently(unchanged, DEFAULT_ITEM_CONCURRENCY, async (id) => {
      // Server-side: the bytes of the human-corrected map, unchanged.
      await store.copy(`${input.labelsPrefix}${id}.png`, `${input.outputLabelsPrefix}${id}.png`);
      context.report?.({ done: ++copied, total: unchanged.length });
    });
  }
  corrections.sort(compareRefs);
  await store.putBytesOnce(correctionsKey, encodeJsonl(corrections), { contentType: 'application/x-ndjson' });
  return summaryOf(input, corrections);
}
