/**
 * Part B of the campaign benchmark: one round's plan → score → select → issue over a large train
 * split, with the scoring simulated (campaign-simulated-scoring.ts: no model) and everything else
 * real: the round workflow, the CPU worker and its activities, S3. The workers run in a child
 * process (campaign-fanout-worker.ts) whose peak RSS is measured; the round is cancelled once it
 * waits for answers (the steps after it would train a model).
 *
 * The dataset: a real synthetic dataset of a few dozen small images, and a manifest of N items
 * that reuse its files in turn (item i → image i mod pool). Every item is read from S3 as usual
 * (its labels and superpixels), and the simulated soft labels are seeded by the item id, so no
 * two items score alike; generating N distinct images (about 150-200 per second here) would
 * dominate the run without changing what is measured.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { CampaignConfigSchema, resolveCampaignConfig } from '../configs/campaign.js';
import { roundWorkflowId, WORKFLOW_TYPES } from '../configs/constants.js';
import type { ConnectionConfig } from '../configs/schema.js';
import { connectClient } from '../connections/temporal.js';
import type { DatasetItem } from '../datasets/manifest.js';
import { readManifest, writeManifest } from '../datasets/manifest-file.js';
import { generateSyntheticDataset } from '../datasets/synthetic/generate.js';
import { DatasetReader } from '../inference/dataset-reader.js';
import { ArtifactStore } from '../storage/artifact-store.js';
import { createS3Client } from '../storage/s3-client.js';
import { S3Location } from '../storage/s3-location.js';
import { roundProgressQuery } from '../workflows/messages.js';
import type { RoundInput, roundWorkflow } from '../workflows/round.js';
import type { FanoutWorkerJob, FanoutWorkerMessage } from './campaign-fanout-worker.js';
import { waitFor } from './campaign-poll.js';
import { workflowRuns } from './campaign-runs.js';
import { FINISH_STEP, roundTimingOf, type StepTiming } from './campaign-timeline.js';

export interface FanoutOptions {
  images: number;
  shardSize: number;
  scoringConcurrency: number;
  budget: number;
  seed: number;
}

export interface FanoutRun {
  runId: string;
  status: string;
  historyLength: number;
  historySizeBytes: number | null;
}

export interface FanoutResult {
  options: FanoutOptions;
  poolImages: number;
  width: number;
  height: number;
  classes: number;
  shards: number;
  queries: number;
  /** Round start → queries issued (plan, score, select, issue). */
  wallMs: number;
  busyMs: number;
  overheadMs: number;
  imagesPerSecond: number;
  /** Score step only. */
  scoreImagesPerSecond: number;
  steps: StepTiming[];
  runs: FanoutRun[];
  continueAsNew: number;
  historyLength: number;
  historySizeBytes: number | null;
  /** The worker process: peak at start-up (workflow bundling) and during the round. */
  worker: Omit<Extract<FanoutWorkerMessage, { type: 'stopped' }>, 'type'>;
  manifest: { bytes: number; readMs: number };
  datasetSeconds: number;
}

/** Distinct images behind the N items. */
const POOL_IMAGES = 64;
const WIDTH = 64;
const HEIGHT = 48;
const CLASSES = 6;
/** Bounds a hang; 100,000 images take minutes here. */
const ROUND_TIMEOUT_MS = 60 * 60_000;

/** The N-item manifest over the pool's files, written over the pool's own manifest. */
async function writeFanoutDataset(store: ArtifactStore, datasetPrefix: string, images: number, seed: number): Promise<void> {
  const location = new S3Location(store.at(datasetPrefix));
  await generateSyntheticDataset({ images: POOL_IMAGES, seed, width: WIDTH, height: HEIGHT, classes: CLASSES, valFraction: 0, name: 'fanout-pool' }, location);
  const pool = await readManifest(location);
  const items: DatasetItem[] = Array.from({ length: images }, (_, i) => {
    const { image, pseudoLabel, superpixels, groundTruth } = pool.items[i % pool.items.length];
    return { id: `fan-${String(i + 1).padStart(6, '0')}`, image, pseudoLabel, superpixels, groundTruth, split: 'train' };
  });
  await writeManifest(location, {
    ...pool,
    name: 'fanout',
    items,
    provenance: { ...pool.provenance, importer: 'bench-campaign', source: `${images} items over the ${pool.items.length} images of: ${pool.provenance.source}` },
  });
}

function startWorkers(job: FanoutWorkerJob): { child: ChildProcess; message: (type: FanoutWorkerMessage['type']) => Promise<FanoutWorkerMessage> } {
  const child = fork(path.join(import.meta.dirname, 'campaign-fanout-worker.ts'), [JSON.stringify(job)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const message = (type: FanoutWorkerMessage['type']) =>
    new Promise<FanoutWorkerMessage>((resolve, reject) => {
      const onMessage = (m: FanoutWorkerMessage) => {
        if (m.type === 'failed') reject(new Error(`fan-out worker failed: ${m.message}`));
        else if (m.type === type) resolve(m);
        else return;
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const onExit = (code: number | null) => reject(new Error(`fan-out worker exited (${code}) before "${type}"`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  return { child, message };
}

export async function runFanout(connection: ConnectionConfig, options: FanoutOptions, log: (line: string) => void): Promise<FanoutResult> {
  const store = new ArtifactStore(createS3Client(connection.s3), connection.s3.bucket, connection.s3.prefix);
  const datasetPrefix = `datasets/bench-fanout-${options.images}/`;
  const generationStarted = performance.now();
  await writeFanoutDataset(store, datasetPrefix, options.images, options.seed);
  const datasetSeconds = (performance.now() - generationStarted) / 1000;
  // What the real scoreShard pays per shard (it opens the dataset for each); the simulated one, once.
  const manifestBytes = (await store.getBytes(`${datasetPrefix}manifest.json`)).byteLength;
  const readStarted = performance.now();
  await DatasetReader.open(new S3Location(store.at(datasetPrefix)));
  const manifestReadMs = performance.now() - readStarted;
  log(`fan-out: dataset of ${options.images} items in ${datasetSeconds.toFixed(1)} s (manifest ${(manifestBytes / 1e6).toFixed(1)} MB, read in ${manifestReadMs.toFixed(0)} ms)`);

  const taskQueues = { cpu: 'bench-fanout-cpu', gpu: 'bench-fanout-gpu' };
  const config = resolveCampaignConfig(
    CampaignConfigSchema.parse({
      name: 'bench-fanout',
      datasetPrefix,
      classes: CLASSES,
      rounds: 1,
      budgetPerRound: options.budget,
      mode: 'alc',
      seed: options.seed,
      shardSize: options.shardSize,
      scoringConcurrency: options.scoringConcurrency,
      annotation: { deadline: '1 day', reminderEvery: '1 day' },
      taskQueues,
    }),
  );
  // Only the fields of the schema: the AWS SDK marks the credentials objects it has used.
  const credentials = connection.s3.staticCredentials;
  const s3 = { ...connection.s3, staticCredentials: credentials && { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey } };
  const { child, message } = startWorkers({ connection: { ...connection, s3, taskQueues }, scoringSlots: options.scoringConcurrency, seed: options.seed });
  const ready = message('ready');
  ready.catch(() => undefined); // awaited below; the handler keeps an early failure from being "unhandled"
  const client = await connectClient(connection.temporal);
  try {
    await ready;
    const campaignId = `bench-fanout-${Date.now()}`;
    const input: RoundInput = { campaignId, round: 1, config, modelPrefix: 'models/simulated/' };
    const handle = await client.workflow.start<typeof roundWorkflow>(WORKFLOW_TYPES.round, { workflowId: roundWorkflowId(campaignId, 1), taskQueue: taskQueues.cpu, args: [input] });
    let shown = '';
    const issued = await waitFor(
      'the round to issue its queries',
      async () => {
        const progress = await handle.query(roundProgressQuery).catch(() => undefined);
        if (progress === undefined) {
          const { status } = await handle.describe();
          if (status.name !== 'RUNNING') throw new Error(`the round is ${status.name}`);
          return undefined;
        }
        if (progress.status === 'waiting-for-operator') throw new Error(`step ${progress.failure?.step} failed: ${progress.failure?.message}`);
        const now = `${progress.step}${progress.stepProgress ? ` ${progress.stepProgress.done}/${progress.stepProgress.total}` : ''} (run ${progress.runs})`;
        if (now !== shown) log(`fan-out: ${now}`);
        shown = now;
        return progress.status === 'awaiting-answers' ? progress : undefined;
      },
      ROUND_TIMEOUT_MS,
      2000,
    );
    await handle.cancel();
    await handle.result().catch(() => undefined);

    const stoppedMessage = message('stopped');
    child.send({ type: 'stop' });
    const stopped = await stoppedMessage;
    if (stopped.type !== 'stopped') throw new Error('unexpected message from the fan-out worker');

    const runs = await workflowRuns(client, handle.workflowId);
    const timing = roundTimingOf(runs.map((run) => run.timeline));
    const steps = timing.steps.filter((s) => s.step !== FINISH_STEP);
    const wallMs = steps.reduce((sum, s) => sum + s.wallMs, 0);
    const busyMs = steps.reduce((sum, s) => sum + s.busyMs, 0);
    const score = steps.find((s) => s.step === 'score');
    const sizes = runs.map((run) => run.historySizeBytes);
    return {
      options,
      poolImages: POOL_IMAGES,
      width: WIDTH,
      height: HEIGHT,
      classes: CLASSES,
      shards: Math.ceil(options.images / options.shardSize),
      queries: issued.queries,
      wallMs,
      busyMs,
      overheadMs: wallMs - busyMs,
      imagesPerSecond: options.images / (wallMs / 1000),
      scoreImagesPerSecond: score ? options.images / (score.wallMs / 1000) : 0,
      steps,
      runs: runs.map((run) => ({ runId: run.runId, status: run.status, historyLength: run.historyLength, historySizeBytes: run.historySizeBytes ?? null })),
      continueAsNew: runs.length - 1,
      historyLength: runs.reduce((sum, run) => sum + run.historyLength, 0),
      historySizeBytes: sizes.every((s) => s !== undefined) ? sizes.reduce((sum, s) => sum + s, 0) : null,
      worker: (({ type: _, ...worker }) => worker)(stopped),
      manifest: { bytes: manifestBytes, readMs: manifestReadMs },
      datasetSeconds,
    };
  } finally {
    await client.connection.close();
    if (child.exitCode === null) child.kill('SIGTERM');
  }
}
