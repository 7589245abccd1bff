import { Worker, type NativeConnection } from '@temporalio/worker';
import { createCpuActivities } from '../activities/index.js';
import { createAutoCorrectActivities } from '../activities/round/auto-correct.js';
import { createRoundActivities } from '../activities/round/index.js';
import type { ConnectionConfig } from '../configs/schema.js';
import { activityObservability } from '../observability/activity-interceptor.js';
import type { WorkerMetrics } from '../observability/worker-metrics.js';
import { ArtifactStore } from '../storage/artifact-store.js';
import { createS3Client } from '../storage/s3-client.js';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from './workflow-bundle.js';

export interface CpuWorkerOptions {
  config: ConnectionConfig;
  connection: NativeConnection;
  /** Time running activities get to finish on SIGTERM before they are cancelled. */
  shutdownGraceTime?: string;
  maxConcurrentActivities?: number;
  /** Where activity attempts are counted and timed (the worker process's `/metrics`); absent = not measured. */
  metrics?: WorkerMetrics;
}

/**
 * The CPU worker: every workflow (campaign, round, stack check), and the activities that need no
 * GPU (a round's plan, class weights, select, issue, answer batches, expand, metrics, report). Any
 * number of them may run on any machines; they share the task queue.
 */
export async function createCpuWorker(options: CpuWorkerOptions): Promise<Worker> {
  const { config } = options;
  const store = new ArtifactStore(createS3Client(config.s3), config.s3.bucket, config.s3.prefix);
  return Worker.create({
    connection: options.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.taskQueues.cpu,
    workflowsPath: WORKFLOWS_PATH,
    activities: { ...createCpuActivities({ store }), ...createRoundActivities({ store }), ...createAutoCorrectActivities({ store }) },
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 4,
    shutdownGraceTime: options.shutdownGraceTime ?? '30 seconds',
    interceptors: { activity: [activityObservability(options.metrics)], workflowModules: WORKFLOW_INTERCEPTOR_MODULES },
  });
}
