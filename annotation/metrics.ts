/**
 * The service's Prometheus metrics (names and labels documented in annotation/README.md), in a
 * registry of its own with Node's process metrics. Label values are campaign ids, outcomes and
 * route patterns: bounded sets, never query or annotator ids.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AnswerOutcomeKind } from './api-schemas.js';
import type { BoardCounts } from './round-board.js';

export interface BoardSnapshot {
  campaignId: string;
  round: number;
  counts: BoardCounts;
  /** When the round stops taking answers (ms since the epoch); absent once it has closed. */
  deadlineAt?: number;
}

export class AnnotationMetrics {
  readonly registry = new Registry();
  private readonly answers: Counter<'campaign' | 'outcome'>;
  private readonly leasesGranted: Counter<'campaign'>;
  private readonly leasesExpired: Counter<'campaign'>;
  private readonly leasesReleased: Counter<'campaign'>;
  private readonly latency: Histogram<'campaign'>;
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly requestSeconds: Histogram<'method' | 'route'>;

  /** `boards` is read at every scrape: the gauges show the state then, not at the last change. */
  constructor(boards: () => Promise<BoardSnapshot[]>) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.answers = new Counter({ name: 'alc_annotation_answers_total', help: 'Answers submitted through the API, by outcome', labelNames: ['campaign', 'outcome'], registers });
    this.leasesGranted = new Counter({ name: 'alc_annotation_leases_granted_total', help: 'Query leases granted (new, not renewals)', labelNames: ['campaign'], registers });
    this.leasesExpired = new Counter({ name: 'alc_annotation_leases_expired_total', help: 'Query leases that ran out unanswered', labelNames: ['campaign'], registers });
    this.leasesReleased = new Counter({ name: 'alc_annotation_leases_released_total', help: 'Query leases given back by the annotator', labelNames: ['campaign'], registers });
    this.latency = new Histogram({
      name: 'alc_annotation_answer_latency_seconds',
      help: 'Time from a query being leased to its answer arriving (accepted or pending quorum)',
      labelNames: ['campaign'],
      buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800],
      registers,
    });
    this.requests = new Counter({ name: 'alc_annotation_http_requests_total', help: 'HTTP requests by route pattern and status', labelNames: ['method', 'route', 'status'], registers });
    this.requestSeconds = new Histogram({
      name: 'alc_annotation_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    new Gauge({
      name: 'alc_annotation_queries',
      help: "Queries of each campaign's loaded rounds by state (open, leased, answered)",
      labelNames: ['campaign', 'round', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const { campaignId, round, counts } of await boards()) {
          for (const state of ['open', 'leased', 'answered'] as const) this.set({ campaign: campaignId, round: String(round), state }, counts[state]);
        }
      },
    });
    new Gauge({
      name: 'alc_annotation_round_deadline_timestamp_seconds',
      help: 'When each round still taking answers stops taking them (Unix seconds; the round then proceeds or extends by its policy)',
      labelNames: ['campaign', 'round'],
      registers,
      async collect() {
        this.reset();
        for (const { campaignId, round, deadlineAt } of await boards()) {
          if (deadlineAt !== undefined) this.set({ campaign: campaignId, round: String(round) }, deadlineAt / 1000);
        }
      },
    });
  }

  answered(campaignId: string, outcome: AnswerOutcomeKind): void {
    this.answers.inc({ campaign: campaignId, outcome });
  }

  leased(campaignId: string, count: number): void {
    if (count > 0) this.leasesGranted.inc({ campaign: campaignId }, count);
  }

  expired(campaignId: string): void {
    this.leasesExpired.inc({ campaign: campaignId });
  }

  released(campaignId: string, count: number): void {
    if (count > 0) this.leasesReleased.inc({ campaign: campaignId }, count);
  }

  answerLatency(campaignId: string, seconds: number): void {
    this.latency.observe({ campaign: campaignId }, seconds);
  }

  request(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.requestSeconds.observe({ method, route }, seconds);
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
