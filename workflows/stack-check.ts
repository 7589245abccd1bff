import { proxyActivities, sleep } from '@temporalio/workflow';
import type { StackCheckActivities } from '../activities/stack-check.js';

export interface StackCheckInput {
  /** Key (under the deployment's prefix) of the probe object. */
  probeKey: string;
  /** Durable timer between write and read-back, in seconds: long enough to restart the stack. */
  pauseSeconds: number;
}

export interface StackCheckResult {
  probeKey: string;
  sha256: string;
  bytes: number;
}

const { writeProbe, verifyProbe } = proxyActivities<StackCheckActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10, initialInterval: '1 second', maximumInterval: '10 seconds' },
});

/**
 * End-to-end check of a deployment: a worker writes an object to S3, the workflow sleeps on a
 * durable timer, and a worker (possibly another one, after a restart) reads it back and compares.
 */
export async function stackCheckWorkflow(input: StackCheckInput): Promise<StackCheckResult> {
  const written = await writeProbe(input.probeKey);
  await sleep(input.pauseSeconds * 1000);
  await verifyProbe(input.probeKey, written.sha256);
  return { probeKey: input.probeKey, sha256: written.sha256, bytes: written.bytes };
}
