/**
 * The annotation state of one round as the service sees it: the round's queries (immutable once
 * issued), which of them the round has an answer for (its answer batches in S3, plus what this
 * service submitted), the votes of redundant annotation, and the leases.
 *
 * Leases live in this process's memory: the service runs as one replica per set of campaigns
 * (annotation/README.md). Granting is synchronous (no await between choosing a query and
 * recording its lease), so concurrent requests can never be handed the same query.
 */
import type { AnswerRecord } from '../activities/round/contracts.js';
import { roundKeys } from '../activities/round/keys.js';
import { AnswerRecordSchema, QueryRecordSchema, type QueryRecord } from '../activities/round/records.js';
import { parseJsonl } from '../common/jsonl.js';
import type { AnnotatorAgreement, Redundancy, Vote } from './consensus.js';
import { VoteTally } from './consensus.js';
import type { ObjectStore } from './object-store.js';
import { readVotes } from './vote-store.js';

/** `campaigns/<c>/round-<r>/`, as workflows/round.ts names it (clients do not import workflow code). */
export function roundPrefixOf(campaignId: string, round: number): string {
  return `campaigns/${campaignId}/round-${round}/`;
}

export interface Lease {
  queryId: string;
  annotator: string;
  /** ms since the epoch. */
  grantedAt: number;
  expiresAt: number;
}

export interface BoardCounts {
  queries: number;
  answered: number;
  /** Unanswered queries with at least one lease. */
  leased: number;
  open: number;
}

export interface AnnotatorCounts {
  annotator: string;
  /** Queries this annotator holds a lease on now. */
  leased: number;
  /** Answers the round took from this annotator (single answers), or votes given (redundancy). */
  answered: number;
}

export interface RoundBoardOptions {
  leaseTtlMs: number;
  redundancy: Redundancy;
  now?: () => number;
  /** Told of every lease that ran out (the expiry metric). */
  onExpired?: (lease: Lease) => void;
}

export class RoundBoard {
  readonly roundPrefix: string;
  readonly redundancy: Redundancy;
  readonly votes = new VoteTally();
  private readonly byId: Map<string, QueryRecord>;
  private readonly answers = new Map<string, AnswerRecord>();
  /** queryId → its active leases (one, or up to the annotators still needed with redundancy). */
  private readonly leases = new Map<string, Lease[]>();
  private readonly batchesRead = new Set<string>();
  private readonly leaseTtlMs: number;
  private readonly now: () => number;
  private readonly onExpired: (lease: Lease) => void;

  constructor(
    readonly campaignId: string,
    readonly round: number,
    /** In rank order. */
    readonly queries: readonly QueryRecord[],
    options: RoundBoardOptions,
  ) {
    this.roundPrefix = roundPrefixOf(campaignId, round);
    this.byId = new Map(queries.map((q) => [q.queryId, q]));
    this.redundancy = options.redundancy;
    this.leaseTtlMs = options.leaseTtlMs;
    this.now = options.now ?? Date.now;
    this.onExpired = options.onExpired ?? (() => {});
  }

  /** The round's queries, answers and votes from S3; undefined while the round has issued no queries. */
  static async load(store: ObjectStore, campaignId: string, round: number, options: RoundBoardOptions): Promise<RoundBoard | undefined> {
    const queriesKey = roundKeys.queries(roundPrefixOf(campaignId, round));
    if (!(await store.exists(queriesKey))) return undefined;
    const queries = parseJsonl(await store.getBytes(queriesKey), store.uri(queriesKey), QueryRecordSchema).map(({ value }) => value);
    const board = new RoundBoard(campaignId, round, queries, options);
    await board.refreshAnswers(store);
    if (options.redundancy.annotators > 1) for (const vote of await readVotes(store, board.roundPrefix)) board.votes.add(vote);
    return board;
  }

  /** Reads the answer batches not read yet (answers that reached the round another way, e.g. `alc campaign answer`). */
  async refreshAnswers(store: ObjectStore): Promise<void> {
    const prefix = `${this.roundPrefix}answers/`;
    const fresh: string[] = [];
    for await (const object of store.list(prefix)) if (object.key.endsWith('.jsonl') && !this.batchesRead.has(object.key)) fresh.push(object.key);
    for (const key of fresh) {
      for (const { value } of parseJsonl(await store.getBytes(key), store.uri(key), AnswerRecordSchema)) this.recordAnswer(value);
      this.batchesRead.add(key);
    }
  }

  query(queryId: string): QueryRecord | undefined {
    return this.byId.get(queryId);
  }

  answerOf(queryId: string): AnswerRecord | undefined {
    return this.answers.get(queryId);
  }

  /** The round took this answer: the query leaves every lease and is never offered again. */
  recordAnswer(record: AnswerRecord): void {
    if (!this.byId.has(record.queryId) || this.answers.has(record.queryId)) return;
    this.answers.set(record.queryId, record);
    this.leases.delete(record.queryId);
  }

  /**
   * The leases `annotator` holds (renewed, all of them), then new ones in rank order up to `size`
   * in all. A query is offered to an annotator who has not voted on it, while it needs more
   * answers than it has leases: 1 without redundancy; with it, the votes still missing to reach
   * `annotators`, and one at a time after that until an answer reaches the quorum.
   */
  lease(annotator: string, size: number): { leases: Lease[]; granted: Lease[] } {
    this.expireLeases();
    const now = this.now();
    const expiresAt = now + this.leaseTtlMs;
    const leases: Lease[] = [];
    for (const active of this.leases.values()) {
      for (const lease of active) {
        if (lease.annotator !== annotator) continue;
        lease.expiresAt = expiresAt;
        leases.push(lease);
      }
    }
    const granted: Lease[] = [];
    for (const query of this.queries) {
      if (leases.length + granted.length >= size) break;
      const active = this.leases.get(query.queryId) ?? [];
      if (active.some((l) => l.annotator === annotator) || !this.offerable(query.queryId, annotator, active.length)) continue;
      const lease: Lease = { queryId: query.queryId, annotator, grantedAt: now, expiresAt };
      this.leases.set(query.queryId, [...active, lease]);
      granted.push(lease);
    }
    leases.push(...granted);
    leases.sort((a, b) => this.byId.get(a.queryId)!.rank - this.byId.get(b.queryId)!.rank);
    return { leases, granted };
  }

  /** Ends the named leases of `annotator`; the queries are offered again at once. */
  release(annotator: string, queryIds: readonly string[]): { released: string[]; notHeld: string[] } {
    const released: string[] = [];
    const notHeld: string[] = [];
    for (const queryId of new Set(queryIds)) (this.takeLease(annotator, queryId) ? released : notHeld).push(queryId);
    return { released, notHeld };
  }

  holdsLease(annotator: string, queryId: string): boolean {
    const now = this.now();
    return (this.leases.get(queryId) ?? []).some((l) => l.annotator === annotator && l.expiresAt > now);
  }

  /** Removes and returns the annotator's active lease on a query (it answered, or let go). */
  takeLease(annotator: string, queryId: string): Lease | undefined {
    this.expireLeases();
    const active = this.leases.get(queryId) ?? [];
    const lease = active.find((l) => l.annotator === annotator);
    if (lease === undefined) return undefined;
    const rest = active.filter((l) => l !== lease);
    if (rest.length === 0) this.leases.delete(queryId);
    else this.leases.set(queryId, rest);
    return lease;
  }

  /** Drops the leases that ran out; every operation starts with it, a timer calls it too (metrics). */
  expireLeases(): void {
    const now = this.now();
    for (const [queryId, active] of this.leases) {
      if (active.every((l) => l.expiresAt > now)) continue;
      const alive: Lease[] = [];
      for (const lease of active) {
        if (lease.expiresAt > now) alive.push(lease);
        else this.onExpired(lease);
      }
      if (alive.length === 0) this.leases.delete(queryId);
      else this.leases.set(queryId, alive);
    }
  }

  counts(): BoardCounts {
    this.expireLeases();
    const leased = this.leases.size;
    const queries = this.queries.length;
    const answered = this.answers.size;
    return { queries, answered, leased, open: Math.max(0, queries - answered - leased) };
  }

  /** Answers (or votes, with redundancy) of one annotator in this round. */
  answeredBy(annotator: string): number {
    if (this.redundancy.annotators > 1) return this.votes.votesBy(annotator);
    let count = 0;
    for (const record of this.answers.values()) if (record.annotator === annotator) count++;
    return count;
  }

  /** Per annotator: leases held now and answers given, for the operator. */
  annotatorCounts(): AnnotatorCounts[] {
    this.expireLeases();
    const names = new Set<string>(this.votes.annotators());
    const leased = new Map<string, number>();
    for (const active of this.leases.values()) {
      for (const lease of active) {
        names.add(lease.annotator);
        leased.set(lease.annotator, (leased.get(lease.annotator) ?? 0) + 1);
      }
    }
    if (this.redundancy.annotators === 1) for (const record of this.answers.values()) names.add(record.annotator);
    return [...names].sort().map((annotator) => ({ annotator, leased: leased.get(annotator) ?? 0, answered: this.answeredBy(annotator) }));
  }

  agreement(): AnnotatorAgreement[] {
    return this.votes.agreement((queryId) => this.answers.get(queryId));
  }

  disagreements(): { queryId: string; votes: Vote[]; decided?: AnswerRecord }[] {
    return this.votes.disagreements().map((d) => ({ ...d, ...(this.answers.has(d.queryId) ? { decided: this.answers.get(d.queryId) } : {}) }));
  }

  private offerable(queryId: string, annotator: string, activeLeases: number): boolean {
    if (this.answers.has(queryId)) return false;
    if (this.redundancy.annotators === 1) return activeLeases === 0;
    if (this.votes.voteOf(queryId, annotator) !== undefined) return false;
    const needed = Math.max(this.redundancy.annotators - this.votes.count(queryId), 1);
    return activeLeases < needed;
  }
}
