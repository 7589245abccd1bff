/**
 * The scripted annotator of the campaign benchmark: answers a round's queries as the papers'
 * oracle does (engine/oracle.ts, from the ground truth), reading only what an annotation client
 * can read from S3: the round's `queries.jsonl`, the expansion maps scoring wrote, the working
 * labels the round started from and the dataset's ground truth.
 *
 * The engine's oracle takes the image's scores and its expansion index; of the scores it reads the
 * superpixel ids, |E|, r and q, which the query records carry. So the scores passed here hold the
 * asked superpixels only, with those four fields from the records (the rest is not read).
 */
import { compareCodePoints } from '../common/order.js';
import { roundKeys } from '../activities/round/keys.js';
import { QueryRecordSchema, readJsonl, type QueryRecord } from '../activities/round/records.js';
import { decodeSuperpixelPng } from '../datasets/png.js';
import { oracleAnswers } from '../engine/oracle.js';
import type { ImageScores } from '../engine/score-image.js';
import type { Mode } from '../engine/types.js';
import { DatasetReader } from '../inference/dataset-reader.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import { S3Location } from '../storage/s3-location.js';
import type { AnswerInput } from '../workflows/messages.js';

export interface OracleRound {
  datasetPrefix: string;
  /** The labels the round started from; absent = the pseudo labels. */
  labelsPrefix?: string;
  roundPrefix: string;
  queriesKey: string;
  mode: Mode;
  tau: number;
  annotator: string;
}

/** The asked superpixels of one image as the engine's scores, from their query records. */
function scoresOfQueries(queries: readonly QueryRecord[], classes: number, width: number, height: number): ImageScores {
  const sorted = [...queries].sort((a, b) => a.superpixel - b.superpixel);
  const n = sorted.length;
  return {
    classes,
    height,
    width,
    superpixelIds: Uint32Array.from(sorted, (q) => q.superpixel),
    pixels: new Uint32Array(n),
    expansion: Uint32Array.from(sorted, (q) => q.expansion),
    dominant: new Uint8Array(n),
    representative: Int32Array.from(sorted, (q) => q.rep[0] * width + q.rep[1]),
    label: Uint8Array.from(sorted, (q) => q.label),
    pixelScore: new Float64Array(n),
    cil: new Float64Array(n),
    sim: new Float64Array(n),
    classTerms: new Float64Array(n * classes),
    labelCounts: new Uint32Array(n * classes),
  };
}

/**
 * The oracle's answers to one image's queries, in their order. `expansion` is the image's
 * expansion map as scoring wrote it (the superpixel id where a pixel is in that superpixel's E,
 * else 0).
 */
export function oracleAnswersForImage(
  image: string,
  asked: readonly QueryRecord[],
  labels: { width: number; height: number; data: Uint8Array },
  truth: Uint8Array,
  expansion: Uint32Array,
  options: { classes: number; mode: Mode; tau: number; annotator: string },
): AnswerInput[] {
  const scores = scoresOfQueries(asked, options.classes, labels.width, labels.height);
  // The oracle wants, per pixel, the index of its superpixel in the scores' arrays.
  const indexOf = new Map(Array.from(scores.superpixelIds, (id, i) => [id, i]));
  const expansionIndex = new Int32Array(expansion.length);
  for (let x = 0; x < expansionIndex.length; x++) expansionIndex[x] = indexOf.get(expansion[x]) ?? -1;
  const answers = oracleAnswers(image, labels.data, truth, scores, expansionIndex, asked.map((q) => q.superpixel), { mode: options.mode, tau: options.tau });
  return answers.map((answer, j): AnswerInput => {
    const { queryId } = asked[j];
    return answer.answer === 'relabel' ? { queryId, answer: 'relabel', class: answer.class, annotator: options.annotator } : { queryId, answer: answer.answer, annotator: options.annotator };
  });
}

/** The oracle's answer to every query of the round, in the order of `queries.jsonl`. */
export async function oracleAnswersForRound(store: ArtifactStore, round: OracleRound): Promise<AnswerInput[]> {
  const reader = await DatasetReader.open(new S3Location(store.at(round.datasetPrefix)), round.labelsPrefix === undefined ? undefined : new S3Location(store.at(round.labelsPrefix)));
  const classes = Math.max(...reader.manifest.classes.map((c) => c.id)) + 1;
  const queries = (await readJsonl(store, round.queriesKey, QueryRecordSchema)).map(({ value }) => value);
  const byImage = new Map<string, QueryRecord[]>();
  for (const query of queries) byImage.set(query.image, [...(byImage.get(query.image) ?? []), query]);

  const answerOf = new Map<string, AnswerInput>();
  for (const image of [...byImage.keys()].sort(compareCodePoints)) {
    const expansionKey = roundKeys.expansionMap(round.roundPrefix, image);
    const [labels, truth, expansion] = await Promise.all([
      reader.workingLabels(image),
      reader.groundTruth(image),
      store.getBytes(expansionKey).then((bytes) => decodeSuperpixelPng(bytes, store.uri(expansionKey))),
    ]);
    if (truth === undefined) throw new Error(`image "${image}" has no ground truth: the oracle cannot answer`);
    for (const answer of oracleAnswersForImage(image, byImage.get(image)!, labels, truth.data, expansion.data, { classes, mode: round.mode, tau: round.tau, annotator: round.annotator })) {
      answerOf.set(answer.queryId, answer);
    }
  }
  return queries.map((q) => answerOf.get(q.queryId)!);
}
