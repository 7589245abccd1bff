/**
 * The service's only way to the workflows: the campaign's `status` and the round's `roundProgress`
 * queries, the round's `submitAnswers` update, and visibility for the campaign list. An interface,
 * so unit tests of the HTTP layer can stand in for Temporal.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { roundWorkflowId, WORKFLOW_TYPES } from '../configs/constants.js';
import {
  roundProgressQuery,
  statusQuery,
  submitAnswersUpdate,
  type AnswerInput,
  type CampaignStatusView,
  type RoundProgress,
  type SubmitAnswersResult,
} from '../workflows/messages.js';

export type SubmitOutcome =
  /** The round judged every answer (accepted, duplicate, or rejected with a reason). */
  | { kind: 'judged'; result: SubmitAnswersResult }
  /** The round's validator refused the whole batch (not taking answers, closed, nothing acceptable). */
  | { kind: 'refused'; reason: string }
  /** No round workflow runs under that id (not started yet, or finished). */
  | { kind: 'no-round'; reason: string };

export interface CampaignListing {
  campaignId: string;
  execution: string;
  round: number | null;
  step: string | null;
  status: string | null;
  startedAt: string;
}

export interface CampaignGateway {
  /** undefined: no such campaign. */
  status(campaignId: string): Promise<CampaignStatusView | undefined>;
  /** undefined: no such round workflow (not started, or closed long ago). */
  roundProgress(campaignId: string, round: number): Promise<RoundProgress | undefined>;
  submitAnswers(campaignId: string, round: number, answers: AnswerInput[]): Promise<SubmitOutcome>;
  listCampaigns(limit: number): Promise<CampaignListing[]>;
  /** Throws when Temporal does not answer. */
  ping(): Promise<void>;
}

/** A query needs a worker to answer it: without one it would hang until the RPC's own deadline. */
const CALL_DEADLINE_MS = 10_000;

export class TemporalCampaignGateway implements CampaignGateway {
  constructor(private readonly client: Client) {}

  async status(campaignId: string): Promise<CampaignStatusView | undefined> {
    return this.orUndefined(() => this.client.workflow.getHandle(campaignId).query(statusQuery));
  }

  async roundProgress(campaignId: string, round: number): Promise<RoundProgress | undefined> {
    return this.orUndefined(() => this.client.workflow.getHandle(roundWorkflowId(campaignId, round)).query(roundProgressQuery));
  }

  async submitAnswers(campaignId: string, round: number, answers: AnswerInput[]): Promise<SubmitOutcome> {
    try {
      const result = await this.withDeadline(() =>
        this.client.workflow.getHandle(roundWorkflowId(campaignId, round)).executeUpdate(submitAnswersUpdate, { args: [{ answers }] }),
      );
      return { kind: 'judged', result };
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) return { kind: 'refused', reason: error.cause?.message ?? error.message };
      if (error instanceof WorkflowNotFoundError) return { kind: 'no-round', reason: error.message };
      throw error;
    }
  }

  async listCampaigns(limit: number): Promise<CampaignListing[]> {
    // One line per campaign: the runs it continued-as-new from are left out.
    const query = `WorkflowType = '${WORKFLOW_TYPES.campaign}' AND ExecutionStatus != 'ContinuedAsNew'`;
    const rows: CampaignListing[] = [];
    await this.withDeadline(async () => {
      for await (const execution of this.client.workflow.list({ query })) {
        const attributes = execution.searchAttributes as Record<string, unknown[] | undefined>;
        rows.push({
          campaignId: execution.workflowId,
          execution: execution.status.name,
          round: (attributes.AlcRound?.[0] as number | undefined) ?? null,
          step: (attributes.AlcStep?.[0] as string | undefined) ?? null,
          status: (attributes.AlcStatus?.[0] as string | undefined) ?? null,
          startedAt: execution.startTime.toISOString(),
        });
        if (rows.length >= limit) break;
      }
    });
    return rows;
  }

  async ping(): Promise<void> {
    await this.withDeadline(() => this.client.workflowService.getSystemInfo({}));
  }

  private withDeadline<T>(call: () => Promise<T>): Promise<T> {
    return this.client.withDeadline(Date.now() + CALL_DEADLINE_MS, call);
  }

  private async orUndefined<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.withDeadline(call);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }
}
