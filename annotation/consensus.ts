/**
 * Redundant annotation (as CVAT's consensus and Label Studio's overlap): each query is asked of
 * several annotators and the answer that `quorum` of them gave is the one the round gets. This
 * module is the tally only (pure); votes are stored by vote-store.ts, decisions submitted by
 * answer-intake.ts.
 */
import type { AnswerRecord } from '../activities/round/contracts.js';

export interface Redundancy {
  /** Different annotators each query is asked of. */
  annotators: number;
  /** Agreeing answers that decide a query. */
  quorum: number;
}
export const SINGLE_ANSWER: Redundancy = { annotators: 1, quorum: 1 };

export type AnswerChoice = Pick<AnswerRecord, 'answer' | 'class'>;

export interface Vote extends AnswerChoice {
  queryId: string;
  annotator: string;
  /** When the service stored it, ISO 8601. */
  at: string;
}

export interface Decision extends AnswerChoice {
  /** The annotators who gave the deciding answer, sorted. */
  voters: string[];
}

export interface AnnotatorAgreement {
  annotator: string;
  votes: number;
  /** Votes on queries the round has an answer for. */
  decided: number;
  /** Of those, votes equal to the round's answer. */
  agreed: number;
  /** agreed / decided; null before any of the annotator's queries is decided. */
  agreement: number | null;
}

/** `correct`, `skip` or `relabel:<class>`: equal keys are equal answers. */
export function choiceKey(choice: AnswerChoice): string {
  return choice.answer === 'relabel' ? `relabel:${choice.class}` : choice.answer;
}

export function sameChoice(a: AnswerChoice, b: AnswerChoice): boolean {
  return choiceKey(a) === choiceKey(b);
}

export function describeChoice(choice: AnswerChoice): string {
  return choice.answer === 'relabel' ? `relabel ${choice.class}` : choice.answer;
}

/** The annotator recorded in the round for an answer decided by these voters. */
export function consensusAnnotator(voters: readonly string[]): string {
  return `consensus:${voters.join(',')}`;
}

export class VoteTally {
  /** queryId → annotator → vote. */
  private readonly votes = new Map<string, Map<string, Vote>>();
  private readonly perAnnotator = new Map<string, number>();

  /** Adds a vote; an annotator has one vote per query (a second one is ignored). */
  add(vote: Vote): void {
    let ofQuery = this.votes.get(vote.queryId);
    if (ofQuery === undefined) this.votes.set(vote.queryId, (ofQuery = new Map<string, Vote>()));
    if (ofQuery.has(vote.annotator)) return;
    ofQuery.set(vote.annotator, vote);
    this.perAnnotator.set(vote.annotator, (this.perAnnotator.get(vote.annotator) ?? 0) + 1);
  }

  voteOf(queryId: string, annotator: string): Vote | undefined {
    return this.votes.get(queryId)?.get(annotator);
  }

  count(queryId: string): number {
    return this.votes.get(queryId)?.size ?? 0;
  }

  votesBy(annotator: string): number {
    return this.perAnnotator.get(annotator) ?? 0;
  }

  annotators(): string[] {
    return [...this.perAnnotator.keys()];
  }

  queryIds(): string[] {
    return [...this.votes.keys()];
  }

  /**
   * The answer with at least `quorum` votes; if several have (a quorum below a majority), the one
   * with the most, then the first by key so the decision does not depend on arrival order.
   */
  decision(queryId: string, quorum: number): Decision | undefined {
    const groups = new Map<string, Vote[]>();
    for (const vote of this.votes.get(queryId)?.values() ?? []) {
      const key = choiceKey(vote);
      const group = groups.get(key);
      if (group) group.push(vote);
      else groups.set(key, [vote]);
    }
    let best: Vote[] | undefined;
    let bestKey = '';
    for (const [key, group] of groups) {
      if (group.length < quorum) continue;
      if (best === undefined || group.length > best.length || (group.length === best.length && key < bestKey)) {
        best = group;
        bestKey = key;
      }
    }
    if (best === undefined) return undefined;
    const { answer, class: cls } = best[0];
    return { answer, ...(answer === 'relabel' ? { class: cls } : {}), voters: best.map((v) => v.annotator).sort() };
  }

  /** Queries whose votes differ, with every vote (for the operator). */
  disagreements(): { queryId: string; votes: Vote[] }[] {
    const out: { queryId: string; votes: Vote[] }[] = [];
    for (const [queryId, ofQuery] of this.votes) {
      const votes = [...ofQuery.values()];
      if (new Set(votes.map(choiceKey)).size > 1) out.push({ queryId, votes: votes.sort((a, b) => a.annotator.localeCompare(b.annotator)) });
    }
    return out.sort((a, b) => a.queryId.localeCompare(b.queryId));
  }

  /** Per annotator: how often their vote equals the answer the round took. */
  agreement(roundAnswer: (queryId: string) => AnswerChoice | undefined): AnnotatorAgreement[] {
    const stats = new Map<string, AnnotatorAgreement>();
    for (const [queryId, ofQuery] of this.votes) {
      const decided = roundAnswer(queryId);
      for (const vote of ofQuery.values()) {
        let entry = stats.get(vote.annotator);
        if (entry === undefined) stats.set(vote.annotator, (entry = { annotator: vote.annotator, votes: 0, decided: 0, agreed: 0, agreement: null }));
        entry.votes++;
        if (decided === undefined) continue;
        entry.decided++;
        if (sameChoice(vote, decided)) entry.agreed++;
      }
    }
    for (const entry of stats.values()) entry.agreement = entry.decided > 0 ? entry.agreed / entry.decided : null;
    return [...stats.values()].sort((a, b) => a.annotator.localeCompare(b.annotator));
  }
}
