/**
 * Stand-ins for the annotation service's two boundaries, for unit tests of the HTTP layer with
 * Fastify's `inject`: an in-memory object store (S3 semantics the service relies on: write-once
 * conflicts, not-found, ordered listing) and a campaign gateway that judges answers as the round
 * workflow's `submitAnswers` does (accepted, duplicate, conflicting, closed). The integration test
 * (test/integration/annotation-service.test.ts) runs the real ones.
 */
import { Readable } from 'node:stream';
import type { z } from 'zod';
import type { QueryRecord } from '../../activities/round/records.js';
import type { CampaignGateway, CampaignListing, SubmitOutcome } from '../../annotation/campaign-gateway.js';
import type { ObjectStore } from '../../annotation/object-store.js';
import { roundPrefixOf } from '../../annotation/round-board.js';
import { InputError, NotFoundError } from '../../common/errors.js';
import { encodeJsonl } from '../../common/jsonl.js';
import { ArtifactConflictError } from '../../storage/artifact-store.js';
import type { AnswerInput, AnswerOutcome, CampaignStatusView, RoundProgress } from '../../workflows/messages.js';

export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Buffer>();
  /** Keys written, in order (a test checks what became durable). */
  readonly writes: string[] = [];

  uri(key: string): string {
    return `memory://${key}`;
  }

  getBytes(key: string): Promise<Buffer> {
    const bytes = this.objects.get(key);
    return bytes ? Promise.resolve(bytes) : Promise.reject(new NotFoundError(`${this.uri(key)} does not exist`));
  }

  async getStream(key: string): Promise<Readable> {
    return Readable.from([await this.getBytes(key)]);
  }

  async getJson<S extends z.ZodType>(key: string, schema: S): Promise<z.infer<S>> {
    const parsed = schema.safeParse(JSON.parse((await this.getBytes(key)).toString('utf8')));
    if (!parsed.success) throw new InputError(`${this.uri(key)}: ${parsed.error.message}`);
    return parsed.data;
  }

  putJson(key: string, value: unknown): Promise<void> {
    this.put(key, `${JSON.stringify(value)}\n`);
    return Promise.resolve();
  }

  putBytesOnce(key: string, body: Uint8Array | string): Promise<'written' | 'already-written'> {
    const bytes = Buffer.from(body);
    const existing = this.objects.get(key);
    if (existing === undefined) {
      this.put(key, bytes);
      return Promise.resolve('written');
    }
    if (existing.equals(bytes)) return Promise.resolve('already-written');
    return Promise.reject(new ArtifactConflictError(`${this.uri(key)} is already written with different content`));
  }

  exists(key: string): Promise<boolean> {
    return Promise.resolve(this.objects.has(key));
  }

  async *list(keyPrefix = ''): AsyncGenerator<{ key: string; size: number }> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(keyPrefix)).sort();
    for (const key of keys) yield await Promise.resolve({ key, size: this.objects.get(key)!.length });
  }

  put(key: string, body: string | Buffer): void {
    this.objects.set(key, Buffer.from(body));
    this.writes.push(key);
  }
}

/** `n` queries of round `round`, `img<i>/<i+1>`, in rank order, as issueQueries writes them. */
export function fakeQueries(campaignId: string, round: number, n: number): QueryRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    queryId: `img${i}/${i + 1}`,
    image: `img${i}`,
    superpixel: i + 1,
    rank: i + 1,
    rep: [1, 2],
    label: 1,
    labelName: 'one',
    expansion: 10,
    assetKey: `${roundPrefixOf(campaignId, round)}assets/img${i}_${i + 1}.png`,
    bbox: { left: 0, top: 0, width: 4, height: 3 },
  }));
}

interface FakeRound {
  queryIds: Set<string>;
  answers: Map<string, AnswerInput>;
  open: boolean;
  /** The round workflow has ended (updates find no workflow). */
  over: boolean;
  batches: number;
}

/**
 * One campaign whose round `round` waits for answers: its dataset manifest and queries are in the
 * store, and the gateway judges answers like the round workflow's update and stores each batch.
 */
export class FakeCampaign implements CampaignGateway {
  readonly rounds = new Map<number, FakeRound>();
  readonly submitted: AnswerInput[][] = [];
  view: CampaignStatusView;

  constructor(
    readonly store: MemoryObjectStore,
    readonly campaignId: string,
    options: { round?: number; queries?: number; redundancy?: { annotators: number; quorum: number }; classes?: number[] } = {},
  ) {
    const round = options.round ?? 1;
    const classes = options.classes ?? [0, 1, 2, 3];
    const queries = fakeQueries(campaignId, round, options.queries ?? 6);
    store.put('datasets/fake/manifest.json', JSON.stringify({ classes: classes.map((id) => ({ id, name: ['zero', 'one', 'two', 'three', 'four'][id] ?? `c${id}`, color: [id, id, id] })) }));
    store.put(`${roundPrefixOf(campaignId, round)}queries.jsonl`, encodeJsonl(queries));
    for (const q of queries) store.put(q.assetKey, Buffer.from(`\x89PNG fake ${q.queryId}`, 'latin1'));
    this.rounds.set(round, { queryIds: new Set(queries.map((q) => q.queryId)), answers: new Map(), open: true, over: false, batches: 0 });
    this.view = {
      campaignId,
      name: 'fake',
      status: 'awaiting-answers',
      paused: false,
      round,
      rounds: 3,
      budgetPerRound: queries.length,
      mode: 'alc',
      step: 'annotate',
      queries: queries.length,
      answered: 0,
      history: [],
      runs: 1,
      datasetPrefix: 'datasets/fake/',
      classes,
      redundancy: options.redundancy,
    };
  }

  round(round = this.view.round): FakeRound {
    return this.rounds.get(round)!;
  }

  /** The round stops taking answers (deadline); the campaign goes on to expansion. */
  close(round = this.view.round): void {
    this.round(round).open = false;
    this.view = { ...this.view, status: 'running', step: 'expand' };
  }

  status(campaignId: string): Promise<CampaignStatusView | undefined> {
    return Promise.resolve(campaignId === this.campaignId ? this.view : undefined);
  }

  roundProgress(campaignId: string, round: number): Promise<RoundProgress | undefined> {
    const r = campaignId === this.campaignId ? this.rounds.get(round) : undefined;
    if (r === undefined) return Promise.resolve(undefined);
    return Promise.resolve({
      campaignId,
      round,
      status: r.open ? 'awaiting-answers' : 'running',
      step: r.open ? 'annotate' : 'expand',
      completedSteps: [],
      skippedSteps: [],
      queries: r.queryIds.size,
      answered: r.answers.size,
      annotation: { openedAt: 0, deadlineAt: 1, reminders: 0, extensions: 0, ...(r.open ? {} : { closedAt: 1, closedBy: 'deadline' as const }) },
      runs: 1,
    });
  }

  submitAnswers(campaignId: string, round: number, answers: AnswerInput[]): Promise<SubmitOutcome> {
    this.submitted.push(answers);
    const r = this.rounds.get(round);
    if (campaignId !== this.campaignId || r === undefined || r.over) return Promise.resolve({ kind: 'no-round', reason: 'workflow not found' });
    if (!r.open) return Promise.resolve({ kind: 'refused', reason: `round ${round} stopped taking answers: late answers are not taken` });
    const inBatch = new Map<string, AnswerInput>();
    const outcomes = answers.map((a): AnswerOutcome => {
      if (!r.queryIds.has(a.queryId)) return { queryId: a.queryId, outcome: 'rejected', reason: `no query ${a.queryId} was issued in round ${round}` };
      const earlier = r.answers.get(a.queryId) ?? inBatch.get(a.queryId);
      if (earlier) {
        const same = earlier.answer === a.answer && (a.answer !== 'relabel' || earlier.class === a.class);
        return same ? { queryId: a.queryId, outcome: 'duplicate' } : { queryId: a.queryId, outcome: 'rejected', reason: `conflicts with the answer already given by ${earlier.annotator}` };
      }
      inBatch.set(a.queryId, a);
      return { queryId: a.queryId, outcome: 'accepted' };
    });
    if (outcomes.every((o) => o.outcome === 'rejected')) return Promise.resolve({ kind: 'refused', reason: `no answer of the batch can be taken: ${outcomes[0].reason}` });
    const accepted = answers.filter((_, i) => outcomes[i].outcome === 'accepted').map(({ round: _r, ...rest }) => rest);
    if (accepted.length > 0) {
      this.store.put(`${roundPrefixOf(campaignId, round)}answers/batch-${r.batches++}.jsonl`, encodeJsonl(accepted));
      for (const a of accepted) r.answers.set(a.queryId, a);
    }
    const count = (kind: AnswerOutcome['outcome']) => outcomes.filter((o) => o.outcome === kind).length;
    return Promise.resolve({
      kind: 'judged',
      result: { round, accepted: count('accepted'), duplicates: count('duplicate'), rejected: count('rejected'), outcomes, answered: r.answers.size, total: r.queryIds.size },
    });
  }

  listCampaigns(): Promise<CampaignListing[]> {
    return Promise.resolve([{ campaignId: this.campaignId, execution: 'RUNNING', round: this.view.round, step: 'annotate', status: this.view.status, startedAt: new Date(0).toISOString() }]);
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }
}
