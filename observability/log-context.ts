/**
 * Where a log line or a metric belongs in a campaign (campaign id, round, step), told from
 * Temporal's own ids, so that neither activities nor workflows pass these ids around by hand.
 *
 * Pure and dependency-free: it also runs inside the workflow sandbox (workflow-interceptors.ts).
 */
import { WORKFLOW_TYPES } from '../configs/constants.js';
import type { RoundStep } from '../workflows/messages.js';

export interface CampaignContext {
  campaignId?: string;
  round?: number;
  step?: string;
}

/** `<campaign>/round-<r>` (configs/constants.ts roundWorkflowId). */
const ROUND_WORKFLOW_ID = /^(.+)\/round-(\d+)$/;

/**
 * The campaign and round of a workflow: a round's id names both, a campaign workflow's id is the
 * campaign id. Anything else (the stack check, tools' one-off workflows) belongs to no campaign.
 */
export function campaignOfWorkflow(workflowId: string | undefined, workflowType: string | undefined): CampaignContext {
  if (workflowId === undefined) return {};
  const round = ROUND_WORKFLOW_ID.exec(workflowId);
  if (round) return { campaignId: round[1], round: Number(round[2]) };
  if (workflowType === WORKFLOW_TYPES.campaign) return { campaignId: workflowId };
  return {};
}

/** The round step each activity implements (workflows/messages.ts RoundStep names). */
const STEP_OF_ACTIVITY: Readonly<Record<string, RoundStep>> = {
  planShards: 'plan',
  classWeights: 'class-weights',
  scoreShard: 'score',
  selectQueries: 'select',
  issueQueries: 'issue',
  storeAnswerBatch: 'annotate',
  expandAnswers: 'expand',
  prepareAutoCorrection: 'auto-correct',
  trainLabelCorrector: 'auto-correct',
  applyAutoCorrections: 'auto-correct',
  trainSegmentationModel: 'train',
  dataMetrics: 'data-metrics',
  evaluateModel: 'evaluate',
  writeRoundReport: 'report',
};

/** An activity's step in its round; activities added later without an entry log their type only. */
export function stepOfActivity(activityType: string): RoundStep | undefined {
  return STEP_OF_ACTIVITY[activityType];
}

/** The context of one activity attempt, from its workflow's id and type and its own type. */
export function activityContext(info: { workflowId?: string; workflowType?: string; activityType: string }): CampaignContext {
  const campaign = campaignOfWorkflow(info.workflowId, info.workflowType);
  if (campaign.campaignId === undefined) return {};
  const step = stepOfActivity(info.activityType);
  return step === undefined ? campaign : { ...campaign, step };
}
