/**
 * The annotator API under `/api/` (annotation/README.md): who am I, a campaign and my progress,
 * leases, query assets, answers. Every parameter and body is validated; every campaign route
 * checks the token's scope first, so a foreign campaign is 403 whether it exists or not.
 */
import type { FastifyInstance } from 'fastify';
import { roundKeys } from '../../activities/round/keys.js';
import { NotFoundError } from '../../common/errors.js';
import { ApiError, parseRequest } from '../api-errors.js';
import {
  AnswersRequestSchema,
  AssetParamsSchema,
  CampaignParamsSchema,
  LeaseRequestSchema,
  ReleaseRequestSchema,
  type AnswerItem,
  type AnswerOutcomeView,
  type AnswersView,
  type CampaignView,
  type LeaseView,
  type MeView,
  type ReleaseView,
} from '../api-schemas.js';
import { principalOf, requireCampaign } from '../auth.js';
import type { RoundBoard } from '../round-board.js';
import { roundPrefixOf } from '../round-board.js';
import { progressView, queryView } from '../views.js';
import type { ApiContext } from './context.js';
import type { CampaignState } from '../campaign-directory.js';

/** Body limits per route: a lease request is tiny; 500 answers or query ids fit well below these. */
const LEASE_BODY_LIMIT = 1024;
const LIST_BODY_LIMIT = 256 * 1024;

/** The board of the round the campaign is on, once that round has issued its queries. */
export async function currentBoard(context: ApiContext, state: CampaignState): Promise<RoundBoard | undefined> {
  const { status, progress } = state;
  if (status.round < 1 || progress === undefined || progress.queries === 0) return undefined;
  return context.directory.board(status.campaignId, status.round, state.redundancy);
}

export function registerAnnotatorRoutes(api: FastifyInstance, context: ApiContext): void {
  const { directory, intake, store, metrics } = context;

  api.get('/me', (request): Promise<MeView> => {
    const { annotator, role, campaigns } = principalOf(request);
    return Promise.resolve({ annotator, role, campaigns });
  });

  api.get('/campaigns/:campaignId', async (request): Promise<CampaignView> => {
    const principal = principalOf(request);
    const { campaignId } = parseRequest(CampaignParamsSchema, request.params, 'params');
    requireCampaign(principal, campaignId);
    const state = await directory.campaign(campaignId);
    const board = await currentBoard(context, state);
    const { status } = state;
    return {
      campaignId,
      name: status.name,
      round: status.round,
      status: status.status,
      step: status.step ?? null,
      classes: state.classes,
      progress: progressView(state, board, principal.annotator),
      accepting: state.accepting,
      mode: status.mode === 'a2lc' ? 'a2lc' : 'alc',
      redundancy: state.redundancy,
    };
  });

  api.post('/campaigns/:campaignId/leases', { bodyLimit: LEASE_BODY_LIMIT }, async (request): Promise<LeaseView> => {
    const principal = principalOf(request);
    const { campaignId } = parseRequest(CampaignParamsSchema, request.params, 'params');
    requireCampaign(principal, campaignId);
    const { size } = parseRequest(LeaseRequestSchema, request.body, 'body');
    const state = await directory.campaign(campaignId);
    const board = state.accepting ? await currentBoard(context, state) : undefined;
    if (board === undefined) return { round: state.status.round, expiresAt: new Date(context.now()).toISOString(), queries: [] };
    const { leases, granted } = board.lease(principal.annotator, size);
    metrics.leased(campaignId, granted.length);
    const expiresAt = Math.max(context.now(), ...leases.map((l) => l.expiresAt));
    return {
      round: board.round,
      expiresAt: new Date(expiresAt).toISOString(),
      queries: leases.map((lease) => queryView(campaignId, board.round, board.query(lease.queryId)!, state.classes)),
    };
  });

  api.delete('/campaigns/:campaignId/leases', { bodyLimit: LIST_BODY_LIMIT }, async (request): Promise<ReleaseView> => {
    const principal = principalOf(request);
    const { campaignId } = parseRequest(CampaignParamsSchema, request.params, 'params');
    requireCampaign(principal, campaignId);
    const { queryIds } = parseRequest(ReleaseRequestSchema, request.body, 'body');
    const released = new Set<string>();
    for (const board of await directory.loadedBoards(campaignId)) {
      for (const queryId of board.release(principal.annotator, queryIds).released) released.add(queryId);
    }
    metrics.released(campaignId, released.size);
    return { released: [...released], notHeld: [...new Set(queryIds)].filter((id) => !released.has(id)) };
  });

  api.get('/campaigns/:campaignId/rounds/:round/assets/:image/:superpixel.png', async (request, reply) => {
    const principal = principalOf(request);
    const { campaignId, round, image, superpixel } = parseRequest(AssetParamsSchema, request.params, 'params');
    requireCampaign(principal, campaignId);
    // The key is a function of the query id (activities/round/keys.ts): no board needed for old rounds.
    const key = roundKeys.asset(roundPrefixOf(campaignId, round), `${image}/${superpixel}`);
    try {
      const body = await store.getStream(key);
      // A round renders each asset once; the bytes behind a URL never change.
      return reply.type('image/png').header('cache-control', 'private, max-age=86400, immutable').send(body);
    } catch (error) {
      if (error instanceof NotFoundError) throw new ApiError(404, 'unknown-query', `campaign ${campaignId} round ${round} has no query ${image}/${superpixel}`);
      throw error;
    }
  });

  api.post('/campaigns/:campaignId/answers', { bodyLimit: LIST_BODY_LIMIT }, async (request): Promise<AnswersView> => {
    const principal = principalOf(request);
    const { campaignId } = parseRequest(CampaignParamsSchema, request.params, 'params');
    requireCampaign(principal, campaignId);
    const { answers } = parseRequest(AnswersRequestSchema, request.body, 'body');
    const state = await directory.campaign(campaignId);
    const boards = await directory.loadedBoards(campaignId);
    // The round of an answer: as given, else the round the annotator leased the query in, else the current one.
    const byRound = new Map<number, { index: number; item: AnswerItem }[]>();
    answers.forEach((item, index) => {
      const round = item.round ?? boards.find((b) => b.holdsLease(principal.annotator, item.queryId))?.round ?? state.status.round;
      byRound.set(round, [...(byRound.get(round) ?? []), { index, item }]);
    });
    const outcomes = new Array<AnswerOutcomeView>(answers.length);
    for (const [round, group] of byRound) {
      const board = round >= 1 ? await directory.board(campaignId, round, state.redundancy) : undefined;
      if (board === undefined) {
        for (const { index, item } of group) {
          outcomes[index] = { queryId: item.queryId, outcome: 'rejected', reason: `round ${round} of campaign ${campaignId} has issued no queries` };
          metrics.answered(campaignId, 'rejected');
        }
        continue;
      }
      const campaign = { classes: state.status.classes ?? [], accepting: state.accepting && round === state.status.round };
      const judged = await intake.take(board, campaign, principal.annotator, group.map((g) => g.item));
      group.forEach(({ index }, j) => (outcomes[index] = judged[j]));
    }
    directory.invalidate(campaignId);
    const fresh = await directory.campaign(campaignId);
    return { outcomes, progress: progressView(fresh, await currentBoard(context, fresh), principal.annotator) };
  });
}
