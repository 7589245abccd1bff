import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import type { StackCheckActivities } from '../../activities/stack-check.js';
import { WORKFLOWS_PATH } from '../../workers/workflow-bundle.js';
import type { stackCheckWorkflow } from '../../workflows/stack-check.js';
import { createTimeSkippingEnvironment } from '../support/time-skipping.js';

describe('time-skipping test server from .venv', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    env = await createTimeSkippingEnvironment();
  });
  after(async () => {
    await env?.teardown();
  });

  it('skips a three-day durable timer', async () => {
    // The boundary under test is the workflow's timer, so the S3 activities are faked here.
    const objects = new Map<string, string>();
    const activities: StackCheckActivities = {
      writeProbe(key) {
        objects.set(key, 'hash');
        return Promise.resolve({ sha256: 'hash', bytes: 4 });
      },
      verifyProbe(key, sha256) {
        assert.equal(objects.get(key), sha256);
        return Promise.resolve();
      },
    };
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'time-skipping', workflowsPath: WORKFLOWS_PATH, activities });
    const startedAt = await env.currentTimeMs();
    const result = await worker.runUntil(
      env.client.workflow.execute<typeof stackCheckWorkflow>('stackCheckWorkflow', {
        taskQueue: 'time-skipping',
        workflowId: `skip-${randomUUID()}`,
        args: [{ probeKey: 'p', pauseSeconds: 3 * 24 * 3600 }],
      }),
    );
    const elapsedMs = (await env.currentTimeMs()) - startedAt;
    assert.equal(result.probeKey, 'p');
    assert.ok(elapsedMs >= 3 * 24 * 3600 * 1000, `workflow time advanced ${elapsedMs} ms`);
  });
});
