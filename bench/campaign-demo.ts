/**
 * Part A of the campaign benchmark: a demo-sized campaign end to end on the real stack, with the
 * real CPU and GPU workers in this process (real round activities, the reference trainer,
 * onnxruntime scoring), answered by the scripted oracle through the `submitAnswers` update. The
 * timing comes from the workflows' own histories afterwards (campaign-timeline.ts).
 */
import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { roundKeys } from '../activities/round/keys.js';
import { submitAnswerBatches } from '../cli/commands/campaign.js';
import { CampaignConfigSchema, resolveCampaignConfig } from '../configs/campaign.js';
import { roundWorkflowId, WORKFLOW_TYPES } from '../configs/constants.js';
import type { ConnectionConfig } from '../configs/schema.js';
import { connectClient } from '../connections/temporal.js';
import { readManifest } from '../datasets/manifest-file.js';
import { generateSyntheticDataset } from '../datasets/synthetic/generate.js';
import { ArtifactStore } from '../storage/artifact-store.js';
import { createS3Client } from '../storage/s3-client.js';
import { S3Location } from '../storage/s3-location.js';
import { createCpuWorker } from '../workers/cpu.js';
import { createGpuWorker } from '../workers/gpu.js';
import type { campaignWorkflow } from '../workflows/campaign.js';
import { roundProgressQuery, statusQuery } from '../workflows/messages.js';
import { roundPrefixOf, type roundWorkflow } from '../workflows/round.js';
import { oracleAnswersForRound } from './campaign-oracle.js';
import { waitFor } from './campaign-poll.js';
import { workflowRuns } from './campaign-runs.js';
import { roundTimingOf, type RoundTiming } from './campaign-timeline.js';

export interface DemoCampaignOptions {
  images: number;
  rounds: number;
  budget: number;
  epochs: number;
  seed: number;
}

export interface DemoRoundResult extends RoundTiming {
  round: number;
  queries: number;
  answered: number;
  dataMIoU: number | null;
  modelMIoU: number | null;
  /** The scripted annotator's own time (reading S3, the oracle, the updates). */
  answererMs: number;
}

export interface DemoCampaignResult {
  options: DemoCampaignOptions;
  campaignId: string;
  datasetSeconds: number;
  /** First campaign run's start → last run's close. */
  campaignWallMs: number;
  campaignRuns: number;
  /** Campaign wall − the rounds' wall: child starts, continue-as-new between rounds. */
  betweenRoundsMs: number;
  rounds: DemoRoundResult[];
  /** Over all rounds: overhead / (wall − annotation). */
  overheadFraction: number;
}

/** Answers per `submitAnswers` update, as an annotation client would send them. */
const ANSWER_BATCH = 20;
const ANNOTATOR = 'bench-oracle';
/** A round of the demo size trains, scores and renders in minutes on 2 cores; this only bounds a hang. */
const ROUND_TIMEOUT_MS = 30 * 60_000;

async function answerRound(client: Client, store: ArtifactStore, campaignId: string, round: number, config: ReturnType<typeof resolveCampaignConfig>): Promise<number> {
  const handle = client.workflow.getHandle<typeof roundWorkflow>(roundWorkflowId(campaignId, round));
  const progress = await waitFor(
    `round ${round} to wait for answers`,
    async () => {
      // Not started yet (the campaign is still in the round before) reads as "not yet".
      const now = await handle.query(roundProgressQuery).catch(() => undefined);
      if (now === undefined) {
        const campaign = await client.workflow.getHandle(campaignId).describe();
        if (campaign.status.name !== 'RUNNING') throw new Error(`campaign ${campaignId} is ${campaign.status.name} before round ${round} asked anything`);
        return undefined;
      }
      if (now.status === 'waiting-for-operator') throw new Error(`round ${round} step ${now.failure?.step} failed: ${now.failure?.message}`);
      return now.status === 'awaiting-answers' ? now : undefined;
    },
    ROUND_TIMEOUT_MS,
    1000,
  );
  const started = performance.now();
  const campaign = await client.workflow.getHandle<typeof campaignWorkflow>(campaignId).query(statusQuery);
  const roundPrefix = roundPrefixOf(campaignId, round);
  const answers = await oracleAnswersForRound(store, {
    datasetPrefix: config.datasetPrefix,
    labelsPrefix: campaign.labelsPrefix,
    roundPrefix,
    queriesKey: roundKeys.queries(roundPrefix),
    mode: config.mode,
    tau: config.tau,
    annotator: ANNOTATOR,
  });
  if (answers.length !== progress.queries) throw new Error(`round ${round}: ${progress.queries} queries issued, queries.jsonl holds ${answers.length}`);
  const result = await submitAnswerBatches(handle, round, answers, ANSWER_BATCH);
  if (result.accepted !== answers.length) throw new Error(`round ${round}: ${result.accepted} of ${answers.length} answers accepted (${result.outcomes.find((o) => o.outcome === 'rejected')?.reason ?? 'no reason'})`);
  return performance.now() - started;
}

export async function runDemoCampaign(connection: ConnectionConfig, options: DemoCampaignOptions, log: (line: string) => void): Promise<DemoCampaignResult> {
  const store = new ArtifactStore(createS3Client(connection.s3), connection.s3.bucket, connection.s3.prefix);
  const datasetPrefix = 'datasets/bench-demo/';
  const generationStarted = performance.now();
  await generateSyntheticDataset({ images: options.images, seed: options.seed }, new S3Location(store.at(datasetPrefix)));
  const datasetSeconds = (performance.now() - generationStarted) / 1000;
  log(`demo: ${options.images} synthetic images in ${datasetSeconds.toFixed(1)} s`);

  const config = resolveCampaignConfig(
    CampaignConfigSchema.parse({
      name: 'bench',
      datasetPrefix,
      rounds: options.rounds,
      budgetPerRound: options.budget,
      mode: 'alc',
      seed: options.seed,
      trainer: { model: { config: 'tiny' }, hyperparameters: { epochs: options.epochs }, seed: options.seed, warmStart: true },
      // As the demo campaign (configs/campaign-demo.yaml).
      shardSize: 20,
      scoringConcurrency: 2,
      annotation: { deadline: '1 day', reminderEvery: '1 day' },
      taskQueues: { cpu: 'bench-cpu', gpu: 'bench-gpu' },
    }),
    (await readManifest(new S3Location(store.at(datasetPrefix)))).classes.map((c) => c.id),
  );
  const campaignId = `bench-${Date.now()}`;
  const workerConnection = await NativeConnection.connect({ address: connection.temporal.address });
  const client = await connectClient(connection.temporal);
  const workerConfig = { ...connection, taskQueues: config.taskQueues };
  try {
    const cpu = await createCpuWorker({ config: workerConfig, connection: workerConnection });
    const gpu = await createGpuWorker({ config: workerConfig, connection: workerConnection });
    const answererMs = new Map<number, number>();
    await cpu.runUntil(
      gpu.runUntil(async () => {
        const handle = await client.workflow.start<typeof campaignWorkflow>(WORKFLOW_TYPES.campaign, { workflowId: campaignId, taskQueue: config.taskQueues.cpu, args: [{ campaignId, config }] });
        for (let round = 1; round <= options.rounds; round++) {
          answererMs.set(round, await answerRound(client, store, campaignId, round, config));
          log(`demo: round ${round} answered`);
        }
        await handle.result();
      }),
    );

    const result = await client.workflow.getHandle<typeof campaignWorkflow>(campaignId).result();
    const rounds: DemoRoundResult[] = [];
    for (const summary of result.rounds) {
      const runs = await workflowRuns(client, roundWorkflowId(campaignId, summary.round));
      rounds.push({
        round: summary.round,
        queries: summary.queries,
        answered: summary.answered,
        dataMIoU: summary.dataMIoU,
        modelMIoU: summary.modelMIoU,
        answererMs: answererMs.get(summary.round) ?? 0,
        ...roundTimingOf(runs.map((run) => run.timeline)),
      });
    }
    const campaignRuns = await workflowRuns(client, campaignId);
    const campaignWallMs = (campaignRuns[campaignRuns.length - 1].timeline.closeMs ?? 0) - campaignRuns[0].timeline.startMs;
    const machineMs = rounds.reduce((sum, r) => sum + r.wallMs - r.annotationMs, 0);
    return {
      options,
      campaignId,
      datasetSeconds,
      campaignWallMs,
      campaignRuns: campaignRuns.length,
      betweenRoundsMs: campaignWallMs - rounds.reduce((sum, r) => sum + r.wallMs, 0),
      rounds,
      overheadFraction: rounds.reduce((sum, r) => sum + r.overheadMs, 0) / machineMs,
    };
  } finally {
    await client.connection.close();
    await workerConnection.close();
  }
}
