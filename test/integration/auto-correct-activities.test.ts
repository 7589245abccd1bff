/**
 * A2LC's automatic correction with the real activities on a real S3 server (SeaweedFS): a round of
 * the real pipeline on a small synthetic dataset (a tiny segmentation model, scoring that writes
 * the classifier features, selection, queries, answers from the ground truth, expansion), then the
 * training set, the reference trainer's classifier job, and its predictions applied. Checks that
 * the automatic changes are logged apart from the human ones, that only never-queried superpixels
 * change (and exactly as logged), that the human-corrected version is untouched, and that every
 * part can run again (a retry after a crash) without changing anything.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/activity';
import { applyAutoCorrections, AutoCorrectionRecordSchema } from '../../activities/round/auto-correct-apply.js';
import { readFeatureShard } from '../../activities/round/auto-correct-features.js';
import { lossWeightsOf, prepareAutoCorrection } from '../../activities/round/auto-correct-prepare.js';
import { classWeights } from '../../activities/round/class-weights.js';
import type { AnswerRecord, ApplyAutoCorrectionsInput, FeatureShardKeys, PrepareAutoCorrectionResult, RoundLocation } from '../../activities/round/contracts.js';
import { expandAnswers } from '../../activities/round/expand-answers.js';
import { issueQueries } from '../../activities/round/issue-queries.js';
import { planShards } from '../../activities/round/plan-shards.js';
import { QueryRecordSchema, readJsonl, SuperpixelRefSchema } from '../../activities/round/records.js';
import { selectQueries } from '../../activities/round/select-queries.js';
import { storeAnswerBatch } from '../../activities/round/store-answer-batch.js';
import { scoreShard } from '../../activities/inference/score-shard.js';
import { trainLabelCorrector, type TrainLabelCorrectorResult } from '../../activities/train/train-label-corrector.js';
import { trainSegmentation } from '../../activities/train/train-segmentation.js';
import type { TrainContext } from '../../activities/train/trainer-job.js';
import { InputError } from '../../common/errors.js';
import { compareCodePoints } from '../../common/order.js';
import { ConnectionConfigSchema } from '../../configs/schema.js';
import { decodeLabelPng } from '../../datasets/png.js';
import { generateSyntheticDataset } from '../../datasets/synthetic/generate.js';
import { rankRarity } from '../../engine/auto-correction.js';
import { encodeUint8Npy } from '../../engine/npy.js';
import { DatasetReader } from '../../inference/dataset-reader.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { createS3Client } from '../../storage/s3-client.js';
import { S3Location } from '../../storage/s3-location.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const DATASET = 'datasets/syn/';
const ROUND = 'campaigns/c1/round-1/';
const HUMAN = `${ROUND}labels/`;
const AUTO = `${ROUND}labels-auto/`;
/** Lower than the spec's 0.99 so that a classifier trained on a few dozen examples corrects something. */
const MIN_CONFIDENCE = 0.6;

const terminal: TrainContext = { report: () => undefined, signal: new AbortController().signal, log: () => undefined };

describe('A2LC automatic correction: real activities, the reference trainer, real S3', () => {
  let stack: TestStack;
  let store: ArtifactStore;
  let workDir: string;
  let reader: DatasetReader;
  let train: string[];
  let classes: number;
  const round: RoundLocation = { campaignId: 'c1', round: 1, roundPrefix: ROUND, datasetPrefix: DATASET };
  let featureKeys: FeatureShardKeys[];
  let queriedKey: string;
  let batchKeys: string[];
  let answers: AnswerRecord[];
  let queried: Map<string, Set<number>>;
  let prepared: PrepareAutoCorrectionResult;
  let classifier: TrainLabelCorrectorResult;
  const trainer = () => ConnectionConfigSchema.shape.trainer.parse({ workDir });

  async function snapshot(prefix: string): Promise<Map<string, string>> {
    const objects = new Map<string, string>();
    for await (const object of store.list(prefix)) objects.set(object.key, (await store.getBytes(object.key)).toString('base64'));
    return objects;
  }

  before(async () => {
    stack = await startTestStack('alc-auto-');
    store = new ArtifactStore(createS3Client(stack.config.s3), stack.config.s3.bucket);
    workDir = mkdtempSync(path.join(os.tmpdir(), 'alc-auto-trainer-'));
    await generateSyntheticDataset({ images: 12, seed: 2 }, new S3Location(store.at(DATASET)));
    reader = await DatasetReader.open(new S3Location(store.at(DATASET)));
    train = reader.idsOf('train').sort(compareCodePoints);
    classes = Math.max(...reader.manifest.classes.map((c) => c.id)) + 1;

    // Round 1 of the real pipeline, up to the human-corrected labels.
    await trainSegmentation({ store, trainer: trainer() }, { datasetPrefix: DATASET, model: { config: 'tiny' }, hyperparameters: { epochs: 2 }, seed: 0, outputPrefix: 'models/m0/' }, terminal);
    const { shardKeys } = await planShards({ store }, { ...round, shardSize: 5 });
    const { weights } = await classWeights({ store }, round);
    featureKeys = shardKeys.map((_, k) => ({ arrayKey: `${ROUND}features/shard-${k}.npy`, rowsKey: `${ROUND}features/shard-${k}.jsonl` }));
    const inference = ConnectionConfigSchema.shape.inference.parse({});
    const scoreKeys: string[] = [];
    for (const [k, imageIdsKey] of shardKeys.entries()) {
      const scored = await scoreShard(
        { store, inference },
        { modelPrefix: 'models/m0/', datasetPrefix: DATASET, imageIdsKey, mode: 'a2lc', classWeights: weights, recordsKey: `${ROUND}scores/shard-${k}.jsonl`, expansionPrefix: `${ROUND}expansion/`, features: featureKeys[k] },
        { report: () => undefined, signal: new AbortController().signal, warn: () => undefined },
      );
      // Every superpixel has a feature row; only those with a non-empty E have a score record.
      assert.ok(scored.featureRows! >= scored.superpixels && scored.superpixels > 0);
      scoreKeys.push(scored.recordsKey);
    }
    const { selectedKey } = await selectQueries({ store }, { ...round, scoreKeys, mode: 'a2lc', strategy: 'abc', budget: 30, seed: 0, skipQueried: true });
    const { queriesKey } = await issueQueries({ store }, { ...round, selectedKey });
    // The oracle's answer at the representative pixel: relabel to the ground truth where the label is wrong.
    answers = [];
    for (const { value: query } of await readJsonl(store, queriesKey, QueryRecordSchema)) {
      const truth = (await reader.groundTruth(query.image))!;
      const g = truth.data[query.rep[0] * truth.width + query.rep[1]];
      answers.push(g === query.label || g === 255 ? { queryId: query.queryId, answer: 'correct', annotator: 'oracle' } : { queryId: query.queryId, answer: 'relabel', class: g, annotator: 'oracle' });
    }
    batchKeys = [(await storeAnswerBatch({ store }, { roundPrefix: ROUND, batch: 0, answers })).batchKey];
    const expanded = await expandAnswers({ store }, { ...round, queriesKey, answerBatchKeys: batchKeys, outputLabelsPrefix: HUMAN });
    queriedKey = expanded.queriedKey;
    queried = new Map();
    for (const { value } of await readJsonl(store, queriedKey, SuperpixelRefSchema)) {
      if (!queried.has(value.image)) queried.set(value.image, new Set());
      queried.get(value.image)!.add(value.superpixel);
    }
    assert.ok(answers.some((a) => a.answer === 'relabel') && answers.some((a) => a.answer === 'correct'), 'the oracle both confirms and relabels');
  });
  after(async () => {
    store?.client.destroy();
    await stack?.teardown();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('scoring writes one feature row per superpixel: the mean soft label over it', async () => {
    let rows = 0;
    for (const keys of featureKeys) {
      const shard = await readFeatureShard(store, keys, classes);
      rows += shard.rows.length;
      for (let i = 0; i < shard.rows.length; i++) {
        const sum = shard.features.subarray(i * classes, (i + 1) * classes).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - 1) < 1e-4, `row ${i} of ${keys.arrayKey} sums to ${sum}, a mean of probabilities sums to 1`);
      }
    }
    // Every superpixel of every train image, in order.
    let expected = 0;
    for (const id of train) expected += new Set((await reader.superpixels(id)).data.filter((s) => s !== 0)).size;
    assert.equal(rows, expected);
  });

  it('prepares the training set: the answered superpixels, labelled from the human-corrected version, weighted by this round\'s relabels', async () => {
    const input = { ...round, labelsPrefix: HUMAN, featureKeys, queriedKey, answerBatchKeys: batchKeys, outputPrefix: `${ROUND}auto-correct/` };
    prepared = await prepareAutoCorrection({ store }, input);
    const counts = new Array<number>(classes).fill(0);
    for (const a of answers) if (a.answer === 'relabel' && a.class! < classes) counts[a.class!]++;
    assert.deepEqual(prepared.relabelCounts, counts);
    assert.deepEqual(prepared.classWeights, Array.from(lossWeightsOf(counts)));
    assert.equal(prepared.samples, [...queried.values()].reduce((n, s) => n + s.size, 0));
    assert.ok(prepared.training, 'something to train on');
    // A retry writes the same bytes.
    const first = await snapshot(`${ROUND}auto-correct/`);
    assert.deepEqual(await prepareAutoCorrection({ store }, input), prepared);
    assert.deepEqual(await snapshot(`${ROUND}auto-correct/`), first);
    await assert.rejects(prepareAutoCorrection({ store }, { ...input, labelsPrefix: undefined }), InputError);
  });

  it('trains the classifier with the reference trainer; a retry reuses the published job; bad input is not retried', async () => {
    const input = {
      ...prepared.training!,
      numClasses: prepared.classes,
      hyperparameters: { epochs: 30, learningRate: 0.03 },
      seed: 0,
      outputPrefix: `${ROUND}auto-correct/classifier/`,
    };
    classifier = await trainLabelCorrector({ store, trainer: trainer() }, input, terminal);
    assert.equal(classifier.classifierPrefix, input.outputPrefix);
    assert.ok(classifier.samples > 0 && classifier.samples <= prepared.samples, 'the answered superpixels (less any labelled 255) are the examples');
    assert.ok(await store.exists(`${input.outputPrefix}model.onnx`));
    const published = await snapshot(input.outputPrefix);
    assert.deepEqual(await trainLabelCorrector({ store, trainer: trainer() }, input, terminal), classifier);
    assert.deepEqual(await snapshot(input.outputPrefix), published);

    await store.putBytes('bad/labels.npy', encodeUint8Npy(new Uint8Array(prepared.samples).fill(255), [prepared.samples]));
    await assert.rejects(
      trainLabelCorrector({ store, trainer: trainer() }, { ...input, labelsKey: 'bad/labels.npy', classWeightsKey: undefined, outputPrefix: 'bad/classifier/' }, terminal),
      (error: unknown) => error instanceof ApplicationFailure && error.nonRetryable && error.type === 'TrainerBadInput' && /nothing to train on/.test(error.message),
    );
  });

  it('applies the predictions to never-queried superpixels only, as a new version logged apart, and again without change', async () => {
    const humanBefore = await snapshot(HUMAN);
    const changesBefore = await store.getBytes(`${ROUND}changes.jsonl`);
    const input: ApplyAutoCorrectionsInput = {
      ...round,
      labelsPrefix: HUMAN,
      featureKeys,
      queriedKey,
      classifierPrefix: classifier.classifierPrefix,
      relabelCounts: prepared.relabelCounts,
      minConfidence: MIN_CONFIDENCE,
      outputLabelsPrefix: AUTO,
    };
    await assert.rejects(applyAutoCorrections({ store }, { ...input, outputLabelsPrefix: HUMAN }), /must be a new label version/);
    const result = await applyAutoCorrections({ store }, input);
    assert.ok(result.corrections > 0, 'the classifier corrected something');
    assert.equal(result.labelsPrefix, AUTO);
    assert.equal(result.correctionsKey, `${ROUND}auto-corrections.jsonl`);

    const log = (await readJsonl(store, result.correctionsKey, AutoCorrectionRecordSchema)).map(({ value }) => value);
    assert.equal(log.length, result.corrections);
    assert.equal(log.reduce((n, c) => n + c.changed, 0), result.pixelsChanged);
    const rarity = rankRarity(prepared.relabelCounts);
    for (const c of log) {
      assert.ok(!(queried.get(c.image)?.has(c.superpixel) ?? false), `${c.image}/${c.superpixel} was queried`);
      assert.ok(c.from !== c.to && !rarity.rarerHalf.has(c.to) && c.from !== rarity.rarest && c.confidence >= MIN_CONFIDENCE, JSON.stringify(c));
    }

    // The human version and its change log are untouched; the new version differs exactly as logged.
    assert.deepEqual(await snapshot(HUMAN), humanBefore);
    assert.ok((await store.getBytes(`${ROUND}changes.jsonl`)).equals(changesBefore));
    let differing = 0;
    for (const id of train) {
      const [human, auto, superpixels] = await Promise.all([
        store.getBytes(`${HUMAN}${id}.png`).then((b) => decodeLabelPng(b, id)),
        store.getBytes(`${AUTO}${id}.png`).then((b) => decodeLabelPng(b, id)),
        reader.superpixels(id),
      ]);
      const logged = new Map(log.filter((c) => c.image === id).map((c) => [c.superpixel, c.to]));
      for (let x = 0; x < human.data.length; x++) {
        const to = logged.get(superpixels.data[x]);
        if (to !== undefined) assert.equal(auto.data[x], to, `${id} pixel ${x}: all of R carries the new label`);
        else assert.equal(auto.data[x], human.data[x], `${id} pixel ${x} is outside every logged superpixel`);
        if (auto.data[x] !== human.data[x]) differing++;
      }
    }
    assert.equal(differing, result.pixelsChanged);

    // Again, and again after a crash that lost the log and one map: the same objects.
    const written = await snapshot(AUTO);
    const logBytes = await store.getBytes(result.correctionsKey);
    assert.deepEqual(await applyAutoCorrections({ store }, input), result);
    assert.deepEqual(await snapshot(AUTO), written);
    const lost = `${AUTO}${log[0].image}.png`;
    for (const key of [lost, result.correctionsKey]) await store.client.send(new DeleteObjectCommand({ Bucket: stack.config.s3.bucket, Key: key }));
    assert.deepEqual(await applyAutoCorrections({ store }, input), result);
    assert.deepEqual(await snapshot(AUTO), written);
    assert.ok((await store.getBytes(result.correctionsKey)).equals(logBytes));
  });

  it('writes no new version when no prediction is confident enough', async () => {
    const result = await applyAutoCorrections(
      { store },
      { ...round, roundPrefix: 'campaigns/c1/round-9/', labelsPrefix: HUMAN, featureKeys, queriedKey, classifierPrefix: classifier.classifierPrefix, relabelCounts: prepared.relabelCounts, minConfidence: 1, outputLabelsPrefix: 'campaigns/c1/round-9/labels-auto/' },
    );
    assert.deepEqual(result, { corrections: 0, pixelsChanged: 0, correctionsKey: 'campaigns/c1/round-9/auto-corrections.jsonl' });
    assert.equal((await store.getBytes(result.correctionsKey)).length, 0);
    assert.equal(await store.exists(`campaigns/c1/round-9/labels-auto/${train[0]}.png`), false);
  });
});
