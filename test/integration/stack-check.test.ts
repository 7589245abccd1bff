import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { connectWorkerConnection } from '../../connections/temporal.js';
import { stackDown, stackUp } from '../../stack/embedded-stack.js';
import { createCpuWorker } from '../../workers/cpu.js';
import type { stackCheckWorkflow } from '../../workflows/stack-check.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

describe('stack check workflow on the real Temporal dev server and SeaweedFS', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.teardown();
  });

  async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const connection = await Connection.connect({ address: stack.config.temporal.address });
    try {
      return await fn(new Client({ connection, namespace: stack.config.temporal.namespace }));
    } finally {
      await connection.close();
    }
  }

  it('writes a probe to S3 and reads it back through a worker', async () => {
    const connection = await connectWorkerConnection(stack.config.temporal);
    const worker = await createCpuWorker({ config: stack.config, connection });
    const result = await worker.runUntil(
      withClient((client) =>
        client.workflow.execute<typeof stackCheckWorkflow>('stackCheckWorkflow', {
          taskQueue: stack.config.taskQueues.cpu,
          workflowId: `stack-check-${randomUUID()}`,
          args: [{ probeKey: `probes/${randomUUID()}`, pauseSeconds: 0 }],
        }),
      ),
    );
    await connection.close();
    assert.equal(result.bytes, 64 * 1024);
    assert.match(result.sha256, /^[0-9a-f]{64}$/);
  });

  it('survives a stack restart in the middle of the workflow', async () => {
    const workflowId = `stack-check-restart-${randomUUID()}`;
    const probeKey = `probes/${randomUUID()}`;
    // Phase 1: a worker runs the first activity, then the workflow sleeps on a durable timer.
    let connection = await connectWorkerConnection(stack.config.temporal);
    let worker = await createCpuWorker({ config: stack.config, connection });
    await worker.runUntil(async () => {
      await withClient(async (client) => {
        await client.workflow.start<typeof stackCheckWorkflow>('stackCheckWorkflow', {
          taskQueue: stack.config.taskQueues.cpu,
          workflowId,
          args: [{ probeKey, pauseSeconds: 4 }],
        });
        // Wait until the probe is written (the first activity completed).
        for (let i = 0; i < 100; i++) {
          const history = await client.workflow.getHandle(workflowId).fetchHistory();
          if (history.events?.some((event) => event.timerStartedEventAttributes)) return;
          await sleep(100);
        }
        throw new Error('timer never started');
      });
    });
    await connection.close();

    // Phase 2: the whole stack goes down and comes back on the same ports and data.
    assert.equal(await stackDown(stack.dataDir), 'stopped');
    const restarted = await stackUp({
      ...stack.upOptions,
      temporalPort: Number(stack.state.temporal.address.split(':')[1]),
      temporalUiPort: Number(new URL(stack.state.temporal.ui).port),
      s3Port: stack.state.s3.ports.s3,
      freePorts: false,
    });
    assert.equal(restarted.alreadyRunning, false);

    // Phase 3: a new worker picks the workflow up after the timer and finishes it.
    connection = await connectWorkerConnection(stack.config.temporal);
    worker = await createCpuWorker({ config: stack.config, connection });
    const result = await worker.runUntil(
      withClient((client) => client.workflow.getHandle<typeof stackCheckWorkflow>(workflowId).result()),
    );
    await connection.close();
    assert.equal(result.probeKey, probeKey);
    assert.equal(result.bytes, 64 * 1024);
  });
});
