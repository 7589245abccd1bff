/**
 * One job of the trainer contract (trainer/CONTRACT.md) run as an activity, whatever its kind:
 * inputs staged from S3 onto local disk, the trainer run with its progress heartbeated, each
 * checkpoint uploaded as it lands so a retry on another worker resumes from it, bad-input exits
 * turned into non-retryable failures carrying the trainer's message, and the outputs published
 * with `metrics.json` last (its presence means the job is done).
 */
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
import { TRAINER_EXIT, type TrainerEvent } from './trainer-events.js';

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

/** The context of a training activity: heartbeats carry the progress a retry resumes from. */
export function activityTrainContext(): TrainContext {
  return {
    previous: activityInfo().heartbeatDetails as TrainHeartbeat | undefined,
    report: (progress) => {
      heartbeat(progress);
    },
    signal: cancellationSignal(),
    log: (message, fields) => {
      log.info(message, fields);
    },
  };
}

export interface TrainDependencies {
  store: ArtifactStore;
  trainer: TrainerConfig;
}

/** The part of `metrics.json` every job kind writes. */
export const MetricsSummarySchema = z.looseObject({ finalLoss: z.number(), epochs: z.number().int(), trainSeconds: z.number() });
export type MetricsSummary = z.infer<typeof MetricsSummarySchema>;

export interface TrainerJobKeys {
  model: string;
  checkpoint: string;
  log: string;
  metrics: string;
}

export interface TrainerJob {
  /** The validated activity input: it keys the job's scratch directory (a different job never finds this one's checkpoint). */
  input: unknown;
  /** Where the outputs go (ends with `/`). */
  outputPrefix: string;
  /** Stages the inputs under `workDir` and returns the job spec, less `outputDir` and `device`. */
  stage(workDir: string): Promise<Record<string, unknown>>;
}

export interface TrainerJobResult {
  keys: TrainerJobKeys;
  /** `metrics.json` as the trainer wrote it. */
  metrics: MetricsSummary;
}

const KEEP_ALIVE_MS = 1000;

/**
 * Runs a trainer job and publishes its outputs. Idempotent: a published `metrics.json` means the
 * job is done; otherwise a retry resumes from the last checkpoint that an earlier attempt made
 * durable (the recorded progress, then S3).
 */
export async function runTrainerJob(deps: TrainDependencies, job: TrainerJob, context: TrainContext): Promise<TrainerJobResult> {
  // Liveness: staging, interpreter start-up and long epochs print no event for a while, yet the
  // job is alive while this process is. The SDK throttles the actual heartbeat calls.
  let progress: TrainHeartbeat = { ...(context.previous ?? { epoch: 0 }) };
  const keepAlive = setInterval(() => context.report({ ...progress }), KEEP_ALIVE_MS);
  try {
    return await runJob(deps, job, context, (update) => {
      progress = { ...progress, ...update };
      context.report({ ...progress });
    });
  } finally {
    clearInterval(keepAlive);
  }
}

async function runJob(deps: TrainDependencies, job: TrainerJob, context: TrainContext, record: (update: Partial<TrainHeartbeat>) => void): Promise<TrainerJobResult> {
  const { store, trainer } = deps;
  const keys: TrainerJobKeys = {
    model: `${job.outputPrefix}model.onnx`,
    checkpoint: `${job.outputPrefix}checkpoint.pt`,
    log: `${job.outputPrefix}train.log`,
    metrics: `${job.outputPrefix}metrics.json`,
  };
  if (await store.exists(keys.metrics)) return { keys, metrics: await store.getJson(keys.metrics, MetricsSummarySchema) };

  // Keyed by the whole job, not just its output key: a later job writing to the same key (a rerun
  // after the outputs were deleted, another deployment) must not find this one's checkpoint.
  const jobKey = createHash('sha256').update(`${store.uri(job.outputPrefix)}\n${JSON.stringify(job.input)}`).digest('hex').slice(0, 16);
  const workDir = path.join(trainer.workDir ?? path.join(os.tmpdir(), 'alc-trainer'), jobKey);
  const outputDir = path.join(workDir, 'output');
  await mkdir(outputDir, { recursive: true });
  const staged = await job.stage(workDir);

  // Resume point: this machine's own checkpoint, else the one an earlier attempt made durable.
  const { previous } = context;
  const localCheckpoint = path.join(outputDir, 'checkpoint.pt');
  if (!existsSync(localCheckpoint) && (previous?.checkpointKey || (await store.exists(keys.checkpoint)))) {
    await writeFile(localCheckpoint, await store.getBytes(previous?.checkpointKey ?? keys.checkpoint));
    context.log('resuming training from a checkpoint in S3', { epoch: previous?.checkpointEpoch });
  }

  const specPath = path.join(workDir, 'spec.json');
  await writeFile(specPath, `${JSON.stringify({ ...staged, outputDir, device: trainer.device }, null, 2)}\n`);

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
  return { keys, metrics };
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
