/**
 * One activity interceptor for every activity a worker runs: its log lines carry the campaign,
 * round and step (besides the SDK's workflow and activity ids), and its attempts feed the worker's
 * metrics (runs, failures, durations, and the product metrics of its result). Activities log and
 * return as they would anyway; nothing here is passed by hand.
 */
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptors, ActivityInterceptorsFactory } from '@temporalio/worker';
import { NON_RETRYABLE_ERROR_TYPES } from '../workflows/activity-options.js';
import { activityContext, type CampaignContext } from './log-context.js';
import { clearTrainingProgress, recordCompletedActivity, recordTrainingProgress, TRAINING_ACTIVITY } from './product-metrics.js';
import type { ActivityFailureKind, WorkerMetrics } from './worker-metrics.js';

/** The interceptors of a worker; without `metrics` only the log context is added. */
export function activityObservability(metrics?: WorkerMetrics): ActivityInterceptorsFactory {
  return (ctx) => {
    const { info } = ctx;
    const context = activityContext({ workflowId: info.workflowExecution?.workflowId, workflowType: info.workflowType, activityType: info.activityType });
    const interceptors: ActivityInterceptors = {
      outbound: {
        getLogAttributes: (attributes, next) => {
          // The task token is an opaque blob for completing activities from elsewhere, not a reader's id.
          const { taskToken: _taskToken, ...rest } = attributes;
          return next({ ...rest, ...context });
        },
      },
    };
    if (metrics) interceptors.inbound = { execute: (input, next) => measured(metrics, ctx, context, () => next(input), input.args[0]) };
    return interceptors;
  };
}

async function measured(metrics: WorkerMetrics, ctx: Context, context: CampaignContext, run: () => Promise<unknown>, input: unknown): Promise<unknown> {
  const { activityType, taskQueue } = ctx.info;
  const labels = { activity_type: activityType, task_queue: taskQueue };
  metrics.activityStarted.inc(labels);
  metrics.activityRunning.inc(labels);
  const stopTimer = metrics.activityDuration.startTimer(labels);
  const training = activityType === TRAINING_ACTIVITY;
  if (training) observeHeartbeats(ctx, (details) => recordTrainingProgress(metrics, context, details));
  try {
    const result = await run();
    const seconds = stopTimer({ outcome: 'completed' });
    recordCompletedActivity(metrics, { activityType, taskQueue, context, input, result, seconds });
    return result;
  } catch (error) {
    const kind = failureKind(error, ctx);
    stopTimer({ outcome: kind === 'cancelled' ? 'cancelled' : 'failed' });
    metrics.activityFailed.inc({ ...labels, kind });
    throw error;
  } finally {
    metrics.activityRunning.dec(labels);
    if (training) clearTrainingProgress(metrics, context);
  }
}

/**
 * The SDK has no heartbeat interceptor; wrapping this attempt's context's `heartbeat` (what the
 * `heartbeat()` function calls) lets the progress an activity already heartbeats become metrics.
 */
function observeHeartbeats(ctx: Context, observe: (details: unknown) => void): void {
  const send = ctx.heartbeat;
  Object.defineProperty(ctx, 'heartbeat', {
    value: (details?: unknown) => {
      observe(details);
      send(details);
    },
  });
}

function failureKind(error: unknown, ctx: Context): ActivityFailureKind {
  if (ctx.cancellationSignal.aborted && (error instanceof CancelledFailure || (error instanceof Error && error.name === 'AbortError'))) return 'cancelled';
  if (error instanceof ApplicationFailure) return error.nonRetryable || NON_RETRYABLE_ERROR_TYPES.includes(error.type ?? '') ? 'non_retryable' : 'retryable';
  // Plain errors are matched by name against the retry policies' non-retryable types.
  return error instanceof Error && NON_RETRYABLE_ERROR_TYPES.includes(error.name) ? 'non_retryable' : 'retryable';
}
