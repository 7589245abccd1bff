/**
 * What a simulated annotator knows when it answers a round's queries: the truth (the dataset's
 * ground truth G) and what the query shows a person (the expansion set E, outlined in the asset,
 * and the labels L in use there). It reads them from S3, read-only; its answers go through the
 * HTTP API like anyone's. The spec's oracle protocol itself is engine/oracle.ts, unchanged:
 *
 *   acc = fraction of E with L == G;  acc <= 0.5 → relabel to G(r) (ALC) or the most frequent G
 *   over E (A2LC), else correct; with an optional seeded error rate.
 *
 * E is the round's expansion map (`<round>/expansion/<image>.png`, written by scoring). L is the
 * label version the round started from: the previous round's `report.json` names it (`labelsPrefix`;
 * absent = the dataset's pseudo labels).
 */
import { InputError } from '../../common/errors.js';
import { roundKeys } from '../../activities/round/keys.js';
import { RoundReportSchema } from '../../activities/round/round-report.js';
import { decodeSuperpixelPng, type LabelMap } from '../../datasets/png.js';
import { oracleAnswers, type LatencyModel } from '../../engine/oracle.js';
import type { ImageScores } from '../../engine/score-image.js';
import type { Mode } from '../../engine/types.js';
import { DatasetReader } from '../../inference/dataset-reader.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { S3Location } from '../../storage/s3-location.js';
import type { AnswerItem, QueryView } from '../api-schemas.js';
import { roundPrefixOf } from '../round-board.js';

export interface OracleSettings {
  mode: Mode;
  errorRate: number;
  seed: number;
  latency?: LatencyModel;
}

export interface OracleAnswer extends AnswerItem {
  /** Simulated time the answer took, when a latency model is given. */
  latencyMs?: number;
}

interface ImageTruth {
  labels: LabelMap;
  groundTruth: LabelMap;
  /** Superpixel id where the pixel is in that superpixel's E, else 0. */
  expansion: Uint32Array;
}

/** Decoded maps kept per round: a lease batch often returns to an image seen a moment ago. */
const CACHED_IMAGES = 32;

export class RoundTruth {
  private readonly images = new Map<string, Promise<ImageTruth>>();
  private readonly roundPrefix: string;

  private constructor(
    private readonly store: ArtifactStore,
    readonly campaignId: string,
    readonly round: number,
    private readonly reader: DatasetReader,
    private readonly classes: number,
  ) {
    this.roundPrefix = roundPrefixOf(campaignId, round);
  }

  static async open(store: ArtifactStore, campaignId: string, round: number): Promise<RoundTruth> {
    if (round < 1) throw new InputError(`round ${round} asks no questions`);
    const reportKey = roundKeys.report(roundPrefixOf(campaignId, round - 1));
    if (!(await store.exists(reportKey))) {
      throw new InputError(`${store.uri(reportKey)} does not exist: the oracle learns the dataset and the labels round ${round} started from there`);
    }
    const report = await store.getJson(reportKey, RoundReportSchema);
    const reader = await DatasetReader.open(
      new S3Location(store.at(report.datasetPrefix)),
      report.labelsPrefix === undefined ? undefined : new S3Location(store.at(report.labelsPrefix)),
    );
    const classes = Math.max(...reader.manifest.classes.map((c) => c.id)) + 1;
    return new RoundTruth(store, campaignId, round, reader, classes);
  }

  /** The oracle's answers to leased queries, in their order. */
  async answer(queries: readonly QueryView[], settings: OracleSettings): Promise<OracleAnswer[]> {
    const byImage = new Map<string, QueryView[]>();
    for (const query of queries) {
      if (query.round !== this.round) throw new InputError(`query ${query.queryId} is of round ${query.round}, not ${this.round}`);
      byImage.set(query.image, [...(byImage.get(query.image) ?? []), query]);
    }
    const answers = new Map<string, OracleAnswer>();
    for (const [image, ofImage] of byImage) {
      const truth = await this.image(image);
      for (const answer of this.answerImage(image, truth, ofImage, settings)) answers.set(answer.queryId, answer);
    }
    return queries.map((q) => answers.get(q.queryId)!);
  }

  private answerImage(image: string, truth: ImageTruth, queries: readonly QueryView[], settings: OracleSettings): OracleAnswer[] {
    const { width, height } = truth.labels;
    const ordered = [...queries].sort((a, b) => a.superpixel - b.superpixel);
    const slot = new Map(ordered.map((q, i) => [q.superpixel, i]));
    const n = ordered.length;
    const expansionIndex = new Int32Array(width * height).fill(-1);
    const expansionCount = new Uint32Array(n);
    for (let x = 0; x < expansionIndex.length; x++) {
      const i = slot.get(truth.expansion[x]);
      if (i === undefined) continue;
      expansionIndex[x] = i;
      expansionCount[i]++;
    }
    ordered.forEach((q, i) => {
      if (expansionCount[i] !== q.expansion) {
        throw new InputError(`${image} superpixel ${q.superpixel}: the expansion map has ${expansionCount[i]} pixels in E, the query says ${q.expansion}`);
      }
    });
    // engine/oracle.ts reads the sizes, ids, |E|, r and q of the asked superpixels; the scores it never needs stay empty.
    const scores: ImageScores = {
      classes: this.classes,
      height,
      width,
      superpixelIds: Uint32Array.from(ordered.map((q) => q.superpixel)),
      pixels: new Uint32Array(n),
      expansion: expansionCount,
      dominant: new Uint8Array(n),
      representative: Int32Array.from(ordered.map((q) => q.rep[0] * width + q.rep[1])),
      label: Uint8Array.from(ordered.map((q) => q.label)),
      pixelScore: new Float64Array(n),
      cil: new Float64Array(n),
      sim: new Float64Array(n),
      classTerms: new Float64Array(0),
      labelCounts: new Uint32Array(0),
    };
    const byId = new Map(ordered.map((q) => [q.superpixel, q.queryId]));
    const superpixels = queries.map((q) => q.superpixel);
    return oracleAnswers(image, truth.labels.data, truth.groundTruth.data, scores, expansionIndex, superpixels, settings).map((a) => ({
      queryId: byId.get(a.superpixel)!,
      answer: a.answer,
      ...(a.answer === 'relabel' ? { class: a.class } : {}),
      ...(a.latencyMs === undefined ? {} : { latencyMs: a.latencyMs }),
    }));
  }

  private image(image: string): Promise<ImageTruth> {
    let truth = this.images.get(image);
    if (truth === undefined) {
      truth = this.loadImage(image);
      this.images.set(image, truth);
      void truth.catch(() => this.images.delete(image));
      if (this.images.size > CACHED_IMAGES) this.images.delete(this.images.keys().next().value!);
    }
    return truth;
  }

  private async loadImage(image: string): Promise<ImageTruth> {
    const expansionKey = roundKeys.expansionMap(this.roundPrefix, image);
    const [labels, groundTruth, expansion] = await Promise.all([
      this.reader.workingLabels(image),
      this.reader.groundTruth(image),
      this.store.getBytes(expansionKey).then((bytes) => decodeSuperpixelPng(bytes, this.store.uri(expansionKey))),
    ]);
    if (groundTruth === undefined) throw new InputError(`image ${image} has no ground truth: the oracle cannot answer for it`);
    for (const [what, map] of [['ground truth', groundTruth], ['expansion map', expansion]] as const) {
      if (map.width !== labels.width || map.height !== labels.height) {
        throw new InputError(`${image}: the ${what} is ${map.width}x${map.height}, the labels ${labels.width}x${labels.height}`);
      }
    }
    return { labels, groundTruth, expansion: expansion.data };
  }
}
