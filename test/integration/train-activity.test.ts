import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { z } from 'zod';
import { REPO_ROOT } from '../../common/paths.js';
import { connectWorkerConnection } from '../../connections/temporal.js';
import { generateSyntheticDataset } from '../../datasets/synthetic/generate.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { createS3Client } from '../../storage/s3-client.js';
import { S3Location } from '../../storage/s3-location.js';
import type { trainJobWorkflow } from '../support/workflows/train-job.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const TRAIN_WORKFLOWS = fileURLToPath(new URL('../support/workflows/train-job.ts', import.meta.url));

describe('train activity: the real trainer behind a real GPU-queue worker', () => {
  let stack: TestStack;
  let store: ArtifactStore;
  let client: Client;
  let orchestrator: Worker;
  let orchestratorRun: Promise<void>;
  const workers: ChildProcess[] = [];

  /** A GPU worker as its own process group, as a pod would run it (`alc worker gpu`). */
  function startGpuWorker(): ChildProcess {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/alc.mjs'), 'worker', 'gpu'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ALC_STACK_DIR: stack.dataDir, ALC_S3_BUCKET: stack.config.s3.bucket, ALC_TRAINER_WORK_DIR: path.join(stack.dataDir, 'trainer') },
      stdio: 'ignore',
      detached: true,
    });
    workers.push(child);
    return child;
  }

  function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      /* gone */
    }
  }

  before(async () => {
    stack = await startTestStack('alc-train-');
    store = new ArtifactStore(createS3Client(stack.config.s3), stack.config.s3.bucket);
    await generateSyntheticDataset({ images: 20, seed: 3 }, new S3Location(store.at('datasets/syn/')));
    const connection = await Connection.connect({ address: stack.config.temporal.address });
    client = new Client({ connection });
    orchestrator = await Worker.create({
      connection: await connectWorkerConnection(stack.config.temporal),
      taskQueue: 'train-test-orchestration',
      workflowsPath: TRAIN_WORKFLOWS,
    });
    orchestratorRun = orchestrator.run();
  });

  after(async () => {
    for (const child of workers) killGroup(child, 'SIGKILL');
    orchestrator?.shutdown();
    await orchestratorRun;
    await client?.connection.close();
    store?.client.destroy();
    await stack?.teardown();
  });

  function start(input: Parameters<typeof trainJobWorkflow>[0], heartbeatSeconds = 30) {
    return client.workflow.start<typeof trainJobWorkflow>('trainJobWorkflow', {
      taskQueue: 'train-test-orchestration',
      workflowId: `train-${randomUUID()}`,
      args: [input, stack.config.taskQueues.gpu, heartbeatSeconds],
    });
  }

  it('trains, publishes model, checkpoint, log and metrics in S3, and returns only keys and metrics', async () => {
    const worker = startGpuWorker();
    const handle = await start({ datasetPrefix: 'datasets/syn/', model: { config: 'tiny' }, hyperparameters: { epochs: 2 }, seed: 0, outputPrefix: 'runs/basic/' });
    const result = await handle.result();
    killGroup(worker, 'SIGTERM');
    assert.equal(result.modelKey, 'runs/basic/model.onnx');
    assert.equal(result.epochs, 2);
    for (const key of [result.modelKey, result.checkpointKey, result.logKey, result.metricsKey]) assert.equal(await store.exists(key), true, key);
    const metrics = await store.getJson(result.metricsKey, z.looseObject({ inputName: z.literal('image'), numClasses: z.number() }));
    assert.equal(metrics.numClasses, 6);
  });

  it('resumes from the checkpoint after its worker is killed mid-training', async () => {
    const first = startGpuWorker();
    // Long enough that the kill lands mid-training even on a loaded machine; the SDK sends
    // heartbeats at most every 0.8 x the 4 s timeout.
    const epochs = 100;
    const handle = await start({ datasetPrefix: 'datasets/syn/', model: { config: 'tiny' }, hyperparameters: { epochs }, seed: 1, outputPrefix: 'runs/resume/' }, 4);
    // Wait until a checkpoint is durable in S3 and recorded in the heartbeat, then kill the "pod".
    let checkpointEpoch = 0;
    const deadline = Date.now() + 180_000;
    while (checkpointEpoch < 2 && Date.now() < deadline) {
      const description = await handle.describe();
      assert.equal(description.status.name, 'RUNNING', 'the job finished before a checkpoint was seen');
      const details = description.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]?.data;
      if (details) checkpointEpoch = (JSON.parse(Buffer.from(details).toString()) as { checkpointEpoch?: number }).checkpointEpoch ?? 0;
      await sleep(200);
    }
    assert.ok(checkpointEpoch >= 2, 'a checkpoint was recorded before the kill');
    killGroup(first, 'SIGKILL');
    startGpuWorker();
    const result = await handle.result();
    assert.equal(result.epochs, epochs);
    const metrics = await store.getJson(result.metricsKey, z.looseObject({ resumedFromEpoch: z.number(), epochLosses: z.array(z.number()) }));
    assert.ok(metrics.resumedFromEpoch >= checkpointEpoch, `resumed from epoch ${metrics.resumedFromEpoch}, checkpoint was ${checkpointEpoch}`);
    assert.ok(metrics.resumedFromEpoch < epochs, 'the second worker trained the remaining epochs');
    assert.equal(metrics.epochLosses.length, epochs);
  });

  it('fails once, non-retryably, with the trainer message on bad input', async () => {
    startGpuWorker();
    const handle = await start({ datasetPrefix: 'datasets/syn/', model: { config: 'tiny' }, hyperparameters: { epochs: 2, batchSize: 1 }, seed: 0, outputPrefix: 'runs/bad/' });
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      const cause = error.cause?.cause;
      assert.ok(cause instanceof ApplicationFailure, String(cause));
      assert.equal(cause.nonRetryable, true);
      assert.equal(cause.type, 'TrainerBadInput');
      assert.match(cause.message, /batchSize/);
      return true;
    });
    const history = await handle.fetchHistory();
    const attempts = history.events?.filter((event) => event.activityTaskStartedEventAttributes).map((event) => event.activityTaskStartedEventAttributes?.attempt);
    assert.deepEqual(attempts, [1]);
  });
});
