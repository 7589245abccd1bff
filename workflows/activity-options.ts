/**
 * The activity proxies of a round: one per kind of step, each with explicit timeouts and a retry
 * policy taken from the campaign configuration (so they are built inside the workflow function,
 * from its input). Activities are imported as types only: workflows never load their code.
 */
import { ActivityCancellationType, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { createInferenceActivities } from '../activities/inference/index.js';
import type { createAutoCorrectActivities } from '../activities/round/auto-correct.js';
import type { createRoundActivities } from '../activities/round/index.js';
import type { createLabelCorrectorActivities } from '../activities/train/train-label-corrector.js';
import type { createTrainActivities } from '../activities/train/train-segmentation.js';
import type { CampaignConfig } from '../configs/campaign.js';

export type RoundActivities = ReturnType<typeof createRoundActivities>;
export type InferenceActivities = ReturnType<typeof createInferenceActivities>;
export type TrainActivities = ReturnType<typeof createTrainActivities> & ReturnType<typeof createLabelCorrectorActivities>;
/** A2LC automatic correction's CPU activities (the classifier itself trains with TrainActivities). */
export type AutoCorrectActivities = ReturnType<typeof createAutoCorrectActivities>;
/** Every activity a campaign calls, by name (what a test's fake activities implement). */
export type CampaignActivities = RoundActivities & InferenceActivities & TrainActivities & AutoCorrectActivities;

/** Failures that no retry can fix: the activities' bad-input and write-once conflicts. */
export const NON_RETRYABLE_ERROR_TYPES = [
  'BadInput',
  'ArtifactConflict',
  'InputError',
  'NotFoundError',
  'ZodError',
  'BadTrainInput',
  'TrainerBadInput',
];

export function roundActivityProxies(config: Pick<CampaignConfig, 'timeouts' | 'retries' | 'taskQueues'>) {
  const { timeouts, retries, taskQueues } = config;
  const cpuRetry = {
    maximumAttempts: retries.cpu,
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  };
  const heartbeating: ActivityOptions = {
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  };
  // CPU steps that report progress (one heartbeat per image): a stuck worker is noticed early.
  const cpu = proxyActivities<RoundActivities>({
    ...heartbeating,
    taskQueue: taskQueues.cpu,
    startToCloseTimeout: timeouts.cpuStep,
    heartbeatTimeout: timeouts.cpuHeartbeat,
    retry: cpuRetry,
  });
  // A2LC automatic correction around the classifier's training: per-image work that heartbeats.
  const autoCorrect = proxyActivities<AutoCorrectActivities>({
    ...heartbeating,
    taskQueue: taskQueues.cpu,
    startToCloseTimeout: timeouts.cpuStep,
    heartbeatTimeout: timeouts.cpuHeartbeat,
    retry: cpuRetry,
  });
  // Short CPU steps that do not heartbeat (plan, report).
  const cpuShort = proxyActivities<Pick<RoundActivities, 'planShards' | 'writeRoundReport'>>({
    taskQueue: taskQueues.cpu,
    startToCloseTimeout: timeouts.cpuStep,
    retry: cpuRetry,
  });
  // Runs inside the submitAnswers update while the annotator waits: short timeout, few quick retries.
  const answers = proxyActivities<Pick<RoundActivities, 'storeAnswerBatch'>>({
    taskQueue: taskQueues.cpu,
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 5, initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
  });
  // Inference (scoring shards, evaluation) on the GPU queue.
  const gpu = proxyActivities<InferenceActivities>({
    ...heartbeating,
    taskQueue: taskQueues.gpu,
    startToCloseTimeout: timeouts.gpuStep,
    heartbeatTimeout: timeouts.gpuHeartbeat,
    retry: { maximumAttempts: retries.gpu, initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
  });
  // Training (segmentation models and A2LC's classifier): long, resumable from its checkpoint (heartbeat details), few attempts.
  const train = proxyActivities<TrainActivities>({
    ...heartbeating,
    taskQueue: taskQueues.gpu,
    startToCloseTimeout: timeouts.train,
    heartbeatTimeout: timeouts.trainHeartbeat,
    retry: { maximumAttempts: retries.train, initialInterval: '30 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
  });
  return { cpu, cpuShort, autoCorrect, answers, gpu, train };
}
