/**
 * A round continues as new when its history grows (a huge scoring fan-out, many answer batches)
 * and carries its checkpoint: no shard is scored twice, no answer is lost, a repeat after the new
 * run is still a duplicate. Runs on a real dev server with Temporal's continue-as-new suggestion
 * lowered (dynamic config), since the time-skipping server never suggests it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { roundWorkflowId } from '../../configs/constants.js';
import { roundProgressQuery } from '../../workflows/messages.js';
import { roundPrefixOf, type roundWorkflow } from '../../workflows/round.js';
import { registerSearchAttributes } from '../../stack/embedded-stack.js';
import { toolPath } from '../../stack/tools.js';
import { roundReaches, submit, uniqueName, withWorker, workflowBundle } from '../support/campaign-harness.js';
import { createFakeCampaignActivities, testCampaignConfig } from '../support/fake-campaign-activities.js';

const SUGGEST_AFTER_EVENTS = 120;

describe('round continue-as-new (dev server, lowered history limit)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: toolPath('temporal') },
        extraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${SUGGEST_AFTER_EVENTS}`, '--log-level', 'error'],
      },
    });
    await registerSearchAttributes(env.connection, 'default');
    await workflowBundle();
  });
  after(async () => {
    await env?.teardown();
  });

  it('scores a large fan-out and takes many answer batches across runs without losing or repeating work', async () => {
    const taskQueue = uniqueName('tq');
    const campaignId = uniqueName('can-round');
    const images = 60;
    const budget = 40;
    const fake = createFakeCampaignActivities({ images });
    const config = testCampaignConfig(taskQueue, { shardSize: 1, scoringConcurrency: 8, budgetPerRound: budget, annotation: { deadline: '7 days' } });
    const prefix = roundPrefixOf(campaignId, 1);
    await withWorker(env, taskQueue, fake, async () => {
      const handle = await env.client.workflow.start<typeof roundWorkflow>('roundWorkflow', {
        taskQueue,
        workflowId: roundWorkflowId(campaignId, 1),
        args: [{ campaignId, round: 1, config, modelPrefix: 'm/' }],
      });
      const opened = await roundReaches(handle, 'answers awaited', (p) => p.status === 'awaiting-answers', 60_000);
      assert.ok(opened.runs > 1, `the fan-out of ${images} shards continued as new (runs: ${opened.runs})`);
      const ids = fake.queryIdsOf(prefix);
      assert.equal(ids.length, budget);
      // One answer per update: many small batches grow the history past the suggestion.
      for (const [i, queryId] of ids.entries()) {
        if (i === ids.length - 1) {
          const before = await handle.query(roundProgressQuery);
          assert.ok(before.runs > opened.runs, `answer batches continued as new (runs: ${before.runs})`);
          const repeat = await submit(handle, [{ queryId: ids[0], answer: 'correct', annotator: 'again' }]);
          assert.equal(repeat.outcomes[0].outcome, 'duplicate', 'answers of an earlier run are remembered');
        }
        const reply = await submit(handle, [{ queryId, answer: 'correct', annotator: 'a' }]);
        assert.equal(reply.accepted, 1);
      }
      const result = await handle.result();
      assert.equal(result.answered, budget);
    });
    const scored = fake.inputsOf('scoreShard').map((s) => s.recordsKey);
    assert.equal(scored.length, images, 'no shard was scored twice');
    assert.equal(new Set(scored).size, images);
    assert.equal(fake.inputsOf('selectQueries')[0].scoreKeys.length, images);
    assert.equal(fake.inputsOf('expandAnswers')[0].answerBatchKeys.length, budget);
    assert.equal(fake.inputsOf('storeAnswerBatch').length, budget);
  });
});
