/**
 * Simulated annotators (`alc annotate --oracle`): each one a token of its own, working through the
 * HTTP API exactly as a person's browser does (lease a batch, answer it, lease the next), with
 * the spec's oracle deciding the answers (round-truth.ts). Several run in parallel; annotator `i`
 * draws its errors and latencies from seed `seed + i`, so redundant annotators err independently.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LatencyModel } from '../../engine/oracle.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { AnnotationApiClient } from '../api-client.js';
import type { AnswerItem, CampaignView } from '../api-schemas.js';
import { RoundTruth, type OracleAnswer } from './round-truth.js';

/** When the annotators stop: the first round that takes answers is closed, one batch each, or the campaign ended. */
export type OracleStop = 'round-closed' | 'once' | 'campaign-done';

export interface OracleAnnotatorsOptions {
  url: string;
  campaignId: string;
  /** One per simulated annotator. */
  tokens: readonly string[];
  /** Read-only: the ground truth, the labels in use and the expansion maps. */
  store: ArtifactStore;
  errorRate: number;
  seed: number;
  latency?: LatencyModel;
  /** Queries leased at a time. */
  batchSize: number;
  until: OracleStop;
  /** How often an annotator with nothing to do asks again (default 1 s). */
  pollMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: { round: number; answered: number; queries: number }) => void;
}

export interface OracleTally {
  answers: number;
  accepted: number;
  duplicate: number;
  rejected: number;
  pendingQuorum: number;
  correct: number;
  relabel: number;
  skip: number;
}

export interface OracleAnnotatorSummary extends OracleTally {
  annotator: string;
  /** The first few rejection reasons, for the operator. */
  rejections: string[];
}

export interface OracleRunSummary {
  campaignId: string;
  rounds: number[];
  annotators: OracleAnnotatorSummary[];
  totals: OracleTally;
  seconds: number;
}

const DEFAULT_POLL_MS = 1000;
const KEPT_REJECTIONS = 5;

const emptyTally = (): OracleTally => ({ answers: 0, accepted: 0, duplicate: 0, rejected: 0, pendingQuorum: 0, correct: 0, relabel: 0, skip: 0 });

/** Waits; false when stopped meanwhile. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

export async function runOracleAnnotators(options: OracleAnnotatorsOptions): Promise<OracleRunSummary> {
  const started = Date.now();
  const { campaignId, until, store } = options;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const clients = options.tokens.map((token) => new AnnotationApiClient(options.url, token));
  const names = await Promise.all(clients.map(async (client) => (await client.me()).annotator));
  const first = clients[0];
  const rounds = new Set<number>();
  const truths = new Map<number, Promise<RoundTruth>>();
  const truthOf = (round: number) => {
    let truth = truths.get(round);
    if (truth === undefined) truths.set(round, (truth = RoundTruth.open(store, campaignId, round)));
    return truth;
  };

  // The round to answer: the one taking answers now, or the next one to.
  let campaign: CampaignView = await first.campaign(campaignId);
  while (until !== 'campaign-done' && !campaign.accepting && !ended(campaign)) {
    if (!(await pause(pollMs, stop.signal))) break;
    campaign = await first.campaign(campaignId);
  }
  const target = campaign.accepting ? campaign.round : undefined;
  const mode = campaign.mode;

  const finished = async (): Promise<boolean> => {
    const now = await first.campaign(campaignId);
    if (until === 'campaign-done') return ended(now);
    return !(now.accepting && now.round === target);
  };

  const summaries = names.map((annotator): OracleAnnotatorSummary => ({ annotator, ...emptyTally(), rejections: [] }));
  const annotate = async (index: number): Promise<void> => {
    const client = clients[index];
    const summary = summaries[index];
    let held: string[] = [];
    try {
      while (!stop.signal.aborted) {
        const lease = await client.lease(campaignId, options.batchSize);
        held = lease.queries.map((q) => q.queryId);
        if (until !== 'campaign-done' && lease.queries.length > 0 && lease.round !== target) break; // the campaign moved on
        if (lease.queries.length === 0) {
          if (until === 'once' || (await finished())) break;
          if (!(await pause(pollMs, stop.signal))) break;
          continue;
        }
        rounds.add(lease.round);
        const truth = await truthOf(lease.round);
        const answers = await truth.answer(lease.queries, { mode, errorRate: options.errorRate, seed: options.seed + index, latency: options.latency });
        const thinking = answers.reduce((sum, a) => sum + (a.latencyMs ?? 0), 0);
        if (thinking > 0 && !(await pause(thinking, stop.signal))) break;
        const reply = await client.answer(campaignId, answers.map(withoutLatency));
        held = [];
        count(summary, answers, reply.outcomes);
        options.onProgress?.({ round: lease.round, answered: reply.progress.answered, queries: reply.progress.queries });
        if (until === 'once') break;
      }
    } catch (error) {
      stop.abort();
      throw error;
    } finally {
      // Leases of a stopped annotator go back at once instead of waiting out their expiry.
      if (held.length > 0) await client.release(campaignId, held).catch(() => undefined);
    }
  };
  const results = await Promise.allSettled(clients.map((_, index) => annotate(index)));
  options.signal?.removeEventListener('abort', onOuterAbort);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;

  const totals = emptyTally();
  for (const summary of summaries) for (const key of Object.keys(totals) as (keyof OracleTally)[]) totals[key] += summary[key];
  return { campaignId, rounds: [...rounds].sort((a, b) => a - b), annotators: summaries, totals, seconds: (Date.now() - started) / 1000 };
}

function ended(campaign: CampaignView): boolean {
  return campaign.status === 'completed' || campaign.status === 'cancelled';
}

function withoutLatency({ latencyMs: _latency, ...answer }: OracleAnswer): AnswerItem {
  return answer;
}

function count(summary: OracleAnnotatorSummary, answers: readonly OracleAnswer[], outcomes: readonly { outcome: string; reason?: string }[]): void {
  for (const answer of answers) {
    summary.answers++;
    summary[answer.answer]++;
  }
  for (const outcome of outcomes) {
    if (outcome.outcome === 'accepted') summary.accepted++;
    else if (outcome.outcome === 'duplicate') summary.duplicate++;
    else if (outcome.outcome === 'pending-quorum') summary.pendingQuorum++;
    else {
      summary.rejected++;
      if (summary.rejections.length < KEPT_REJECTIONS) summary.rejections.push(`${outcome.reason ?? 'rejected'}`);
    }
  }
}
