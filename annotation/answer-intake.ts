/**
 * Answers from annotators into a round. Without redundancy every answer goes to the round's
 * `submitAnswers` update as is (annotator = the token's name), and the annotator is told the
 * round's judgement only once the update has stored it in S3. With redundancy each answer is a
 * vote, stored in S3 before the reply (vote-store.ts); when `quorum` votes agree, the agreed
 * answer goes to the round under `consensus:<voters>`. A service that stops between the two
 * finds the decided votes when it loads the round again and submits them then (`reconcile`).
 */
import type { AnswerRecord } from '../activities/round/contracts.js';
import { IGNORE_LABEL } from '../engine/types.js';
import type { AnswerInput } from '../workflows/messages.js';
import type { AnswerItem, AnswerOutcomeView } from './api-schemas.js';
import type { CampaignGateway } from './campaign-gateway.js';
import { consensusAnnotator, describeChoice, sameChoice, type Decision } from './consensus.js';
import type { AnnotationMetrics } from './metrics.js';
import type { ObjectStore } from './object-store.js';
import type { RoundBoard } from './round-board.js';
import { storeVote } from './vote-store.js';

/** Answers per update: below the campaigns' smallest sensible `annotation.maxBatch` (default 500). */
const UPDATE_CHUNK = 100;

export interface AnswerIntakeOptions {
  gateway: CampaignGateway;
  store: ObjectStore;
  metrics: AnnotationMetrics;
  now?: () => number;
  warn: (message: string, details: Record<string, unknown>) => void;
}

/** The campaign as the intake needs it: its class ids, and whether the round takes answers now. */
export interface IntakeCampaign {
  classes: readonly number[];
  accepting: boolean;
}

interface Pending {
  index: number;
  item: AnswerItem;
}

const rejected = (queryId: string, reason: string): AnswerOutcomeView => ({ queryId, outcome: 'rejected', reason });

function recordOf(queryId: string, choice: Pick<AnswerRecord, 'answer' | 'class'>, annotator: string): AnswerRecord {
  return choice.answer === 'relabel' ? { queryId, answer: 'relabel', class: choice.class, annotator } : { queryId, answer: choice.answer, annotator };
}

export class AnswerIntake {
  /** Votes of one round are tallied one request at a time (two votes must not both decide a query). */
  private readonly locks = new WeakMap<RoundBoard, Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly options: AnswerIntakeOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The outcome of every answer of one annotator to one round, in input order. */
  async take(board: RoundBoard, campaign: IntakeCampaign, annotator: string, items: readonly AnswerItem[]): Promise<AnswerOutcomeView[]> {
    const outcomes: AnswerOutcomeView[] = new Array<AnswerOutcomeView>(items.length);
    const valid = new Set([...campaign.classes, IGNORE_LABEL]);
    const pending: Pending[] = [];
    items.forEach((item, index) => {
      if (board.query(item.queryId) === undefined) outcomes[index] = rejected(item.queryId, `no query ${item.queryId} was issued in round ${board.round}`);
      else if (item.answer === 'relabel' && !valid.has(item.class!)) {
        outcomes[index] = rejected(item.queryId, `class ${item.class} is not a class of this campaign (${campaign.classes.join(', ')}; or ${IGNORE_LABEL}, cannot tell)`);
      } else pending.push({ index, item });
    });
    if (board.redundancy.annotators === 1) await this.submitSingle(board, annotator, pending, outcomes);
    else await this.locked(board, () => this.submitVotes(board, campaign, annotator, pending, outcomes));
    for (const outcome of outcomes) this.options.metrics.answered(board.campaignId, outcome.outcome);
    return outcomes;
  }

  /** Submits the decided votes the round does not have yet (after a restart between vote and submission). */
  async reconcile(board: RoundBoard): Promise<void> {
    if (board.redundancy.annotators === 1) return;
    await this.locked(board, async () => {
      const decided = board.votes
        .queryIds()
        .filter((queryId) => board.answerOf(queryId) === undefined)
        .map((queryId) => ({ queryId, decision: board.votes.decision(queryId, board.redundancy.quorum) }))
        .filter((d): d is { queryId: string; decision: Decision } => d.decision !== undefined);
      if (decided.length === 0) return;
      const reasons = await this.submitDecisions(board, decided);
      const refused = reasons.filter((r) => r !== undefined);
      if (refused.length > 0) this.options.warn('decided votes were not taken by the round', { campaignId: board.campaignId, round: board.round, refused: refused.length, reason: refused[0] });
    });
  }

  private async submitSingle(board: RoundBoard, annotator: string, pending: readonly Pending[], outcomes: AnswerOutcomeView[]): Promise<void> {
    for (let start = 0; start < pending.length; start += UPDATE_CHUNK) {
      const chunk = pending.slice(start, start + UPDATE_CHUNK);
      const records = chunk.map(({ item }) => recordOf(item.queryId, item, annotator));
      const reply = await this.options.gateway.submitAnswers(board.campaignId, board.round, records.map((r): AnswerInput => ({ ...r, round: board.round })));
      chunk.forEach(({ index, item }, j) => {
        const { queryId } = item;
        if (reply.kind === 'refused') outcomes[index] = rejected(queryId, reply.reason);
        else if (reply.kind === 'no-round') {
          // The round workflow has ended: a repeat of a stored answer is still acknowledged.
          const stored = board.answerOf(queryId);
          outcomes[index] = stored && sameChoice(stored, item) ? { queryId, outcome: 'duplicate' } : rejected(queryId, `round ${board.round} is over: late answers are not taken`);
        } else {
          const judged = reply.result.outcomes[j];
          outcomes[index] = judged.reason === undefined ? { queryId, outcome: judged.outcome } : { queryId, outcome: judged.outcome, reason: judged.reason };
          if (judged.outcome === 'rejected') return;
          this.leaseAnswered(board, annotator, queryId, judged.outcome === 'accepted');
          if (judged.outcome === 'accepted') board.recordAnswer(records[j]);
        }
      });
    }
  }

  private async submitVotes(board: RoundBoard, campaign: IntakeCampaign, annotator: string, pending: readonly Pending[], outcomes: AnswerOutcomeView[]): Promise<void> {
    const { annotators, quorum } = board.redundancy;
    const deciding: { index: number; queryId: string; decision: Decision }[] = [];
    for (const { index, item } of pending) {
      const { queryId } = item;
      const earlier = board.votes.voteOf(queryId, annotator);
      if (earlier !== undefined) {
        outcomes[index] = sameChoice(earlier, item) ? { queryId, outcome: 'duplicate' } : rejected(queryId, `conflicts with your earlier answer (${describeChoice(earlier)}); a query is answered once`);
        continue;
      }
      const decided = board.answerOf(queryId);
      if (decided !== undefined) {
        outcomes[index] = rejected(queryId, `already decided (${describeChoice(decided)} by ${decided.annotator}): no more answers are taken for it`);
        continue;
      }
      if (!campaign.accepting) {
        outcomes[index] = rejected(queryId, `round ${board.round} is not taking answers now: late answers are not taken`);
        continue;
      }
      const vote = { ...recordOf(queryId, item, annotator), at: new Date(this.now()).toISOString() };
      const stored = await storeVote(this.options.store, board.roundPrefix, vote);
      if (stored.stored === 'existing') {
        // Stored by an earlier request whose reply was lost.
        board.votes.add(stored.vote);
        outcomes[index] = sameChoice(stored.vote, item) ? { queryId, outcome: 'duplicate' } : rejected(queryId, `conflicts with your earlier answer (${describeChoice(stored.vote)}); a query is answered once`);
        continue;
      }
      board.votes.add(vote);
      this.leaseAnswered(board, annotator, queryId, true);
      const decision = board.votes.decision(queryId, quorum);
      if (decision) deciding.push({ index, queryId, decision });
      else outcomes[index] = { queryId, outcome: 'pending-quorum', reason: `${board.votes.count(queryId)} of ${annotators} answers in; ${quorum} must agree` };
    }
    const reasons = await this.submitDecisions(board, deciding);
    deciding.forEach(({ index, queryId, decision }, j) => {
      const reason = reasons[j];
      outcomes[index] =
        reason === undefined
          ? { queryId, outcome: 'accepted', reason: `agreed by ${decision.voters.join(', ')}` }
          : rejected(queryId, `your answer is stored, but the round did not take the agreed answer: ${reason}`);
    });
  }

  /** Sends decided answers to the round; per decision, undefined when the round has it, else why not. */
  private async submitDecisions(board: RoundBoard, decided: readonly { queryId: string; decision: Decision }[]): Promise<(string | undefined)[]> {
    const reasons: (string | undefined)[] = [];
    for (let start = 0; start < decided.length; start += UPDATE_CHUNK) {
      const records = decided.slice(start, start + UPDATE_CHUNK).map(({ queryId, decision }) => recordOf(queryId, decision, consensusAnnotator(decision.voters)));
      const reply = await this.options.gateway.submitAnswers(board.campaignId, board.round, records.map((r): AnswerInput => ({ ...r, round: board.round })));
      records.forEach((record, j) => {
        if (reply.kind !== 'judged') {
          reasons.push(reply.kind === 'refused' ? reply.reason : `round ${board.round} is over`);
          return;
        }
        const judged = reply.result.outcomes[j];
        if (judged.outcome === 'rejected') {
          reasons.push(judged.reason ?? 'rejected');
          return;
        }
        board.recordAnswer(record);
        reasons.push(undefined);
      });
    }
    return reasons;
  }

  private leaseAnswered(board: RoundBoard, annotator: string, queryId: string, observe: boolean): void {
    const lease = board.takeLease(annotator, queryId);
    if (lease && observe) this.options.metrics.answerLatency(board.campaignId, (this.now() - lease.grantedAt) / 1000);
  }

  private locked(board: RoundBoard, work: () => Promise<void>): Promise<void> {
    const run = (this.locks.get(board) ?? Promise.resolve()).then(work);
    this.locks.set(board, run.catch(() => undefined));
    return run;
  }
}
