/**
 * The product metrics of a worker process, in a registry of its own (served on `/metrics` with
 * Node's process metrics). Names and labels are documented in observability/README.md, which
 * dashboards and alert rules rely on: add metrics, do not rename them.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const ACTIVITY_LABELS = ['activity_type', 'task_queue'] as const;
const ROUND_LABELS = ['campaign', 'round'] as const;

/** Attempts range from a 10 ms S3 write to a multi-hour training job. */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400];

export type ActivityOutcome = 'completed' | 'failed' | 'cancelled';
export type ActivityFailureKind = 'retryable' | 'non_retryable' | 'cancelled';

export class WorkerMetrics {
  readonly registry: Registry;

  readonly activityStarted: Counter<(typeof ACTIVITY_LABELS)[number]>;
  readonly activityFailed: Counter<(typeof ACTIVITY_LABELS)[number] | 'kind'>;
  readonly activityDuration: Histogram<(typeof ACTIVITY_LABELS)[number] | 'outcome'>;
  readonly activityRunning: Gauge<(typeof ACTIVITY_LABELS)[number]>;

  readonly queriesIssued: Counter<'campaign'>;
  readonly answersAccepted: Counter<'campaign' | 'answer'>;
  readonly superpixelsRelabelled: Counter<'campaign'>;
  readonly pixelsChanged: Counter<'campaign'>;

  readonly roundQueries: Gauge<(typeof ROUND_LABELS)[number]>;
  readonly roundAnswered: Gauge<(typeof ROUND_LABELS)[number]>;
  readonly roundPixelsChanged: Gauge<(typeof ROUND_LABELS)[number]>;
  readonly roundDataMIoU: Gauge<(typeof ROUND_LABELS)[number]>;
  readonly roundModelMIoU: Gauge<(typeof ROUND_LABELS)[number]>;

  readonly scoredImages: Counter<'task_queue'>;
  readonly scoredSuperpixels: Counter<'task_queue'>;
  readonly scoringImagesPerSecond: Gauge<'task_queue'>;

  readonly trainingEpoch: Gauge<(typeof ROUND_LABELS)[number]>;
  readonly trainingEpochs: Gauge<(typeof ROUND_LABELS)[number]>;
  readonly trainingStep: Gauge<(typeof ROUND_LABELS)[number]>;
  readonly trainingSteps: Gauge<(typeof ROUND_LABELS)[number]>;
  readonly trainingLoss: Gauge<(typeof ROUND_LABELS)[number]>;

  /** `processMetrics: false` leaves Node's process metrics out (tests that read only these). */
  constructor(options: { processMetrics?: boolean } = {}) {
    this.registry = new Registry();
    const registers = [this.registry];
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    this.activityStarted = new Counter({ name: 'alc_activity_started_total', help: 'Activity attempts started on this worker.', labelNames: ACTIVITY_LABELS, registers });
    this.activityFailed = new Counter({
      name: 'alc_activity_failed_total',
      help: 'Activity attempts that failed, by kind: retryable, non_retryable, cancelled.',
      labelNames: [...ACTIVITY_LABELS, 'kind'],
      registers,
    });
    this.activityDuration = new Histogram({
      name: 'alc_activity_duration_seconds',
      help: 'Wall time of activity attempts, by outcome: completed, failed, cancelled.',
      labelNames: [...ACTIVITY_LABELS, 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.activityRunning = new Gauge({ name: 'alc_activity_running', help: 'Activity attempts running now.', labelNames: ACTIVITY_LABELS, registers });

    this.queriesIssued = new Counter({ name: 'alc_queries_issued_total', help: 'Correction queries issued.', labelNames: ['campaign'], registers });
    this.answersAccepted = new Counter({
      name: 'alc_answers_accepted_total',
      help: 'Answers accepted by a round and stored, by answer: correct, relabel, skip.',
      labelNames: ['campaign', 'answer'],
      registers,
    });
    this.superpixelsRelabelled = new Counter({ name: 'alc_superpixels_relabelled_total', help: 'Relabel answers expanded into a new label version.', labelNames: ['campaign'], registers });
    this.pixelsChanged = new Counter({ name: 'alc_pixels_changed_total', help: 'Label pixels changed by expanding answers.', labelNames: ['campaign'], registers });

    const roundGauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ROUND_LABELS, registers });
    this.roundQueries = roundGauge('alc_round_queries', 'Queries of a finished round.');
    this.roundAnswered = roundGauge('alc_round_answered', 'Answered queries of a finished round.');
    this.roundPixelsChanged = roundGauge('alc_round_pixels_changed', 'Label pixels changed by a finished round.');
    this.roundDataMIoU = roundGauge('alc_round_data_miou', 'Data mIoU (working labels vs ground truth, 0..1) after a round.');
    this.roundModelMIoU = roundGauge('alc_round_model_miou', "Model mIoU on the validation split (0..1) of a round's model.");

    this.scoredImages = new Counter({ name: 'alc_scored_images_total', help: 'Images run through fused inference and scoring.', labelNames: ['task_queue'], registers });
    this.scoredSuperpixels = new Counter({ name: 'alc_scored_superpixels_total', help: 'Superpixel records written by scoring.', labelNames: ['task_queue'], registers });
    this.scoringImagesPerSecond = new Gauge({
      name: 'alc_scoring_images_per_second',
      help: 'Throughput of the last shard this worker scored.',
      labelNames: ['task_queue'],
      registers,
    });

    this.trainingEpoch = roundGauge('alc_training_epoch', 'Epoch of the running training job.');
    this.trainingEpochs = roundGauge('alc_training_epochs', 'Epochs the running training job will train.');
    this.trainingStep = roundGauge('alc_training_step', 'Step within the epoch of the running training job.');
    this.trainingSteps = roundGauge('alc_training_steps', 'Steps per epoch of the running training job.');
    this.trainingLoss = roundGauge('alc_training_loss', 'Last reported loss of the running training job.');
  }

  /** The Prometheus exposition text and its content type. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
