/**
 * Worker processes (`alc worker cpu`, real round activities, real Temporal and S3) that die or
 * stop in the middle of an activity: a SIGKILLed worker's attempt is retried and finished by
 * another worker process; a SIGTERMed worker turns unready, finishes its attempt within the
 * shutdown grace and exits 0. A slow TCP proxy in front of S3 keeps the first worker's attempt
 * running long enough to be caught in the middle.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { dataMetrics } from '../../activities/round/data-metrics.js';
import type { DataMetricsResult } from '../../activities/round/contracts.js';
import { connectWorkerConnection } from '../../connections/temporal.js';
import { generateSyntheticDataset } from '../../datasets/synthetic/generate.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { createS3Client } from '../../storage/s3-client.js';
import { S3Location } from '../../storage/s3-location.js';
import { startSlowTcpProxy, type SlowTcpProxy } from '../support/slow-tcp-proxy.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { startWorkerProcess } from '../support/worker-process.js';
import type { roundActivityWorkflow } from '../support/workflows/round-activity.js';

const TEST_WORKFLOWS = fileURLToPath(new URL('../support/workflows/round-activity.ts', import.meta.url));
const ORCHESTRATION_QUEUE = 'worker-failover-orchestration';
const DATASET = 'datasets/failover/';

describe('worker processes stopped mid-activity', () => {
  let stack: TestStack;
  let client: Client;
  let orchestrator: Worker;
  let orchestratorRun: Promise<void>;
  let slowS3: SlowTcpProxy;
  let expected: DataMetricsResult;

  before(async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    stack = await startTestStack('alc-worker-failover-');
    const store = new ArtifactStore(createS3Client(stack.config.s3), stack.config.s3.bucket);
    await generateSyntheticDataset({ images: 64, seed: 5 }, new S3Location(store.at(DATASET)));
    // What the activity must return, computed here by the same code without Temporal.
    expected = JSON.parse(JSON.stringify(await dataMetrics({ store }, { datasetPrefix: DATASET }))) as DataMetricsResult;
    store.client.destroy();
    const s3 = new URL(stack.state.s3.endpoint);
    slowS3 = await startSlowTcpProxy({ host: s3.hostname, port: Number(s3.port) }, 250);
    client = new Client({ connection: await Connection.connect({ address: stack.config.temporal.address }) });
    orchestrator = await Worker.create({ connection: await connectWorkerConnection(stack.config.temporal), taskQueue: ORCHESTRATION_QUEUE, workflowsPath: TEST_WORKFLOWS });
    orchestratorRun = orchestrator.run();
  });

  after(async () => {
    if (orchestrator?.getState() === 'RUNNING') orchestrator.shutdown();
    await orchestratorRun;
    await client?.connection.close();
    await slowS3?.close();
    await stack?.teardown();
  });

  function startDataMetrics(workflowId: string, heartbeatSeconds: number) {
    return client.workflow.start<typeof roundActivityWorkflow>('roundActivityWorkflow', {
      taskQueue: ORCHESTRATION_QUEUE,
      workflowId,
      args: [{ activity: 'dataMetrics', input: { datasetPrefix: DATASET }, taskQueue: stack.config.taskQueues.cpu, heartbeatSeconds }],
    });
  }

  /** Waits until the activity has heartbeated progress, and returns it with the worker running it. */
  async function midActivity(handle: WorkflowHandle): Promise<{ done: number; total: number; identity: string }> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const description = await handle.describe();
      assert.equal(description.status.name, 'RUNNING', 'the workflow ended before its activity was seen running');
      const pending = description.raw.pendingActivities?.[0];
      const details = pending?.heartbeatDetails?.payloads?.[0]?.data;
      if (details) {
        const progress = JSON.parse(Buffer.from(details).toString()) as { done: number; total: number };
        return { ...progress, identity: pending?.lastWorkerIdentity ?? '' };
      }
      await sleep(50);
    }
    throw new Error('the activity never heartbeated');
  }

  async function completion(handle: WorkflowHandle): Promise<{ attempt: number; startedBy: string; completedBy: string }> {
    const events = (await handle.fetchHistory()).events ?? [];
    const started = events.find((e) => e.activityTaskStartedEventAttributes)?.activityTaskStartedEventAttributes;
    const completed = events.find((e) => e.activityTaskCompletedEventAttributes)?.activityTaskCompletedEventAttributes;
    assert.ok(started && completed, 'the activity completed');
    return { attempt: started.attempt ?? 0, startedBy: started.identity ?? '', completedBy: completed.identity ?? '' };
  }

  it('retries the attempt of a SIGKILLed worker on another worker process, with the right result', { timeout: 240_000 }, async () => {
    const first = await startWorkerProcess('cpu', stack, { env: { ALC_S3_ENDPOINT: `http://127.0.0.1:${slowS3.port}` } });
    await first.ready();
    const handle = await startDataMetrics('failover/round-1', 3);
    const progress = await midActivity(handle);
    assert.ok(progress.identity.startsWith(`${first.pid}@`), `the first worker runs it (${progress.identity})`);
    assert.ok(progress.done < progress.total, `killed mid-activity (${progress.done} of ${progress.total} images)`);
    first.signal('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');

    const second = await startWorkerProcess('cpu', stack);
    const result = await handle.result();
    assert.deepEqual(result, expected);
    const { attempt, startedBy, completedBy } = await completion(handle);
    assert.ok(attempt >= 2, `a retry finished it (attempt ${attempt})`);
    assert.ok(startedBy.startsWith(`${second.pid}@`) && completedBy.startsWith(`${second.pid}@`), `the second worker finished it (${completedBy})`);

    second.signal('SIGTERM');
    assert.deepEqual(await second.exited, { code: 0, signal: null }, second.stderr());
  });

  it('drains on SIGTERM: unready at once, the running attempt finishes within the grace, exit 0', { timeout: 240_000 }, async () => {
    const worker = await startWorkerProcess('cpu', stack, { env: { ALC_S3_ENDPOINT: `http://127.0.0.1:${slowS3.port}` }, args: ['--shutdown-grace', '1 minute'] });
    await worker.ready();
    const handle = await startDataMetrics('drain/round-1', 10);
    const progress = await midActivity(handle);
    assert.ok(progress.done < progress.total, `stopped mid-activity (${progress.done} of ${progress.total} images)`);
    worker.signal('SIGTERM');

    let readiness: { status: number; body: { ready: boolean; state: string } } | undefined;
    while (!readiness) {
      const response = await worker.get('/readyz');
      if (response.status !== 200) readiness = { status: response.status, body: (await response.json()) as { ready: boolean; state: string } };
    }
    assert.equal(readiness.status, 503);
    assert.ok(['STOPPING', 'DRAINING'].includes(readiness.body.state), readiness.body.state);
    assert.equal((await handle.describe()).status.name, 'RUNNING', 'unready while the attempt still runs');

    assert.deepEqual(await worker.exited, { code: 0, signal: null }, worker.stderr());
    assert.deepEqual(await handle.result(), expected);
    const { attempt, completedBy } = await completion(handle);
    assert.equal(attempt, 1, 'finished by the attempt that was running, not a retry');
    assert.ok(completedBy.startsWith(`${worker.pid}@`), completedBy);
    assert.ok(worker.logs.some((line) => line.msg === 'cpu worker stopped'));
  });
});
