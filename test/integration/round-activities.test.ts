import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import sharp from 'sharp';
import { classWeights } from '../../activities/round/class-weights.js';
import type { AnswerRecord, RoundLocation, RoundSummary } from '../../activities/round/contracts.js';
import { dataMetrics } from '../../activities/round/data-metrics.js';
import { expandAnswers } from '../../activities/round/expand-answers.js';
import { createRoundActivities } from '../../activities/round/index.js';
import { issueQueries } from '../../activities/round/issue-queries.js';
import { planShards } from '../../activities/round/plan-shards.js';
import { QueryRecordSchema, ShardPlanSchema } from '../../activities/round/records.js';
import { RoundReportSchema, writeRoundReport } from '../../activities/round/round-report.js';
import { selectQueries } from '../../activities/round/select-queries.js';
import { storeAnswerBatch } from '../../activities/round/store-answer-batch.js';
import { InputError, NotFoundError } from '../../common/errors.js';
import { compareCodePoints } from '../../common/order.js';
import type { ClassDef } from '../../datasets/manifest.js';
import { decodeLabelPng, encodeSuperpixelPng } from '../../datasets/png.js';
import { generateSyntheticDataset } from '../../datasets/synthetic/generate.js';
import { classBalancedWeights } from '../../engine/class-weights.js';
import { ConfusionMatrix, segmentationMetrics } from '../../engine/metrics.js';
import { queriedSetOf, selectByScore, selectRandom } from '../../engine/select.js';
import type { ScoreName, SuperpixelRef, SuperpixelScore } from '../../engine/types.js';
import { DatasetReader } from '../../inference/dataset-reader.js';
import { ArtifactConflictError, ArtifactStore } from '../../storage/artifact-store.js';
import { createS3Client } from '../../storage/s3-client.js';
import { S3Location } from '../../storage/s3-location.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const DATASET = 'datasets/syn/';
const ROUND = 'campaigns/c1/round-1/';
const LABELS = `${ROUND}labels/`;
/** The class the scripted annotator relabels the first question's region to. */
const RELABEL_CLASS = 1;
const round: RoundLocation = { campaignId: 'c1', round: 1, roundPrefix: ROUND, datasetPrefix: DATASET };

function score(image: string, superpixel: number, sim: number, fields: Partial<SuperpixelScore> = {}): SuperpixelScore {
  return { image, superpixel, pixels: 40, expansion: 30, dominant: 1, rep: [2, 3], label: 1, pixel: 0.5, cil: sim / 2, sim, abc: 1 - sim, ...fields };
}

function jsonl(records: readonly unknown[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/** Deterministic pseudo-random numbers for test data (a 32-bit LCG). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function isBadInputFailure(error: unknown): boolean {
  return error instanceof ApplicationFailure && error.nonRetryable === true && error.type === 'BadInput';
}

/** One hand-made correction question on a real synthetic image: E is part of the superpixel R. */
interface PlannedQuery {
  image: string;
  superpixel: number;
  /** Row-major pixel indices of E. */
  expansion: number[];
}

describe('round activities on a real S3 server (SeaweedFS)', () => {
  let stack: TestStack;
  let store: ArtifactStore;
  let reader: DatasetReader;
  let train: string[];
  let classes: ClassDef[];
  let classCount: number;

  async function lines(key: string): Promise<unknown[]> {
    const text = (await store.getBytes(key)).toString('utf8');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as unknown);
  }

  before(async () => {
    stack = await startTestStack('alc-round-');
    store = new ArtifactStore(createS3Client(stack.config.s3), stack.config.s3.bucket);
    await generateSyntheticDataset({ images: 12, seed: 1 }, new S3Location(store.at(DATASET)));
    reader = await DatasetReader.open(new S3Location(store.at(DATASET)));
    train = reader.idsOf('train').sort(compareCodePoints);
    classes = reader.manifest.classes;
    classCount = Math.max(...classes.map((c) => c.id)) + 1;
  });
  after(async () => {
    store?.client.destroy();
    await stack?.teardown();
  });

  it('plans shards: the train split in code-point order, cut into shards of the given size', async () => {
    const result = await planShards({ store }, { ...round, shardSize: 4 });
    assert.equal(result.images, train.length);
    assert.deepEqual(
      result.shardKeys,
      Array.from({ length: Math.ceil(train.length / 4) }, (_, k) => `${ROUND}shards/shard-${k}.json`),
    );
    const plans = await Promise.all(result.shardKeys.map((key) => store.getJson(key, ShardPlanSchema)));
    assert.deepEqual(
      plans.flatMap((plan) => plan.imageIds),
      train,
    );
    assert.ok(plans.slice(0, -1).every((plan) => plan.imageIds.length === 4));
    await assert.rejects(planShards({ store }, { ...round, shardSize: 0 }), InputError);
    await assert.rejects(planShards({ store }, { ...round, roundPrefix: 'campaigns/c1/round-1', shardSize: 4 }), /must end with "\/"/);
  });

  it('computes class weights from n_c over the superpixels not queried before, as a direct count gives', async () => {
    const queried: SuperpixelRef[] = [
      { image: train[0], superpixel: 1 },
      { image: train[0], superpixel: 2 },
      { image: train[3], superpixel: 4 },
    ];
    await store.putBytes('campaigns/c1/round-0/queried.jsonl', jsonl(queried));
    const queriedByImage = queriedSetOf(queried);
    const direct = new Array<number>(classCount).fill(0);
    const all = new Array<number>(classCount).fill(0);
    for (const id of train) {
      const [labels, superpixels] = await Promise.all([reader.workingLabels(id), reader.superpixels(id)]);
      for (let x = 0; x < labels.data.length; x++) {
        const label = labels.data[x];
        const superpixel = superpixels.data[x];
        if (superpixel === 0 || label === 255) continue;
        all[label]++;
        if (!queriedByImage.get(id)?.has(superpixel)) direct[label]++;
      }
    }
    const result = await classWeights({ store }, { ...round, queriedKey: 'campaigns/c1/round-0/queried.jsonl' });
    assert.deepEqual(result.counts, direct);
    assert.deepEqual(result.weights, Array.from(classBalancedWeights(direct)));
    assert.deepEqual((await classWeights({ store }, round)).counts, all);
    assert.ok(direct.reduce((a, b) => a + b) < all.reduce((a, b) => a + b), 'the queried superpixels hold labelled pixels');
  });

  describe('selection', () => {
    // Code points: U+FFFD sorts before U+1F600, though its UTF-16 unit is the larger one.
    const shardA = [score('img-b', 2, 0.5), score('img-b', 1, 0.5), score('z\u{1F600}', 1, 0.9), score('img-b', 3, 0.1)];
    const shardB = [score('img-a', 7, 0.5), score('z\uFFFD', 1, 0.9), score('img-a', 1, 0.3), score('img-c', 1, 0.95)];
    const records = [...shardA, ...shardB];
    const queried = [{ image: 'img-c', superpixel: 1 }];
    const keys = [`${ROUND}scores/hand-0.jsonl`, `${ROUND}scores/hand-1.jsonl`];

    before(async () => {
      await store.putBytes(keys[0], jsonl(shardA));
      await store.putBytes(keys[1], jsonl(shardB));
      await store.putBytes(`${ROUND}hand-queried.jsonl`, jsonl(queried));
    });

    async function select(fields: { strategy: ScoreName | 'random'; budget: number; skipQueried?: boolean; seed?: number; scoreKeys?: string[] }) {
      const result = await selectQueries(
        { store },
        { ...round, mode: 'alc', seed: 0, skipQueried: true, scoreKeys: keys, queriedKey: `${ROUND}hand-queried.jsonl`, ...fields },
      );
      const selected = await lines(result.selectedKey);
      assert.equal(result.selectedKey, `${ROUND}selected.jsonl`);
      assert.equal(result.selected, selected.length);
      return selected;
    }

    it('ranks by score, ties by image code point then superpixel id, skips queried superpixels, takes the budget', async () => {
      const selected = await select({ strategy: 'sim', budget: 5 });
      assert.deepEqual(
        selected.map((r) => [(r as SuperpixelScore).image, (r as SuperpixelScore).superpixel, (r as { rank: number }).rank]),
        [
          ['z\uFFFD', 1, 1],
          ['z\u{1F600}', 1, 2],
          ['img-a', 7, 3],
          ['img-b', 1, 4],
          ['img-b', 2, 5],
        ],
      );
      assert.deepEqual(selected, selectByScore(records, 'sim', { budget: 5, queried: queriedSetOf(queried) }));
      const unskipped = await select({ strategy: 'sim', budget: 2, skipQueried: false });
      assert.deepEqual(
        unskipped.map((r) => (r as SuperpixelScore).image),
        ['img-c', 'z\uFFFD'],
      );
      assert.deepEqual(await select({ strategy: 'abc', budget: 100 }), selectByScore(records, 'abc', { budget: 100, queried: queriedSetOf(queried) }));
      assert.deepEqual(await select({ strategy: 'sim', budget: 0 }), []);
    });

    it('keeps only the best records while streaming many, and still equals the engine ranking', async () => {
      const random = lcg(3);
      // A plan gives each image to one shard: image n goes to shard n mod 3.
      const shards: SuperpixelScore[][] = [[], [], []];
      for (let i = 0; i < 15000; i++) {
        const imageNumber = i % 997;
        // Few distinct values, so most comparisons are ties broken by image and superpixel.
        const value = Math.floor(random() * 20) / 20;
        shards[imageNumber % 3].push(score(`im-${imageNumber}`, 1 + Math.floor(i / 997), value, { pixel: random(), cil: value, abc: 1 - value }));
      }
      const manyKeys = shards.map((_, k) => `${ROUND}scores/many-${k}.jsonl`);
      await Promise.all(shards.map((shard, k) => store.putBytes(manyKeys[k], jsonl(shard))));
      const all = shards.flat();
      for (const strategy of ['sim', 'pixel'] as const) {
        const selected = await select({ strategy, budget: 120, scoreKeys: manyKeys });
        assert.equal(selected.length, 120);
        assert.deepEqual(selected, selectByScore(all, strategy, { budget: 120 }));
      }
    });

    it('draws the random baseline from the seed alone, whatever the shard order', async () => {
      const drawn = await select({ strategy: 'random', budget: 4, seed: 7 });
      assert.deepEqual(drawn, selectRandom(records, 7, { budget: 4, queried: queriedSetOf(queried) }));
      assert.deepEqual(await select({ strategy: 'random', budget: 4, seed: 7, scoreKeys: [...keys].reverse() }), drawn);
      assert.notDeepEqual(await select({ strategy: 'random', budget: 4, seed: 8 }), drawn);
      assert.ok(drawn.every((r) => (r as SuperpixelScore).image !== 'img-c'));
    });

    it('rejects records without the chosen score, an image scored in two shards, a shard named twice, a bad record', async () => {
      await store.putBytes(`${ROUND}scores/no-abc.jsonl`, jsonl([{ ...score('img-x', 1, 0.2), abc: undefined }]));
      await assert.rejects(select({ strategy: 'abc', budget: 3, scoreKeys: [`${ROUND}scores/no-abc.jsonl`] }), /no abc score/);
      await store.putBytes(`${ROUND}scores/again.jsonl`, jsonl([score('img-a', 9, 0.2)]));
      await assert.rejects(select({ strategy: 'sim', budget: 3, scoreKeys: [...keys, `${ROUND}scores/again.jsonl`] }), /"img-a" is also scored in/);
      await assert.rejects(select({ strategy: 'sim', budget: 3, scoreKeys: [...keys, keys[0]] }), /hand-0\.jsonl twice/);
      await store.putBytes(`${ROUND}scores/bad.jsonl`, '{"image":"a","superpixel":0}\n');
      await assert.rejects(select({ strategy: 'sim', budget: 3, scoreKeys: [`${ROUND}scores/bad.jsonl`] }), /bad\.jsonl:1: superpixel/);
    });
  });

  describe('queries, answers and expansion', () => {
    let planned: PlannedQuery[];
    let queryIds: string[];
    const queriesKey = `${ROUND}queries.jsonl`;

    /** The superpixel's pixels, every fifth one left out so that E is a proper part of R. */
    function expansionOf(superpixels: Uint32Array, superpixel: number): number[] {
      const pixels: number[] = [];
      for (let x = 0; x < superpixels.length; x++) if (superpixels[x] === superpixel && x % 5 !== 0) pixels.push(x);
      return pixels;
    }

    before(async () => {
      // Two questions on each of the first two train images, one on the third.
      planned = [];
      const shard: SuperpixelScore[] = [];
      for (const [n, image] of train.slice(0, 3).entries()) {
        const [superpixels, labels] = await Promise.all([reader.superpixels(image), reader.workingLabels(image)]);
        const sizes = new Map<number, number>();
        for (const id of superpixels.data) if (id !== 0) sizes.set(id, (sizes.get(id) ?? 0) + 1);
        const chosen = [...sizes.keys()]
          .filter((id) => (sizes.get(id) ?? 0) >= 40)
          .sort((a, b) => a - b)
          .slice(0, n === 2 ? 1 : 2);
        const map = new Uint32Array(superpixels.data.length);
        for (const superpixel of chosen) {
          const expansion = expansionOf(superpixels.data, superpixel);
          for (const x of expansion) map[x] = superpixel;
          planned.push({ image, superpixel, expansion });
          const first = expansion[0];
          const label = labels.data[first] === 255 ? 0 : labels.data[first];
          shard.push(
            score(image, superpixel, 0.9 - 0.1 * planned.length, {
              pixels: sizes.get(superpixel),
              expansion: expansion.length,
              rep: [Math.floor(first / superpixels.width), first % superpixels.width],
              label,
              dominant: label,
            }),
          );
        }
        await store.putBytes(`${ROUND}expansion/${image}.png`, await encodeSuperpixelPng({ width: superpixels.width, height: superpixels.height, data: map }));
      }
      await store.putBytes(`${ROUND}scores/shard-0.jsonl`, jsonl(shard));
      await selectQueries({ store }, { ...round, scoreKeys: [`${ROUND}scores/shard-0.jsonl`], mode: 'alc', strategy: 'sim', budget: 10, seed: 0, skipQueried: true });
    });

    it('issues one query per selected superpixel with a rendered asset, and rewrites the same bytes on retry', async () => {
      const result = await issueQueries({ store }, { ...round, selectedKey: `${ROUND}selected.jsonl` });
      queryIds = result.queryIds;
      assert.equal(result.queriesKey, queriesKey);
      assert.deepEqual(
        queryIds,
        planned.map((q) => `${q.image}/${q.superpixel}`),
      );
      const queries = (await lines(queriesKey)).map((line) => QueryRecordSchema.parse(line));
      for (const [i, query] of queries.entries()) {
        const { width } = await reader.superpixels(query.image);
        const rows = planned[i].expansion.map((x) => Math.floor(x / width));
        const cols = planned[i].expansion.map((x) => x % width);
        assert.equal(query.queryId, queryIds[i]);
        assert.equal(query.rank, i + 1);
        assert.equal(query.expansion, planned[i].expansion.length);
        assert.deepEqual(query.bbox, {
          left: Math.min(...cols),
          top: Math.min(...rows),
          width: Math.max(...cols) - Math.min(...cols) + 1,
          height: Math.max(...rows) - Math.min(...rows) + 1,
        });
        assert.equal(query.labelName, classes.find((c) => c.id === query.label)?.name);
        assert.equal(query.assetKey, `${ROUND}assets/${query.image}_${query.superpixel}.png`);
      }

      const asset = await store.getBytes(queries[0].assetKey);
      const { data, info } = await sharp(asset).raw().toBuffer({ resolveWithObject: true });
      assert.equal(info.format, 'raw');
      assert.ok(Math.max(info.width, info.height) >= 384, `an enlarged crop, got ${info.width}x${info.height}`);
      const colours = new Set<string>();
      for (let i = 0; i < data.length; i += info.channels) colours.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
      assert.ok(colours.has('255,255,255') && colours.has('0,0,0'), 'E is outlined in white and black');
      assert.ok(colours.has('230,159,0'), 'r is marked with the orange crosshair');
      const labelColour = classes.find((c) => c.id === queries[0].label)!.color.join(',');
      assert.ok(colours.has(labelColour), 'the legend shows the label colour');

      const queriesBefore = await store.getBytes(queriesKey);
      await issueQueries({ store }, { ...round, selectedKey: `${ROUND}selected.jsonl` });
      assert.deepEqual(await store.getBytes(queriesKey), queriesBefore);
      assert.deepEqual(await store.getBytes(queries[0].assetKey), asset);
    });

    it('refuses a selection without expansion maps or whose expansion set disagrees with its map', async () => {
      const selected = await lines(`${ROUND}selected.jsonl`);
      await store.putBytes(`${ROUND}selected-wrong.jsonl`, jsonl([{ ...(selected[0] as SuperpixelScore), expansion: planned[0].expansion.length + 1 }]));
      await assert.rejects(issueQueries({ store }, { ...round, roundPrefix: 'campaigns/c1/other/', selectedKey: `${ROUND}selected-wrong.jsonl` }), NotFoundError);
      await assert.rejects(issueQueries({ store }, { ...round, selectedKey: `${ROUND}selected-wrong.jsonl` }), /marks \d+/);
    });

    it('stores an answer batch once: the same batch again is accepted, a different one under its number refused', async () => {
      const batch0: AnswerRecord[] = [
        { queryId: queryIds[0], answer: 'relabel', class: RELABEL_CLASS, annotator: 'ann-1' },
        { queryId: queryIds[1], answer: 'relabel', class: 255, annotator: 'ann-1' },
        { queryId: queryIds[2], answer: 'correct', annotator: 'ann-2' },
      ];
      const stored = await storeAnswerBatch({ store }, { roundPrefix: ROUND, batch: 0, answers: batch0 });
      assert.deepEqual(stored, { batchKey: `${ROUND}answers/batch-0.jsonl`, answers: 3 });
      assert.deepEqual(await lines(stored.batchKey), batch0);
      const reordered = batch0.map(({ annotator, answer, queryId, class: k }) => ({ annotator, answer, queryId, ...(k === undefined ? {} : { class: k }) }));
      assert.deepEqual(await storeAnswerBatch({ store }, { roundPrefix: ROUND, batch: 0, answers: reordered }), stored);
      await assert.rejects(storeAnswerBatch({ store }, { roundPrefix: ROUND, batch: 0, answers: batch0.slice(1) }), ArtifactConflictError);
      assert.deepEqual(await lines(stored.batchKey), batch0);

      await storeAnswerBatch({ store }, { roundPrefix: ROUND, batch: 1, answers: [{ queryId: queryIds[3], answer: 'skip', annotator: 'ann-2' }] });
      await assert.rejects(storeAnswerBatch({ store }, { roundPrefix: ROUND, batch: 2, answers: [{ queryId: queryIds[4], answer: 'relabel', annotator: 'a' }] }), /a relabel answer needs a class/);
      await assert.rejects(
        storeAnswerBatch({ store }, { roundPrefix: ROUND, batch: 2, answers: [batch0[2], batch0[2]] }),
        (error: unknown) => error instanceof InputError && /answered twice/.test(error.message),
      );
      await assert.rejects(storeAnswerBatch({ store }, { roundPrefix: ROUND, batch: 2, answers: [{ ...batch0[2], queryId: 'no-superpixel' }] }), InputError);
    });

    it('expands the answers: relabels exactly E, 255 included, copies every other label map byte for byte', async () => {
      const input = {
        ...round,
        queriesKey,
        answerBatchKeys: [`${ROUND}answers/batch-0.jsonl`, `${ROUND}answers/batch-1.jsonl`],
        outputLabelsPrefix: LABELS,
        queriedKey: 'campaigns/c1/round-0/queried.jsonl',
      };
      const result = await expandAnswers({ store }, input);

      // Direct: the first image gets RELABEL_CLASS over E of question 0 and 255 over E of question 1.
      const image = planned[0].image;
      const before = await reader.workingLabels(image);
      const expected = before.data.slice();
      for (const x of planned[0].expansion) expected[x] = RELABEL_CLASS;
      for (const x of planned[1].expansion) expected[x] = 255;
      const after = await decodeLabelPng(await store.getBytes(`${LABELS}${image}.png`), image);
      assert.deepEqual(after.data, expected);
      let pixelsChanged = 0;
      for (let x = 0; x < expected.length; x++) if (expected[x] !== before.data[x]) pixelsChanged++;
      assert.ok(pixelsChanged > 0);

      for (const id of train.slice(1)) {
        const pseudo = await store.getBytes(`${DATASET}${reader.item(id).pseudoLabel}`);
        assert.deepEqual(await store.getBytes(`${LABELS}${id}.png`), pseudo, `${id} is copied unchanged`);
      }

      const histogram = (pixels: readonly number[]) => {
        const counts = new Map<number, number>();
        for (const x of pixels) counts.set(before.data[x], (counts.get(before.data[x]) ?? 0) + 1);
        return [...counts.entries()].sort(([a], [b]) => a - b).map(([label, n]) => ({ label, pixels: n }));
      };
      const changed = (pixels: readonly number[], k: number) => pixels.filter((x) => before.data[x] !== k).length;
      assert.deepEqual(await lines(result.changesKey), [
        { queryId: queryIds[0], image, superpixel: planned[0].superpixel, annotator: 'ann-1', class: RELABEL_CLASS, expansion: planned[0].expansion.length, changed: changed(planned[0].expansion, RELABEL_CLASS), previous: histogram(planned[0].expansion) },
        { queryId: queryIds[1], image, superpixel: planned[1].superpixel, annotator: 'ann-1', class: 255, expansion: planned[1].expansion.length, changed: changed(planned[1].expansion, 255), previous: histogram(planned[1].expansion) },
      ]);
      assert.deepEqual(result, { labelsPrefix: LABELS, answered: 4, relabelled: 2, pixelsChanged, changesKey: `${ROUND}changes.jsonl`, queriedKey: `${ROUND}queried.jsonl` });

      // The earlier rounds' set plus this round's answers, the skipped one excepted, once each, in canonical order.
      const earlier = (await lines('campaigns/c1/round-0/queried.jsonl')) as SuperpixelRef[];
      const answeredNow = planned.slice(0, 3).map(({ image: i, superpixel }) => ({ image: i, superpixel }));
      const union = new Map([...earlier, ...answeredNow].map((ref) => [`${ref.image}/${ref.superpixel}`, ref]));
      assert.ok(union.size < earlier.length + answeredNow.length, 'a superpixel queried earlier is asked again (no non-redundancy in the hand-made selection)');
      assert.deepEqual(
        await lines(result.queriedKey),
        [...union.values()].sort((a, b) => compareCodePoints(a.image, b.image) || a.superpixel - b.superpixel),
      );

      const changesBefore = await store.getBytes(result.changesKey);
      const labelsBefore = await store.getBytes(`${LABELS}${image}.png`);
      assert.deepEqual(await expandAnswers({ store }, input), result);
      assert.deepEqual(await store.getBytes(result.changesKey), changesBefore);
      assert.deepEqual(await store.getBytes(`${LABELS}${image}.png`), labelsBefore);
    });

    it('refuses a second answer to a query, an unknown query and rewriting the version it reads', async () => {
      const base = { ...round, queriesKey, outputLabelsPrefix: `${ROUND}labels-bad/` };
      await storeAnswerBatch({ store }, { roundPrefix: ROUND, batch: 5, answers: [{ queryId: queryIds[0], answer: 'correct', annotator: 'ann-3' }] });
      await assert.rejects(
        expandAnswers({ store }, { ...base, answerBatchKeys: [`${ROUND}answers/batch-0.jsonl`, `${ROUND}answers/batch-5.jsonl`] }),
        (error: unknown) => error instanceof InputError && /batch-5\.jsonl:1: .* is answered twice \(first at .*batch-0\.jsonl:1\)/.test(error.message),
      );
      await storeAnswerBatch({ store }, { roundPrefix: ROUND, batch: 6, answers: [{ queryId: `${train[5]}/1`, answer: 'correct', annotator: 'ann-3' }] });
      await assert.rejects(expandAnswers({ store }, { ...base, answerBatchKeys: [`${ROUND}answers/batch-6.jsonl`] }), /no query .* was issued this round/);
      await storeAnswerBatch({ store }, { roundPrefix: ROUND, batch: 7, answers: [{ queryId: queryIds[0], answer: 'relabel', class: 254, annotator: 'ann-3' }] });
      await assert.rejects(expandAnswers({ store }, { ...base, answerBatchKeys: [`${ROUND}answers/batch-7.jsonl`] }), /class 254 is not a class of the dataset/);
      await assert.rejects(expandAnswers({ store }, { ...base, labelsPrefix: LABELS, outputLabelsPrefix: LABELS, answerBatchKeys: [] }), /must be a new label version/);
    });

    it('measures data mIoU of a label version as a direct confusion matrix does', async () => {
      for (const labelsPrefix of [undefined, LABELS]) {
        const labelsReader = await DatasetReader.open(new S3Location(store.at(DATASET)), labelsPrefix === undefined ? undefined : new S3Location(store.at(labelsPrefix)));
        const matrix = new ConfusionMatrix(classCount);
        for (const id of train) matrix.add((await labelsReader.workingLabels(id)).data, (await labelsReader.groundTruth(id))!.data);
        assert.deepEqual(await dataMetrics({ store }, { datasetPrefix: DATASET, labelsPrefix }), { metrics: segmentationMetrics(matrix), images: train.length });
      }
    });
  });

  it('writes the round report, validated', async () => {
    const summary: RoundSummary = { round: 1, queries: 5, answered: 4, pixelsChanged: 120, dataMIoU: 0.61, modelMIoU: null, labelsPrefix: LABELS, modelPrefix: `${ROUND}model/` };
    const key = await writeRoundReport({ store }, { ...round, report: summary });
    assert.equal(key, `${ROUND}report.json`);
    assert.deepEqual(await store.getJson(key, RoundReportSchema), { campaignId: 'c1', datasetPrefix: DATASET, ...summary });
    await assert.rejects(writeRoundReport({ store }, { ...round, report: { ...summary, round: 2 } }), /report is of round 2/);
    await assert.rejects(writeRoundReport({ store }, { ...round, report: { ...summary, dataMIoU: 1.5 } }), (error: unknown) => error instanceof InputError && /dataMIoU/.test(error.message));
  });

  it('runs as Temporal activities: progress as heartbeats, bad input as a non-retryable BadInput failure', async () => {
    // Failed activities are logged at WARN: expected here, so kept out of the test output.
    const environment = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const heartbeats: unknown[] = [];
    environment.on('heartbeat', (details: unknown) => heartbeats.push(details));
    const activities = createRoundActivities({ store });
    const weights = await environment.run(activities.classWeights, round);
    assert.deepEqual(weights, await classWeights({ store }, round));
    assert.equal(heartbeats.length, train.length);
    assert.deepEqual(heartbeats.at(-1), { done: train.length, total: train.length });
    await assert.rejects(environment.run(activities.planShards, { ...round, shardSize: 0 }), isBadInputFailure);
    await assert.rejects(environment.run(activities.dataMetrics, { datasetPrefix: 'datasets/none/' }), isBadInputFailure);
    await assert.rejects(
      environment.run(activities.storeAnswerBatch, { roundPrefix: ROUND, batch: 0, answers: [] }),
      (error: unknown) => error instanceof ApplicationFailure && error.nonRetryable && error.type === 'ArtifactConflict',
    );
  });

  it('copies objects server-side, under keys with spaces and non-ASCII characters too', async () => {
    const body = Buffer.from('label map bytes');
    await store.putBytes('copy/a b/é 😀+%.png', body);
    await store.copy('copy/a b/é 😀+%.png', 'copy/to/é 😀.png');
    assert.deepEqual(await store.getBytes('copy/to/é 😀.png'), body);
    await assert.rejects(store.copy('copy/missing.png', 'copy/to/x.png'), NotFoundError);
  });
});
