/**
 * The campaign and round workflows on Temporal's time-skipping test server: days of annotation
 * pass in seconds. The activities are in-memory fakes (the boundary under test is orchestration:
 * timers, updates and their validators, operator decisions, pause, continue-as-new); the real
 * activities have their own tests against a real stack.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { roundWorkflowId } from '../../configs/constants.js';
import type { campaignWorkflow } from '../../workflows/campaign.js';
import {
  pauseSignal,
  resolveFailureUpdate,
  resumeSignal,
  retryRoundUpdate,
  roundProgressQuery,
  setBudgetUpdate,
  setRoundsUpdate,
  statusQuery,
  submitAnswersUpdate,
  type FailureAction,
} from '../../workflows/messages.js';
import { roundPrefixOf, type roundWorkflow, type RoundInput } from '../../workflows/round.js';
import { answersFor, eventually, roundHandle, roundReaches, submit, uniqueName, withWorker, workflowBundle } from '../support/campaign-harness.js';
import { createFakeCampaignActivities, testCampaignConfig } from '../support/fake-campaign-activities.js';
import { createTimeSkippingEnvironment } from '../support/time-skipping.js';

const DAY = 86_400_000;
const EventType = proto.temporal.api.enums.v1.EventType;

/** The message of a rejected update (the validator's or the handler's error). */
function updateRejection(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof WorkflowUpdateFailedError, `expected WorkflowUpdateFailedError, got ${String(error)}`);
    const message = error.cause?.message ?? '';
    assert.match(message, pattern);
    return true;
  };
}

describe('campaign and round workflows (time-skipping server, fake activities)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    env = await createTimeSkippingEnvironment();
    await workflowBundle();
  });
  after(async () => {
    await env?.teardown();
  });

  function startRound(taskQueue: string, input: RoundInput) {
    return env.client.workflow.start<typeof roundWorkflow>('roundWorkflow', { taskQueue, workflowId: roundWorkflowId(input.campaignId, input.round), args: [input] });
  }

  it('waits days for answers with reminders, proceeds at the deadline with what was answered, refuses late answers', async () => {
    const taskQueue = uniqueName('tq');
    const campaignId = uniqueName('days');
    const config = testCampaignConfig(taskQueue, { annotation: { deadline: '3 days', reminderEvery: '1 day', onDeadline: 'proceed' } });
    // The expansion fails once after the deadline, so the round is caught still open for late answers.
    const fake = createFakeCampaignActivities({ failFirst: { expandAnswers: 1 } });
    const prefix = roundPrefixOf(campaignId, 1);
    await withWorker(env, taskQueue, fake, async () => {
      const handle = await startRound(taskQueue, { campaignId, round: 1, config, modelPrefix: 'campaigns/x/round-0/model/' });
      const opened = await roundReaches(handle, 'answers awaited', (p) => p.status === 'awaiting-answers');
      assert.equal(opened.queries, 5);
      assert.equal(opened.annotation?.deadlineAt, opened.annotation!.openedAt + 3 * DAY);
      const ids = fake.queryIdsOf(prefix);
      assert.equal(ids.length, 5);

      const first = await submit(handle, [
        { queryId: ids[0], answer: 'correct', annotator: 'ann' },
        { queryId: ids[1], answer: 'relabel', class: 2, annotator: 'ann' },
      ]);
      assert.deepEqual([first.accepted, first.answered, first.total], [2, 2, 5]);

      await env.sleep('1 day');
      await roundReaches(handle, 'the first reminder', (p) => p.annotation?.reminders === 1);
      await env.sleep('2 days');
      const failed = await roundReaches(handle, 'the expansion failure after the deadline', (p) => p.status === 'waiting-for-operator');
      assert.equal(failed.annotation?.reminders, 2);
      assert.equal(failed.annotation?.closedBy, 'deadline');
      assert.ok(failed.annotation.closedAt! - failed.annotation.openedAt >= 3 * DAY);
      assert.equal(failed.failure?.step, 'expand');
      assert.equal(failed.failure?.type, 'InjectedFailure');
      assert.match(failed.failure?.message ?? '', /injected failure of expandAnswers/);

      const attributes = (await handle.describe()).searchAttributes;
      assert.deepEqual(attributes.AlcStatus, ['waiting-for-operator']);
      assert.deepEqual(attributes.AlcStep, ['expand']);
      assert.deepEqual(attributes.AlcRound, [1]);

      await assert.rejects(submit(handle, [{ queryId: ids[2], answer: 'correct', annotator: 'late' }]), updateRejection(/stopped taking answers .*deadline.*late/));
      // A client retrying a batch it already sent is told its answers are there, even now.
      const retried = await submit(handle, [
        { queryId: ids[0], answer: 'correct', annotator: 'ann' },
        { queryId: ids[3], answer: 'skip', annotator: 'late' },
      ]);
      assert.deepEqual(retried.outcomes.map((o) => o.outcome), ['duplicate', 'rejected']);
      assert.match(retried.outcomes[1].reason ?? '', /late answers are not taken/);
      assert.equal(retried.answered, 2);

      assert.deepEqual(await handle.executeUpdate(resolveFailureUpdate, { args: ['retry'] }), { step: 'expand', action: 'retry' });
      const result = await handle.result();
      assert.equal(result.queries, 5);
      assert.equal(result.answered, 2);
      assert.equal(result.pixelsChanged, 100);
      assert.equal(result.labelsPrefix, `${prefix}labels/`);
      assert.equal(result.modelPrefix, `${prefix}model/`);
      assert.equal(result.queriedKey, `${prefix}queried.jsonl`);
    });
    const expands = fake.inputsOf('expandAnswers');
    assert.equal(expands.length, 2);
    assert.deepEqual(expands[1].answerBatchKeys, [`${prefix}answers/batch-0.jsonl`]);
    assert.deepEqual(fake.batches.get(`${prefix}answers/batch-0.jsonl`)?.map((a) => a.queryId), fake.queryIdsOf(prefix).slice(0, 2));
    // Round r scores with round r-1's model and trains warm-started from it.
    assert.equal(fake.inputsOf('scoreShard')[0].modelPrefix, 'campaigns/x/round-0/model/');
    assert.equal(fake.inputsOf('scoreShard').length, 3);
    assert.equal(fake.inputsOf('trainSegmentationModel')[0].initialCheckpointKey, 'campaigns/x/round-0/model/checkpoint.pt');
  });

  it('extends the deadline when the policy says so, then proceeds after the last extension', async () => {
    const taskQueue = uniqueName('tq');
    const campaignId = uniqueName('extend');
    const config = testCampaignConfig(taskQueue, { annotation: { deadline: '2 days', reminderEvery: '7 days', onDeadline: 'extend', extendBy: '1 day', maxExtensions: 2 } });
    const fake = createFakeCampaignActivities();
    await withWorker(env, taskQueue, fake, async () => {
      const handle = await startRound(taskQueue, { campaignId, round: 1, config, modelPrefix: 'm/' });
      await roundReaches(handle, 'answers awaited', (p) => p.status === 'awaiting-answers');
      const started = await env.currentTimeMs();
      const result = await handle.result();
      const progress = await handle.query(roundProgressQuery);
      assert.equal(result.answered, 0);
      assert.equal(result.pixelsChanged, 0);
      assert.equal(result.labelsPrefix, undefined, 'no answers: the labels stay the pseudo labels');
      assert.deepEqual([progress.annotation?.extensions, progress.annotation?.closedBy], [2, 'deadline']);
      assert.ok((await env.currentTimeMs()) - started >= 4 * DAY - 60_000);
    });
    assert.equal(fake.inputsOf('expandAnswers').length, 0);
  });

  it('takes answers through the update: accepted, duplicate, conflicting, invalid, malformed, too early and too late', async () => {
    const taskQueue = uniqueName('tq');
    const campaignId = uniqueName('answers');
    const config = testCampaignConfig(taskQueue, { annotation: { deadline: '3 days', maxBatch: 10 } });
    const fake = createFakeCampaignActivities({ delayMs: { planShards: 1500 } });
    const prefix = roundPrefixOf(campaignId, 1);
    await withWorker(env, taskQueue, fake, async () => {
      const handle = await startRound(taskQueue, { campaignId, round: 1, config, modelPrefix: 'm/' });
      await roundReaches(handle, 'planning', (p) => p.step === 'plan');
      await assert.rejects(submit(handle, [{ queryId: 'a/1', answer: 'correct', annotator: 'eager' }]), updateRejection(/not taking answers yet \(step: plan\)/));

      await roundReaches(handle, 'answers awaited', (p) => p.status === 'awaiting-answers');
      const ids = fake.queryIdsOf(prefix);
      const first = await submit(handle, [
        { queryId: ids[0], answer: 'correct', annotator: 'ann' },
        { queryId: ids[1], answer: 'relabel', class: 3, annotator: 'ann' },
        { queryId: 'nope/1', answer: 'correct', annotator: 'ann' },
        { queryId: ids[2], answer: 'relabel', class: 99, annotator: 'ann' },
        { queryId: ids[3], answer: 'correct', annotator: 'ann', round: 7 },
        { queryId: ids[4], answer: 'relabel', class: 255, annotator: 'ann' },
      ]);
      assert.deepEqual(first.outcomes.map((o) => o.outcome), ['accepted', 'accepted', 'rejected', 'rejected', 'rejected', 'accepted']);
      assert.match(first.outcomes[2].reason ?? '', /no query nope\/1 was issued in round 1/);
      assert.match(first.outcomes[3].reason ?? '', /class 99 is not a class of this campaign/);
      assert.match(first.outcomes[4].reason ?? '', /belongs to round 7, this is round 1/);
      assert.deepEqual([first.accepted, first.rejected, first.answered, first.total], [3, 3, 3, 5]);
      assert.equal(first.batchKey, `${prefix}answers/batch-0.jsonl`);

      // Idempotent per query: the same answer again is acknowledged, another one is refused.
      const again = await submit(handle, [
        { queryId: ids[0], answer: 'correct', annotator: 'second' },
        { queryId: ids[1], answer: 'relabel', class: 4, annotator: 'second' },
        { queryId: ids[1], answer: 'relabel', class: 3, annotator: 'second' },
      ]);
      assert.deepEqual(again.outcomes.map((o) => o.outcome), ['duplicate', 'rejected', 'duplicate']);
      assert.match(again.outcomes[1].reason ?? '', /conflicts with the answer already given \(relabel 3 by ann\)/);
      assert.equal(again.batchKey, undefined);
      assert.equal(again.answered, 3);

      // Batches with nothing to take are refused by the validator and leave no trace in history.
      await assert.rejects(submit(handle, [{ queryId: ids[0], answer: 'skip', annotator: 'x' }]), updateRejection(/no answer of the batch can be taken: .*conflicts/));
      await assert.rejects(submit(handle, [{ queryId: ids[2], answer: 'maybe' as 'skip', annotator: 'x' }]), updateRejection(/malformed answers: #0: .*correct, relabel or skip/));
      await assert.rejects(submit(handle, [{ queryId: ids[2], answer: 'relabel', annotator: 'x' }]), updateRejection(/needs an integer class/));
      await assert.rejects(submit(handle, []), updateRejection(/no answers/));
      await assert.rejects(submit(handle, Array.from({ length: 11 }, () => ({ queryId: ids[2], answer: 'skip' as const, annotator: 'x' }))), updateRejection(/at most 10 per update/));
      const history = await handle.fetchHistory();
      const accepted = history.events?.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED).length;
      assert.equal(accepted, 2);

      const last = await submit(handle, answersFor([ids[2], ids[3]]));
      assert.deepEqual([last.accepted, last.answered], [2, 5]);
      const result = await handle.result();
      assert.equal(result.answered, 5);
      const progress = await handle.query(roundProgressQuery);
      assert.equal(progress.annotation?.closedBy, 'all-answered');
      await assert.rejects(submit(handle, [{ queryId: ids[0], answer: 'correct', annotator: 'late' }]));
    });
    assert.equal(fake.inputsOf('storeAnswerBatch').length, 2);
    assert.deepEqual(fake.inputsOf('expandAnswers')[0].answerBatchKeys, [`${prefix}answers/batch-0.jsonl`, `${prefix}answers/batch-1.jsonl`]);
  });

  it('a step that fails for good waits for the operator: an invalid decision is refused, retry succeeds', async () => {
    const taskQueue = uniqueName('tq');
    const campaignId = uniqueName('retry');
    const fake = createFakeCampaignActivities({ failFirst: { trainSegmentationModel: 1 } });
    await withWorker(env, taskQueue, fake, async () => {
      const handle = await startRound(taskQueue, { campaignId, round: 0, config: testCampaignConfig(taskQueue) });
      const failed = await roundReaches(handle, 'the training failure', (p) => p.status === 'waiting-for-operator');
      assert.equal(failed.failure?.step, 'train');
      assert.match(failed.failure?.message ?? '', /injected failure of trainSegmentationModel/);
      assert.deepEqual((await handle.describe()).searchAttributes.AlcStatus, ['waiting-for-operator']);
      await assert.rejects(handle.executeUpdate(resolveFailureUpdate, { args: ['later' as FailureAction] }), updateRejection(/retry, skip-step or abort-round/));
      assert.deepEqual(await handle.executeUpdate(resolveFailureUpdate, { args: ['retry'] }), { step: 'train', action: 'retry' });
      const result = await handle.result();
      assert.equal(result.round, 0);
      assert.equal(result.queries, 0);
      assert.equal(result.modelPrefix, `${roundPrefixOf(campaignId, 0)}model/`);
      assert.equal(result.labelsPrefix, undefined);
      assert.ok(Math.abs(result.dataMIoU! - 0.5) < 1e-9);
      assert.ok(Math.abs(result.modelMIoU! - 0.6) < 1e-9);
      assert.deepEqual(result.skippedSteps, []);
      await assert.rejects(handle.executeUpdate(resolveFailureUpdate, { args: ['retry'] }));
    });
    assert.equal(fake.inputsOf('trainSegmentationModel').length, 2);
    assert.equal(fake.inputsOf('planShards').length, 0, 'round 0 asks nothing');
  });

  it('skip-step goes on without the failed step', async () => {
    const taskQueue = uniqueName('tq');
    const campaignId = uniqueName('skip');
    const fake = createFakeCampaignActivities({ failFirst: { dataMetrics: 1 } });
    await withWorker(env, taskQueue, fake, async () => {
      const handle = await startRound(taskQueue, { campaignId, round: 0, config: testCampaignConfig(taskQueue) });
      await roundReaches(handle, 'the metrics failure', (p) => p.status === 'waiting-for-operator' && p.failure?.step === 'data-metrics');
      await handle.executeUpdate(resolveFailureUpdate, { args: ['skip-step'] });
      const result = await handle.result();
      assert.equal(result.dataMIoU, null);
      assert.deepEqual(result.skippedSteps, ['data-metrics']);
    });
  });

  it('pauses and resumes a campaign between steps; an aborted round is retried from its first incomplete step', async () => {
    const taskQueue = uniqueName('tq');
    const campaignId = uniqueName('pause');
    const fake = createFakeCampaignActivities({ failFirst: { expandAnswers: 1 } });
    const config = testCampaignConfig(taskQueue, { rounds: 1, budgetPerRound: 3 });
    await withWorker(env, taskQueue, fake, async () => {
      // Paused before it starts: nothing runs.
      const handle = await env.client.workflow.signalWithStart<typeof campaignWorkflow, [string?]>('campaignWorkflow', {
        taskQueue,
        workflowId: campaignId,
        args: [{ config }],
        signal: pauseSignal,
        signalArgs: ['maintenance'],
      });
      const paused = await eventually('the campaign paused', async () => {
        const status = await handle.query(statusQuery);
        return status.status === 'paused' ? status : undefined;
      });
      assert.equal(paused.round, 0);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await assert.rejects(roundHandle(env, campaignId, 0).describe(), WorkflowNotFoundError);
      assert.equal(fake.calls.length, 0);

      await handle.signal(resumeSignal);
      const round1 = roundHandle(env, campaignId, 1);
      await eventually('round 1 awaiting answers, as the campaign reports it', async () => {
        const status = await handle.query(statusQuery);
        return status.status === 'awaiting-answers' && status.round === 1 && status.queries === 3 ? status : undefined;
      });
      const described = await handle.describe();
      assert.deepEqual(described.searchAttributes.AlcCampaign, [campaignId]);
      assert.deepEqual(described.searchAttributes.AlcStep, ['annotate']);

      // Paused while annotators work: answers are still taken, the next step waits.
      await handle.signal(pauseSignal);
      await submit(round1, answersFor(fake.queryIdsOf(roundPrefixOf(campaignId, 1))));
      const held = await roundReaches(round1, 'the round paused before expanding', (p) => p.status === 'paused');
      assert.equal(held.answered, 3);
      assert.equal(held.annotation?.closedBy, 'all-answered');
      await eventually('the campaign shows paused', async () => (await handle.query(statusQuery)).status === 'paused');
      assert.equal(fake.inputsOf('expandAnswers').length, 0);

      // Resumed: the expansion fails; the operator aborts the round; the campaign waits for a retry.
      await handle.signal(resumeSignal);
      await eventually('the campaign shows the failed step', async () => {
        const status = await handle.query(statusQuery);
        return status.status === 'waiting-for-operator' && status.failure?.step === 'expand' ? status : undefined;
      });
      await round1.executeUpdate(resolveFailureUpdate, { args: ['abort-round'] });
      const failedStatus = await eventually('the campaign waits for retryRound', async () => {
        const status = await handle.query(statusQuery);
        return status.status === 'round-failed' ? status : undefined;
      });
      assert.equal(failedStatus.roundFailure?.round, 1);
      assert.match(failedStatus.roundFailure?.message ?? '', /aborted by the operator at step expand/);
      await assert.rejects(handle.executeUpdate(retryRoundUpdate, { args: [0] }), updateRejection(/round 1 failed, not round 0/));
      const retry = await handle.executeUpdate(retryRoundUpdate, { args: [1] });
      assert.deepEqual(retry.reusedSteps, ['plan', 'score', 'select', 'issue', 'annotate']);

      const result = await handle.result();
      assert.deepEqual(result.rounds.map((r) => [r.round, r.queries, r.answered]), [[0, 0, 0], [1, 3, 3]]);
      assert.equal(result.labelsPrefix, `${roundPrefixOf(campaignId, 1)}labels/`);
    });
    assert.equal(fake.inputsOf('planShards').length, 1, 'the retried round reused its plan, scores, queries and answers');
    assert.equal(fake.inputsOf('issueQueries').length, 1);
    assert.equal(fake.inputsOf('expandAnswers').length, 2);
  });

  it('continues as new between rounds with its state intact; budget and rounds updates are validated and carried', async () => {
    const taskQueue = uniqueName('tq');
    const campaignId = uniqueName('can');
    const fake = createFakeCampaignActivities();
    const config = testCampaignConfig(taskQueue, { rounds: 2, budgetPerRound: 4, mode: 'a2lc' });
    await withWorker(env, taskQueue, fake, async () => {
      const handle = await env.client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', { taskQueue, workflowId: campaignId, args: [{ config }] });
      const round1 = roundHandle(env, campaignId, 1);
      await roundReaches(round1, 'round 1 answers awaited', (p) => p.status === 'awaiting-answers');

      await assert.rejects(handle.executeUpdate(setBudgetUpdate, { args: [0] }), updateRejection(/budget must be an integer 1\.\.100000/));
      await assert.rejects(handle.executeUpdate(setRoundsUpdate, { args: [0] }), updateRejection(/round 1 has already started: rounds cannot be below 1/));
      assert.deepEqual(await handle.executeUpdate(setBudgetUpdate, { args: [2] }), { budgetPerRound: 2, appliesFromRound: 2 });
      assert.deepEqual(await handle.executeUpdate(setRoundsUpdate, { args: [2] }), { rounds: 2 });

      await submit(round1, answersFor(fake.queryIdsOf(roundPrefixOf(campaignId, 1))));
      const round2 = roundHandle(env, campaignId, 2);
      const open2 = await roundReaches(round2, 'round 2 answers awaited', (p) => p.status === 'awaiting-answers');
      assert.equal(open2.queries, 2, 'the new budget survived continue-as-new');
      const status = await handle.query(statusQuery);
      assert.equal(status.runs, 3);
      assert.equal(status.budgetPerRound, 2);
      assert.deepEqual(status.history.map((r) => r.round), [0, 1]);
      await submit(round2, answersFor(fake.queryIdsOf(roundPrefixOf(campaignId, 2))));

      const result = await handle.result();
      assert.deepEqual(result.rounds.map((r) => [r.round, r.queries, r.answered, r.pixelsChanged]), [[0, 0, 0, 0], [1, 4, 4, 200], [2, 2, 2, 100]]);
      assert.deepEqual(result.rounds.map((r) => Math.round(r.dataMIoU! * 10)), [5, 6, 7]);
      assert.equal(result.modelPrefix, `${roundPrefixOf(campaignId, 2)}model/`);

      const first = await env.client.workflow.getHandle(campaignId, handle.firstExecutionRunId).describe();
      assert.equal(first.status.name, 'CONTINUED_AS_NEW');
      const final = await handle.query(statusQuery);
      assert.deepEqual([final.status, final.runs, final.history.length], ['completed', 3, 3]);
      assert.deepEqual((await handle.describe()).searchAttributes.AlcStatus, ['completed']);
    });
    // Each round starts from the previous round's labels, model and queried set.
    const round1 = roundPrefixOf(campaignId, 1);
    const plans = fake.inputsOf('planShards');
    assert.deepEqual(plans.map((p) => p.labelsPrefix), [undefined, `${round1}labels/`]);
    assert.deepEqual(fake.inputsOf('selectQueries').map((s) => [s.budget, s.queriedKey ?? null]), [[4, null], [2, `${round1}queried.jsonl`]]);
    assert.deepEqual(fake.inputsOf('classWeights').map((c) => c.queriedKey ?? null), [null, `${round1}queried.jsonl`]);
    assert.deepEqual(fake.inputsOf('scoreShard').filter((s) => s.recordsKey.startsWith(roundPrefixOf(campaignId, 2))).map((s) => s.classWeights), [[1, 0.5, 0.25], [1, 0.5, 0.25], [1, 0.5, 0.25]]);
    assert.deepEqual(fake.inputsOf('trainSegmentationModel').map((t) => t.initialCheckpointKey ?? null), [
      null,
      `${roundPrefixOf(campaignId, 0)}model/checkpoint.pt`,
      `${round1}model/checkpoint.pt`,
    ]);
  });

  it('cancellation stops the running round and marks both cancelled', async () => {
    const taskQueue = uniqueName('tq');
    const campaignId = uniqueName('cancel');
    const fake = createFakeCampaignActivities();
    await withWorker(env, taskQueue, fake, async () => {
      const handle = await env.client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', { taskQueue, workflowId: campaignId, args: [{ config: testCampaignConfig(taskQueue) }] });
      const round1 = roundHandle(env, campaignId, 1);
      await roundReaches(round1, 'round 1 answers awaited', (p) => p.status === 'awaiting-answers');
      await handle.cancel();
      await assert.rejects(handle.result());
      assert.equal((await round1.describe()).status.name, 'CANCELLED');
      assert.equal((await handle.describe()).status.name, 'CANCELLED');
      assert.deepEqual((await handle.describe()).searchAttributes.AlcStatus, ['cancelled']);
    });
  });

  it('rejects a bad campaign input without retrying the workflow task', async () => {
    const taskQueue = uniqueName('tq');
    const fake = createFakeCampaignActivities();
    await withWorker(env, taskQueue, fake, async () => {
      const config = { ...testCampaignConfig(taskQueue), classes: [] };
      const handle = await env.client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', { taskQueue, workflowId: uniqueName('bad'), args: [{ config }] });
      await assert.rejects(handle.result(), (error: Error) => /classes must list the class ids/.test((error.cause as Error | undefined)?.message ?? ''));
    });
  });

  it('the submitAnswers update name is permanent', () => {
    assert.equal(submitAnswersUpdate.name, 'submitAnswers');
  });
});
