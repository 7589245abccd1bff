/**
 * Operator routes under `/api/operator/`: the campaigns a token may see, and one campaign's rounds,
 * progress, per-annotator counts and (with redundancy) agreement and disagreements.
 */
import type { FastifyInstance } from 'fastify';
import { parseRequest } from '../api-errors.js';
import { CampaignParamsSchema, OperatorCampaignQuerySchema } from '../api-schemas.js';
import { principalOf, requireCampaign, requireOperator } from '../auth.js';
import { canAccessCampaign } from '../tokens.js';
import type { ApiContext } from './context.js';

/** Campaigns listed at most; disagreements listed per round at most (the count is always whole). */
const MAX_CAMPAIGNS = 500;
const MAX_DISAGREEMENTS = 200;

export function registerOperatorRoutes(api: FastifyInstance, context: ApiContext): void {
  const { directory, gateway } = context;

  api.addHook('preHandler', (request, _reply, done) => {
    try {
      requireOperator(principalOf(request));
      done();
    } catch (error) {
      done(error as Error);
    }
  });

  api.get('/campaigns', async (request) => {
    const principal = principalOf(request);
    const campaigns = (await gateway.listCampaigns(MAX_CAMPAIGNS)).filter((c) => canAccessCampaign(principal, c.campaignId));
    return { campaigns };
  });

  api.get('/campaigns/:campaignId', async (request) => {
    const principal = principalOf(request);
    const { campaignId } = parseRequest(CampaignParamsSchema, request.params, 'params');
    requireCampaign(principal, campaignId);
    const query = parseRequest(OperatorCampaignQuerySchema, request.query, 'query');
    const state = await directory.campaign(campaignId);
    const { status } = state;
    const round = query.round ?? status.round;
    const board = round >= 1 ? await directory.board(campaignId, round, state.redundancy) : undefined;
    const agreement = new Map((board?.agreement() ?? []).map((a) => [a.annotator, a]));
    const disagreements = board?.disagreements() ?? [];
    return {
      campaignId,
      name: status.name,
      status: status.status,
      round: status.round,
      rounds: status.rounds,
      step: status.step ?? null,
      mode: status.mode,
      budgetPerRound: status.budgetPerRound,
      redundancy: state.redundancy,
      accepting: state.accepting,
      annotation: state.progress?.annotation ?? null,
      history: status.history,
      shown: {
        round,
        /** null: the round has issued no queries. */
        progress: board?.counts() ?? null,
        annotators: (board?.annotatorCounts() ?? []).map((counts) => {
          const a = agreement.get(counts.annotator);
          return a ? { ...counts, decided: a.decided, agreed: a.agreed, agreement: a.agreement } : counts;
        }),
        disagreementCount: disagreements.length,
        disagreements: disagreements.slice(0, MAX_DISAGREEMENTS),
      },
    };
  });
}
