// A one-activity workflow for the worker-process tests: it runs one real round activity (served
// by `alc worker cpu` processes) with a heartbeat timeout of the test's choosing, so a killed
// worker is noticed in seconds. The campaign workflows are not what is under test there.
import { proxyActivities } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES, type RoundActivities } from '../../../workflows/activity-options.js';

export interface RoundActivityCall {
  activity: keyof RoundActivities;
  input: unknown;
  taskQueue: string;
  heartbeatSeconds: number;
}

export async function roundActivityWorkflow(call: RoundActivityCall): Promise<unknown> {
  const activities = proxyActivities<Record<string, (input: unknown) => Promise<unknown>>>({
    taskQueue: call.taskQueue,
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: `${call.heartbeatSeconds} seconds`,
    retry: { initialInterval: '200 milliseconds', backoffCoefficient: 1, maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
  });
  return activities[call.activity](call.input);
}
