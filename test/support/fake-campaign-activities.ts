/**
 * In-memory stand-ins for every activity a campaign calls, for the workflow tests on the
 * time-skipping server and for recording replay histories. The boundary under test is the
 * orchestration (timers, updates, operator decisions, continue-as-new), so the S3/GPU work is
 * faked here; test/integration/round-activities.test.ts and friends test the real activities.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { AnswerRecord } from '../../activities/round/contracts.js';
import { CampaignConfigSchema, resolveCampaignConfig, type CampaignConfig, type CampaignConfigInput } from '../../configs/campaign.js';
import type { CampaignActivities } from '../../workflows/activity-options.js';

export type ActivityName = keyof CampaignActivities;

export interface FakeCampaignOptions {
  /** Train images of the fake dataset (default 12). */
  images?: number;
  /** Superpixels selectable per round before the budget (default 1000). */
  candidates?: number;
  /** Fail the first n calls of an activity with a non-retryable error. */
  failFirst?: Partial<Record<ActivityName, number>>;
  /** Real milliseconds an activity takes (to catch a round between steps). */
  delayMs?: Partial<Record<ActivityName, number>>;
  /** Superpixels the fake automatic correction relabels per round (default 3; 0 = no new label version). */
  autoCorrections?: number;
}

export interface FakeCall {
  name: ActivityName;
  input: unknown;
}

export interface FakeCampaign {
  activities: CampaignActivities;
  calls: FakeCall[];
  /** Inputs of every call of one activity, in call order. */
  inputsOf<N extends ActivityName>(name: N): Parameters<CampaignActivities[N]>[0][];
  /** The query ids issued under a round prefix. */
  queryIdsOf(roundPrefix: string): string[];
  /** Answers stored under a round prefix, by batch key. */
  batches: Map<string, AnswerRecord[]>;
}

const roundOf = (prefix: string | undefined): number => Number(/round-(\d+)\//.exec(prefix ?? '')?.[1] ?? 0);

export function createFakeCampaignActivities(options: FakeCampaignOptions = {}): FakeCampaign {
  const images = options.images ?? 12;
  const calls: FakeCall[] = [];
  const failuresLeft = new Map(Object.entries(options.failFirst ?? {}));
  const selectedOf = new Map<string, number>();
  const issued = new Map<string, string[]>();
  const batches = new Map<string, AnswerRecord[]>();

  const enter = async (name: ActivityName, input: unknown) => {
    calls.push({ name, input: structuredClone(input) });
    const delay = options.delayMs?.[name];
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    const left = failuresLeft.get(name) ?? 0;
    if (left > 0) {
      failuresLeft.set(name, left - 1);
      throw ApplicationFailure.nonRetryable(`injected failure of ${name}`, 'InjectedFailure');
    }
  };
  const metrics = (meanIoU: number) => ({ overallAcc: meanIoU, meanAcc: meanIoU, freqWAcc: meanIoU, meanIoU, classIoU: [meanIoU] });

  const activities: CampaignActivities = {
    async planShards(input) {
      await enter('planShards', input);
      const shards = Math.ceil(images / input.shardSize);
      return { shardKeys: Array.from({ length: shards }, (_, k) => `${input.roundPrefix}shards/shard-${k}.json`), images };
    },
    async classWeights(input) {
      await enter('classWeights', input);
      return { counts: [10, 20, 30], weights: [1, 0.5, 0.25] };
    },
    async scoreShard(input) {
      await enter('scoreShard', input);
      return { recordsKey: input.recordsKey, images: 1, superpixels: 5, provider: 'fake' };
    },
    async selectQueries(input) {
      await enter('selectQueries', input);
      const selected = Math.min(input.budget, options.candidates ?? 1000);
      selectedOf.set(input.roundPrefix, selected);
      return { selectedKey: `${input.roundPrefix}selected.jsonl`, selected };
    },
    async issueQueries(input) {
      await enter('issueQueries', input);
      const round = roundOf(input.roundPrefix);
      const queryIds = Array.from({ length: selectedOf.get(input.roundPrefix) ?? 0 }, (_, i) => `r${round}img${i}/${i + 1}`);
      issued.set(input.roundPrefix, queryIds);
      return { queriesKey: `${input.roundPrefix}queries.jsonl`, queryIds };
    },
    async storeAnswerBatch(input) {
      await enter('storeAnswerBatch', input);
      const batchKey = `${input.roundPrefix}answers/batch-${input.batch}.jsonl`;
      const existing = batches.get(batchKey);
      if (existing && JSON.stringify(existing) !== JSON.stringify(input.answers)) throw ApplicationFailure.nonRetryable(`${batchKey} exists with other answers`, 'ArtifactConflict');
      batches.set(batchKey, input.answers);
      return { batchKey, answers: input.answers.length };
    },
    async expandAnswers(input) {
      await enter('expandAnswers', input);
      const answers = input.answerBatchKeys.flatMap((key) => batches.get(key) ?? []);
      const relabelled = answers.filter((a) => a.answer === 'relabel').length;
      return {
        labelsPrefix: input.outputLabelsPrefix,
        answered: answers.length,
        relabelled,
        pixelsChanged: relabelled * 100,
        changesKey: `${input.roundPrefix}changes.jsonl`,
        queriedKey: `${input.roundPrefix}queried.jsonl`,
      };
    },
    async dataMetrics(input) {
      await enter('dataMetrics', input);
      return { metrics: metrics(0.5 + 0.1 * roundOf(input.labelsPrefix)), images };
    },
    async writeRoundReport(input) {
      await enter('writeRoundReport', input);
      return `${input.roundPrefix}report.json`;
    },
    async trainSegmentationModel(input) {
      await enter('trainSegmentationModel', input);
      return {
        modelKey: `${input.outputPrefix}model.onnx`,
        checkpointKey: `${input.outputPrefix}checkpoint.pt`,
        metricsKey: `${input.outputPrefix}metrics.json`,
        logKey: `${input.outputPrefix}train.log`,
        finalLoss: 0.1,
        epochs: 1,
        trainSeconds: 1,
      };
    },
    async evaluateModel(input) {
      await enter('evaluateModel', input);
      return { metrics: metrics(0.6 + 0.1 * roundOf(input.modelPrefix)), images: 4 };
    },
    async prepareAutoCorrection(input) {
      await enter('prepareAutoCorrection', input);
      const relabelCounts = [0, 2, 1, 0, 3, 0];
      return {
        training: { featuresKey: `${input.outputPrefix}train-features.npy`, labelsKey: `${input.outputPrefix}train-labels.npy`, classWeightsKey: `${input.outputPrefix}class-weights.npy` },
        samples: 8,
        classes: relabelCounts.length,
        relabelCounts,
        classWeights: [0, 0.27, 0.55, 0, 0.18, 0],
      };
    },
    async trainLabelCorrector(input) {
      await enter('trainLabelCorrector', input);
      return { classifierPrefix: input.outputPrefix, modelKey: `${input.outputPrefix}model.onnx`, metricsKey: `${input.outputPrefix}metrics.json`, finalLoss: 0.2, epochs: 1, trainSeconds: 1, samples: 8, trainAccuracy: 0.9 };
    },
    async applyAutoCorrections(input) {
      await enter('applyAutoCorrections', input);
      const corrections = options.autoCorrections ?? 3;
      return { ...(corrections > 0 ? { labelsPrefix: input.outputLabelsPrefix } : {}), corrections, pixelsChanged: corrections * 40, correctionsKey: `${input.roundPrefix}auto-corrections.jsonl` };
    },
  };

  return {
    activities,
    calls,
    batches,
    inputsOf: <N extends ActivityName>(name: N) => calls.filter((c) => c.name === name).map((c) => c.input as Parameters<CampaignActivities[N]>[0]),
    queryIdsOf: (roundPrefix) => issued.get(roundPrefix) ?? [],
  };
}

/**
 * A resolved campaign configuration for tests: one task queue for everything, 6 classes, and A2LC's
 * automatic correction off unless a test asks for it (the tests of the other steps keep the
 * activity sequences they were written for).
 */
export function testCampaignConfig(taskQueue: string, overrides: Partial<CampaignConfigInput> = {}): CampaignConfig {
  return resolveCampaignConfig(
    CampaignConfigSchema.parse({
      name: 'test',
      datasetPrefix: 'datasets/fake/',
      classes: 6,
      rounds: 1,
      budgetPerRound: 5,
      shardSize: 4,
      scoringConcurrency: 2,
      taskQueues: { cpu: taskQueue, gpu: taskQueue },
      retries: { train: 1, gpu: 1, cpu: 1 },
      autoCorrection: { enabled: false },
      ...overrides,
    }),
  );
}
