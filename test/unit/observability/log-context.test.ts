import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { roundWorkflowId } from '../../../configs/constants.js';
import { activityContext, campaignOfWorkflow, stepOfActivity } from '../../../observability/log-context.js';
import { ROUND_STEPS } from '../../../workflows/messages.js';

describe('campaign context from Temporal ids', () => {
  it('reads campaign and round from a round workflow id, even when the campaign id has slashes or digits', () => {
    assert.deepEqual(campaignOfWorkflow(roundWorkflowId('demo', 3), 'roundWorkflow'), { campaignId: 'demo', round: 3 });
    assert.deepEqual(campaignOfWorkflow('team/voc-2024/round-12', 'roundWorkflow'), { campaignId: 'team/voc-2024', round: 12 });
  });

  it('takes a campaign workflow id as the campaign id, and knows nothing of other workflows', () => {
    assert.deepEqual(campaignOfWorkflow('demo-20250101', 'campaignWorkflow'), { campaignId: 'demo-20250101' });
    assert.deepEqual(campaignOfWorkflow('stack-check-1', 'stackCheckWorkflow'), {});
    assert.deepEqual(campaignOfWorkflow('demo/round-x', 'roundWorkflow'), {});
    assert.deepEqual(campaignOfWorkflow(undefined, undefined), {});
  });

  it('maps every round activity to one of the round steps', () => {
    const activities = ['planShards', 'classWeights', 'scoreShard', 'selectQueries', 'issueQueries', 'storeAnswerBatch', 'expandAnswers', 'prepareAutoCorrection', 'trainLabelCorrector', 'applyAutoCorrections', 'trainSegmentationModel', 'dataMetrics', 'evaluateModel', 'writeRoundReport'];
    const steps = activities.map(stepOfActivity);
    for (const step of steps) assert.ok(step !== undefined && (ROUND_STEPS as readonly string[]).includes(step), String(step));
    assert.deepEqual(new Set(steps), new Set(ROUND_STEPS), 'every step has an activity');
    assert.equal(stepOfActivity('writeProbe'), undefined);
  });

  it('gives an activity its campaign, round and step only inside a campaign', () => {
    assert.deepEqual(activityContext({ workflowId: 'c1/round-2', workflowType: 'roundWorkflow', activityType: 'scoreShard' }), { campaignId: 'c1', round: 2, step: 'score' });
    assert.deepEqual(activityContext({ workflowId: 'c1/round-2', workflowType: 'roundWorkflow', activityType: 'autoCorrectLater' }), { campaignId: 'c1', round: 2 });
    assert.deepEqual(activityContext({ workflowId: 'stack-check-1', workflowType: 'stackCheckWorkflow', activityType: 'writeProbe' }), {});
  });
});
