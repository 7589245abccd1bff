import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { activityInfo, ApplicationFailure, cancellationSignal, heartbeat, log } from '@temporalio/activity';

import { z } from 'zod';
import { REPO_ROOT, VENV_DIR } from '../../common/paths.js';
import type { TrainerConfig } from '../../configs/schema.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { runTrainer } from './run-trainer.js';
import { stageTrainingInputs } from './stage-inputs.js';
import { TRAINER_EXIT, type TrainerEvent } from './trainer-events.js';

export const TrainSegmentationInputSchema = z.object({
  /** Key prefix of the dataset (its manifest.json) in the store. */
  datasetPrefix: z.string(),
  /** Key prefix of the label version to train on (`<id>.png`); absent = the pseudo labels. */
  labelsPrefix: z.string().optional(),
  model: z.object({ config: z.enum(['tiny', 'paper']), outputStride: z.union([z.literal(8), z.literal(16)]).optional() }),
  hyperparameters: z.record(z.string(), z.number()).default({}),
  seed: z.number().int().min(0),
  /** Key of an earlier `checkpoint.pt` to warm-start from (the previous round's). */
  initialCheckpointKey: z.string().optional(),
  /** Where the outputs go: `model.onnx`, `checkpoint.pt`, `train.log`, then `metrics.json`. */
  outputPrefix: z.string().regex(/\/$/, 'must end with "/"'),
});
export type TrainSegmentationInput = z.input<typeof TrainSegmentationInputSchema>;

export interface TrainSegmentationResult {
  modelKey: string;
  checkpointKey: string;
  metricsKey: string;
  logKey: string;
  finalLoss: number;
  epochs: number;
  trainSeconds: number;
}

/** What the next attempt needs to resume: recorded in heartbeat details. */
export interface TrainHeartbeat {
  epoch: number;
  epochs?: number;
  step?: number;
  steps?: number;
  loss?: number;
  etaSeconds?: number | null;
  /** Set once a checkpoint of `epoch` is durable in S3. */
  checkpointKey?: string;
  checkpointEpoch?: number;
}

const MetricsSummarySchema = z.looseObject({ finalLoss: z.number(), epochs: z.number().int(), trainSeconds: z.number() });

/**
 * Where a training job reports to and hears from: Temporal's activity context in a worker, the
 * terminal in `alc train`.
 */
export interface TrainContext {
  /** The last progress an earlier attempt recorded, if any. */
  previous?: TrainHeartbeat;
  report(progress: TrainHeartbeat): void;
  signal: AbortSignal;
  log(message: string, fields?: Record<string, unknown>): void;
}

export interface TrainDependencies {
  store: ArtifactStore;
  trainer: TrainerConfig;
}

/**
 * Trains a segmentation model with the configured trainer and publishes its outputs. Idempotent:
 * a published `metrics.json` means the job is done; otherwise a retry resumes from the last
 * checkpoint that an earlier attempt made durable (the recorded progress, then S3). Failures are
 * ApplicationFailures: bad input is non-retryable and carries the trainer's message.
 */
export async function trainSegmentation(deps: TrainDependencies, rawInput: TrainSegmentationInput, context: TrainContext): Promise<TrainSegmentationResult> {
  // Liveness: staging, interpreter start-up and long epochs print no event for a while, yet the
  // job is alive while this process is. The SDK throttles the actual heartbeat calls.
  let progress: TrainHeartbeat = { ...(context.previous ?? { epoch: 0 }) };
  const keepAlive = setInterval(() => context.report({ ...progress }), KEEP_ALIVE_MS);
  try {
    return await runTrainingJob(deps, rawInput, context, (update) => {
      progress = { ...progress, ...update };
      context.report({ ...progress });
    });
  } finally {
    clearInterval(keepAlive);
  }
}

const KEEP_ALIVE_MS = 1000;

async function runTrainingJob(
  deps: TrainDependencies,
  rawInput: TrainSegmentationInput,
  context: TrainContext,
  record: (update: Partial<TrainHeartbeat>) => void,
): Promise<TrainSegmentationResult> {
  const { store, trainer } = deps;
  const parsed = TrainSegmentationInputSchema.safeParse(rawInput);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`bad train input: ${parsed.error.message}`, 'BadTrainInput');
  const input = parsed.data;
  const keys = {
    model: `${input.outputPrefix}model.onnx`,
    checkpoint: `${input.outputPrefix}checkpoint.pt`,
    log: `${input.outputPrefix}train.log`,
    metrics: `${input.outputPrefix}metrics.json`,
  };
  if (await store.exists(keys.metrics)) return resultOf(keys, await store.getJson(keys.metrics, MetricsSummarySchema));

  // Keyed by the whole job, not just its output key: a later job writing to the same key (a rerun
  // after the outputs were deleted, another deployment) must not find this one's checkpoint.
  const jobKey = createHash('sha256').update(`${store.uri(input.outputPrefix)}\n${JSON.stringify(input)}`).digest('hex').slice(0, 16);
  const workDir = path.join(trainer.workDir ?? path.join(os.tmpdir(), 'alc-trainer'), jobKey);
  const outputDir = path.join(workDir, 'output');
  await mkdir(outputDir, { recursive: true });
  const staged = await stageTrainingInputs(store, { datasetPrefix: input.datasetPrefix, labelsPrefix: input.labelsPrefix, split: 'train' }, workDir);

  // Resume point: this machine's own checkpoint, else the one an earlier attempt made durable.
  const { previous } = context;
  const localCheckpoint = path.join(outputDir, 'checkpoint.pt');
  if (!existsSync(localCheckpoint) && (previous?.checkpointKey || (await store.exists(keys.checkpoint)))) {
    await writeFile(localCheckpoint, await store.getBytes(previous?.checkpointKey ?? keys.checkpoint));
    context.log('resuming training from a checkpoint in S3', { epoch: previous?.checkpointEpoch });
  }
  let initialCheckpoint: string | undefined;
  if (input.initialCheckpointKey) {
    initialCheckpoint = path.join(workDir, 'initial-checkpoint.pt');
    if (!existsSync(initialCheckpoint)) await writeFile(initialCheckpoint, await store.getBytes(input.initialCheckpointKey));
  }

  const spec = {
    version: 1,
    kind: 'segmentation',
    dataset: { root: staged.datasetRoot, manifest: 'manifest.json' },
    ...(staged.labelsDir ? { labels: { dir: staged.labelsDir } } : {}),
    split: 'train',
    model: input.model,
    hyperparameters: input.hyperparameters,
    seed: input.seed,
    ...(initialCheckpoint ? { initialCheckpoint } : {}),
    outputDir,
    device: trainer.device,
  };
  const specPath = path.join(workDir, 'spec.json');
  await writeFile(specPath, `${JSON.stringify(spec, null, 2)}\n`);

  let durableCheckpointEpoch = previous?.checkpointEpoch;
  const checkpoints = new CheckpointUploader(store, keys.checkpoint, localCheckpoint, context, (epoch) => {
    durableCheckpointEpoch = epoch;
    record({ checkpointKey: keys.checkpoint, checkpointEpoch: epoch });
  });
  const onEvent = (event: TrainerEvent) => {
    if (event.event === 'step' || event.event === 'epoch') {
      record({ epoch: event.epoch, epochs: event.epochs, step: event.step, steps: event.steps, loss: event.loss, etaSeconds: event.etaSeconds });
    } else if (event.event === 'checkpoint') {
      checkpoints.upload(event.epoch);
    }
  };
  const exit = await runTrainer({
    command: trainer.command.map((part) => (part === '{python}' ? pythonPath() : part)),
    specPath,
    cwd: REPO_ROOT,
    signal: context.signal,
    killGraceMs: trainer.killGraceSeconds * 1000,
    onEvent,
  });
  await checkpoints.settled();
  if (context.signal.aborted) throw context.signal.reason as Error;
  if (exit.code !== TRAINER_EXIT.ok) {
    const message = exit.errorMessage ?? `trainer exited with ${exit.code ?? exit.signal}: ${exit.stderrTail.slice(-5).join(' | ')}`;
    if (exit.code === TRAINER_EXIT.badInput) throw ApplicationFailure.nonRetryable(message, 'TrainerBadInput');
    throw ApplicationFailure.retryable(message, exit.code === TRAINER_EXIT.transient ? 'TrainerTransient' : 'TrainerCrash');
  }

  const metricsText = await readFile(path.join(outputDir, 'metrics.json'), 'utf8');
  const metrics = MetricsSummarySchema.parse(JSON.parse(metricsText));
  await store.putStream(keys.model, createReadStream(path.join(outputDir, 'model.onnx')));
  if (durableCheckpointEpoch !== metrics.epochs) await store.putStream(keys.checkpoint, createReadStream(localCheckpoint));
  await store.putBytes(keys.log, await readFile(path.join(outputDir, 'train.log')));
  // metrics.json last: its presence means the outputs are complete.
  await store.putBytes(keys.metrics, metricsText, { contentType: 'application/json' });
  return resultOf(keys, metrics);
}

/** The `train` activity of the GPU task queue. */
export function createTrainActivities(deps: TrainDependencies) {
  return {
    trainSegmentationModel(input: TrainSegmentationInput): Promise<TrainSegmentationResult> {
      return trainSegmentation(deps, input, {
        previous: activityInfo().heartbeatDetails as TrainHeartbeat | undefined,
        report: (progress) => {
          heartbeat(progress);
        },
        signal: cancellationSignal(),
        log: (message, fields) => {
          log.info(message, fields);
        },
      });
    },
  };
}

function resultOf(keys: { model: string; checkpoint: string; log: string; metrics: string }, metrics: z.infer<typeof MetricsSummarySchema>): TrainSegmentationResult {
  return {
    modelKey: keys.model,
    checkpointKey: keys.checkpoint,
    logKey: keys.log,
    metricsKey: keys.metrics,
    finalLoss: metrics.finalLoss,
    epochs: metrics.epochs,
    trainSeconds: metrics.trainSeconds,
  };
}

function pythonPath(): string {
  const venvPython = path.join(VENV_DIR, 'bin', 'python');
  return existsSync(venvPython) ? venvPython : 'python3';
}

/**
 * Uploads each new checkpoint while training goes on: one upload at a time, and when several
 * epochs finish during an upload only the newest is sent next.
 */
class CheckpointUploader {
  private inFlight: Promise<void> = Promise.resolve();
  private pendingEpoch: number | undefined;
  private uploading = false;

  constructor(
    private readonly store: ArtifactStore,
    private readonly key: string,
    private readonly file: string,
    private readonly context: Pick<TrainContext, 'log'>,
    private readonly onDurable: (epoch: number) => void,
  ) {}

  upload(epoch: number): void {
    this.pendingEpoch = epoch;
    if (!this.uploading) this.inFlight = this.drain();
  }

  settled(): Promise<void> {
    return this.inFlight;
  }

  private async drain(): Promise<void> {
    this.uploading = true;
    try {
      while (this.pendingEpoch !== undefined) {
        const epoch = this.pendingEpoch;
        this.pendingEpoch = undefined;
        try {
          await this.store.putStream(this.key, createReadStream(this.file));
          this.onDurable(epoch);
        } catch (error) {
          // A failed upload only moves the resume point back; training itself goes on.
          this.context.log('checkpoint upload failed', { epoch, error: (error as Error).message });
        }
      }
    } finally {
      this.uploading = false;
    }
  }
}
