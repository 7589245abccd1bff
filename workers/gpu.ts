import { Worker, type NativeConnection } from '@temporalio/worker';
import { createInferenceActivities } from '../activities/inference/index.js';
import { createLabelCorrectorActivities } from '../activities/train/train-label-corrector.js';
import { createTrainActivities } from '../activities/train/train-segmentation.js';
import type { ConnectionConfig } from '../configs/schema.js';
import { activityObservability } from '../observability/activity-interceptor.js';
import type { WorkerMetrics } from '../observability/worker-metrics.js';
import { ArtifactStore } from '../storage/artifact-store.js';
import { createS3Client } from '../storage/s3-client.js';

export interface GpuWorkerOptions {
  config: ConnectionConfig;
  connection: NativeConnection;
  /** One activity at a time per GPU: a second training job would only fight for its memory. */
  maxConcurrentActivities?: number;
  shutdownGraceTime?: string;
  /** Where activity attempts are counted and timed (the worker process's `/metrics`); absent = not measured. */
  metrics?: WorkerMetrics;
}

/**
 * The GPU worker: training and inference activities only (no workflows), one slot per GPU. Run one
 * process per GPU (CUDA_VISIBLE_DEVICES) on as many machines as there are.
 */
export async function createGpuWorker(options: GpuWorkerOptions): Promise<Worker> {
  const { config } = options;
  const store = new ArtifactStore(createS3Client(config.s3), config.s3.bucket, config.s3.prefix);
  return Worker.create({
    connection: options.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.taskQueues.gpu,
    activities: {
      ...createTrainActivities({ store, trainer: config.trainer }),
      ...createLabelCorrectorActivities({ store, trainer: config.trainer }),
      ...createInferenceActivities({ store, inference: config.inference }),
    },
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 1,
    // Long enough for a training job to write its checkpoint after SIGTERM.
    shutdownGraceTime: options.shutdownGraceTime ?? '2 minutes',
    interceptors: { activity: [activityObservability(options.metrics)] },
  });
}
