/**
 * Workflow interceptors of the CPU workers (bundled into the workflow sandbox through
 * `interceptors.workflowModules`, see workers/workflow-bundle.ts): every `log` line of workflow
 * code carries its campaign, round and step. The campaign and round come from the workflow id,
 * the step (and a campaign workflow's current round) from the search attributes the workflows
 * upsert (when the campaign sets them).
 *
 * Deterministic: reads only the workflow's own info; adds no commands, so histories replay the
 * same with or without it.
 */
import { workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { ROUND_ATTRIBUTE, STEP_ATTRIBUTE } from '../workflows/messages.js';
import { campaignOfWorkflow, type CampaignContext } from './log-context.js';

function workflowContext(): CampaignContext {
  const info = workflowInfo();
  const context = campaignOfWorkflow(info.workflowId, info.workflowType);
  if (context.campaignId === undefined) return context;
  const attributes = info.typedSearchAttributes;
  const round = context.round ?? attributes.get(ROUND_ATTRIBUTE);
  const step = attributes.get(STEP_ATTRIBUTE);
  return { ...context, ...(round === undefined ? {} : { round }), ...(step === undefined ? {} : { step }) };
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      // The SDK adds the log call's own attributes after these: a step passed by hand wins.
      getLogAttributes: (attributes, next) => next({ ...workflowContext(), ...attributes }),
    },
  ],
});
