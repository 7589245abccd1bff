import { InputError } from '../../common/errors.js';
import { DEFAULT_ITEM_CONCURRENCY, forEachConcurrently } from '../../datasets/concurrency.js';
import { decodeSuperpixelPng, encodeLabelPng } from '../../datasets/png.js';
import type { LabelChange } from '../../engine/apply-answers.js';
import { compareRefs } from '../../engine/select.js';
import { IGNORE_LABEL, type SuperpixelRef } from '../../engine/types.js';
import type { Lined } from '../../common/jsonl.js';
import type { AnswerRecord, ExpandAnswersInput, ExpandAnswersResult } from './contracts.js';
import { forEachImage, openDataset, requirePrefix, requireSameSize, trainIds, type RoundContext, type RoundDependencies } from './context.js';
import { roundKeys } from './keys.js';
import { AnswerRecordSchema, QueryRecordSchema, readJsonl, SuperpixelRefSchema, writeJsonl, type QueryRecord } from './records.js';

/** A line of `changes.jsonl`: the engine's change log entry plus who asked for it. */
export interface ChangeRecord extends LabelChange {
  queryId: string;
  annotator: string;
}

interface Relabel {
  query: QueryRecord;
  answer: AnswerRecord;
  /** k, a class id or 255. */
  label: number;
}

export interface RelabelOutcome {
  /** A new label map; the input is not modified. */
  labels: Uint8Array;
  /** Per relabel: |E| as the expansion map marks it. */
  expansion: Float64Array;
  /** Per relabel: pixels of E whose label was not already k. */
  changed: Float64Array;
  /** Per relabel, 256 counts: the labels E held before. */
  previous: Float64Array;
}

/**
 * `relabel k` over E (spec, "The correction query and its answer"): L(x) = k wherever the
 * expansion map holds the answered superpixel's id. One pass over the image for all its answers.
 */
export function relabelExpansion(labels: Uint8Array, expansion: Uint32Array, relabels: readonly { superpixel: number; label: number }[]): RelabelOutcome {
  const largest = Math.max(0, ...relabels.map((r) => r.superpixel));
  const slotOf = new Int32Array(largest + 1).fill(-1);
  relabels.forEach((r, slot) => (slotOf[r.superpixel] = slot));
  const target = Uint8Array.from(relabels, (r) => r.label);
  const outcome: RelabelOutcome = {
    labels: labels.slice(),
    expansion: new Float64Array(relabels.length),
    changed: new Float64Array(relabels.length),
    previous: new Float64Array(relabels.length * 256),
  };
  const out = outcome.labels;
  for (let x = 0; x < out.length; x++) {
    const id = expansion[x];
    if (id === 0 || id > largest) continue;
    const slot = slotOf[id];
    if (slot < 0) continue;
    const old = out[x];
    outcome.expansion[slot]++;
    outcome.previous[slot * 256 + old]++;
    if (old !== target[slot]) {
      outcome.changed[slot]++;
      out[x] = target[slot];
    }
  }
  return outcome;
}

async function readQueries(deps: RoundDependencies, queriesKey: string, train: ReadonlySet<string>): Promise<Map<string, Lined<QueryRecord>>> {
  const file = deps.store.uri(queriesKey);
  const queries = new Map<string, Lined<QueryRecord>>();
  for (const record of await readJsonl(deps.store, queriesKey, QueryRecordSchema)) {
    const { line, value } = record;
    const first = queries.get(value.queryId);
    if (first !== undefined) throw new InputError(`${file}:${line}: query ${value.queryId} is issued twice (first on line ${first.line})`);
    if (!train.has(value.image)) throw new InputError(`${file}:${line}: image "${value.image}" is not in the train split`);
    queries.set(value.queryId, record);
  }
  return queries;
}

/**
 * Every answer of the round, in batch order. The workflow admits one answer per query; a second
 * one here would make the result depend on which wins, so it is rejected.
 */
async function readAnswers(
  deps: RoundDependencies,
  batchKeys: readonly string[],
  queries: ReadonlyMap<string, Lined<QueryRecord>>,
  classIds: ReadonlySet<number>,
): Promise<AnswerRecord[]> {
  const batches: Lined<AnswerRecord>[][] = [];
  await forEachConcurrently(batchKeys, DEFAULT_ITEM_CONCURRENCY, async (key, index) => {
    batches[index] = await readJsonl(deps.store, key, AnswerRecordSchema);
  });
  const answeredAt = new Map<string, string>();
  const answers: AnswerRecord[] = [];
  batches.forEach((batch, index) => {
    const file = deps.store.uri(batchKeys[index]);
    for (const { line, value } of batch) {
      const at = `${file}:${line}`;
      if (!queries.has(value.queryId)) throw new InputError(`${at}: no query ${value.queryId} was issued this round`);
      const first = answeredAt.get(value.queryId);
      if (first !== undefined) throw new InputError(`${at}: ${value.queryId} is answered twice (first at ${first})`);
      answeredAt.set(value.queryId, at);
      if (value.answer === 'relabel' && value.class !== IGNORE_LABEL && !classIds.has(value.class!)) {
        throw new InputError(`${at}: ${value.queryId}: class ${value.class} is not a class of the dataset (nor ${IGNORE_LABEL}, "cannot tell")`);
      }
      answers.push(value);
    }
  });
  return answers;
}

/** The earlier rounds' queried set plus this round's answered, not skipped, superpixels; canonical order, no repeats. */
async function writeQueriedSet(deps: RoundDependencies, input: ExpandAnswersInput, answered: readonly SuperpixelRef[]): Promise<string> {
  const earlier = input.queriedKey === undefined ? [] : (await readJsonl(deps.store, input.queriedKey, SuperpixelRefSchema)).map(({ value }) => value);
  const unique = new Map<string, SuperpixelRef>();
  for (const ref of [...earlier, ...answered]) unique.set(JSON.stringify([ref.image, ref.superpixel]), { image: ref.image, superpixel: ref.superpixel });
  const queriedKey = roundKeys.queried(input.roundPrefix);
  await writeJsonl(deps.store, queriedKey, [...unique.values()].sort(compareRefs));
  return queriedKey;
}

/**
 * Applies the round's answers to the working labels and writes the next label version: every
 * train image under `outputLabelsPrefix`, relabelled ones re-encoded, the others copied byte for
 * byte (server-side). Also writes the change log and the campaign's queried set so far. Reads only
 * the version it starts from, so a retry writes the same objects again.
 */
export async function expandAnswers(deps: RoundDependencies, input: ExpandAnswersInput, context: RoundContext = {}): Promise<ExpandAnswersResult> {
  const { store } = deps;
  requirePrefix('roundPrefix', input.roundPrefix);
  requirePrefix('outputLabelsPrefix', input.outputLabelsPrefix);
  if (input.outputLabelsPrefix === input.labelsPrefix) throw new InputError(`outputLabelsPrefix must be a new label version, not the one the round reads (${input.labelsPrefix})`);
  const reader = await openDataset(store, input.datasetPrefix, input.labelsPrefix);
  const classes = reader.manifest.classes;
  const ids = trainIds(reader);
  const queries = await readQueries(deps, input.queriesKey, new Set(ids));
  const answers = await readAnswers(deps, input.answerBatchKeys, queries, new Set(classes.map((c) => c.id)));

  const relabelsByImage = new Map<string, Relabel[]>();
  for (const answer of answers) {
    if (answer.answer !== 'relabel') continue;
    const query = queries.get(answer.queryId)!.value;
    const relabel = { query, answer, label: answer.class! };
    const ofImage = relabelsByImage.get(query.image);
    if (ofImage === undefined) relabelsByImage.set(query.image, [relabel]);
    else ofImage.push(relabel);
  }

  const changes: ChangeRecord[] = [];
  await forEachImage(ids, context, async (id) => {
    const targetKey = `${input.outputLabelsPrefix}${id}.png`;
    const relabels = relabelsByImage.get(id);
    if (relabels !== undefined) {
      const expansionKey = roundKeys.expansionMap(input.roundPrefix, id);
      const [labels, expansion] = await Promise.all([
        reader.workingLabels(id),
        store.getBytes(expansionKey).then((bytes) => decodeSuperpixelPng(bytes, store.uri(expansionKey))),
      ]);
      requireSameSize(`${id}: working labels and expansion map`, labels, expansion);
      const outcome = relabelExpansion(
        labels.data,
        expansion.data,
        relabels.map((r) => ({ superpixel: r.query.superpixel, label: r.label })),
      );
      relabels.forEach(({ query, answer, label }, slot) => {
        // The map and the query come from one scoring pass; another pass's map would relabel other pixels.
        if (outcome.expansion[slot] !== query.expansion) {
          throw new InputError(`${store.uri(expansionKey)} marks ${outcome.expansion[slot]} pixels of ${query.queryId}, the query's expansion set has ${query.expansion}`);
        }
        const previous: { label: number; pixels: number }[] = [];
        for (let value = 0; value < 256; value++) if (outcome.previous[slot * 256 + value] > 0) previous.push({ label: value, pixels: outcome.previous[slot * 256 + value] });
        changes.push({ queryId: query.queryId, image: id, superpixel: query.superpixel, annotator: answer.annotator, class: label, expansion: query.expansion, changed: outcome.changed[slot], previous });
      });
      if (outcome.changed.some((n) => n > 0)) {
        await store.putBytes(targetKey, await encodeLabelPng({ width: labels.width, height: labels.height, data: outcome.labels }, classes), { contentType: 'image/png' });
        return;
      }
    }
    await store.copy(input.labelsPrefix === undefined ? `${input.datasetPrefix}${reader.item(id).pseudoLabel}` : `${input.labelsPrefix}${id}.png`, targetKey);
  });

  changes.sort(compareRefs);
  const changesKey = roundKeys.changes(input.roundPrefix);
  await writeJsonl(store, changesKey, changes);
  const answered = answers.filter((a) => a.answer !== 'skip').map((a) => queries.get(a.queryId)!.value);
  const queriedKey = await writeQueriedSet(deps, input, answered);
  return {
    labelsPrefix: input.outputLabelsPrefix,
    answered: answers.length,
    relabelled: changes.length,
    pixelsChanged: changes.reduce((sum, change) => sum + change.changed, 0),
    changesKey,
    queriedKey,
  };
}
