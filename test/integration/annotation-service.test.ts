/**
 * The annotation service over real HTTP on the real stack (Temporal dev server + SeaweedFS), with
 * the real CPU worker (workflows, round activities) and a GPU stand-in that scores from the ground
 * truth instead of a model (test/support/annotation-gpu-stand-in.ts), so two campaigns reach the
 * annotate step in seconds: tokens and scopes, validation and size limits, concurrent leases,
 * lease expiry, duplicate/conflicting/late answers, redundancy with a quorum, and the oracle
 * annotators (`alc annotate --oracle`, a separate process using only the API) answering a whole
 * round, which then goes on and improves the labels.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { AnnotationApiClient } from '../../annotation/api-client.js';
import type { AnswersView, ApiErrorBody, CampaignView, LeaseView } from '../../annotation/api-schemas.js';
import type { OracleRunSummary } from '../../annotation/oracle/oracle-annotators.js';
import { startAnnotationService, type AnnotationService } from '../../annotation/service.js';
import { registerTokenCommands } from '../../cli/commands/token.js';
import { AnswerRecordSchema } from '../../activities/round/records.js';
import { parseJsonl } from '../../common/jsonl.js';
import { REPO_ROOT } from '../../common/paths.js';
import { CampaignConfigSchema, resolveCampaignConfig, type CampaignConfigInput } from '../../configs/campaign.js';
import { WORKFLOW_TYPES } from '../../configs/constants.js';
import { connectClient } from '../../connections/temporal.js';
import { generateSyntheticDataset } from '../../datasets/synthetic/generate.js';
import { oracleAnswers } from '../../engine/oracle.js';
import { DatasetReader } from '../../inference/dataset-reader.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { createS3Client } from '../../storage/s3-client.js';
import { S3Location } from '../../storage/s3-location.js';
import { createCpuWorker } from '../../workers/cpu.js';
import type { campaignWorkflow } from '../../workflows/campaign.js';
import { roundProgressQuery } from '../../workflows/messages.js';
import { eventually } from '../support/campaign-harness.js';
import { runCommand } from '../support/in-process-cli.js';
import { createGpuStandIn, standInScores } from '../support/annotation-gpu-stand-in.js';
import { runCli } from '../support/run-cli.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const DATASET = 'datasets/ann/';
const A = 'ann-a';
const B = 'ann-b';

async function http<T = ApiErrorBody>(base: string, method: string, route: string, token?: string, body?: string | object): Promise<{ status: number; json: T }> {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : undefined) as T };
}

describe('annotation service over HTTP on the real stack', () => {
  let stack: TestStack;
  let dir: string;
  let store: ArtifactStore;
  let connection: NativeConnection;
  let client: Client;
  let workers: { worker: Worker; running: Promise<void> }[] = [];
  let service: AnnotationService;
  let shortLeases: AnnotationService;
  const tokens: Record<string, string> = {};
  let revokedId = '';
  const savedConfig = process.env.ALC_CONFIG;

  async function createToken(...args: string[]): Promise<{ token: string; tokenId: string }> {
    const { stdout, exitCode } = await runCommand(registerTokenCommands, ['token', 'create', ...args, '--json']);
    assert.equal(exitCode, 0);
    return JSON.parse(stdout) as { token: string; tokenId: string };
  }

  async function startCampaign(campaignId: string, overrides: Partial<CampaignConfigInput>): Promise<void> {
    const reader = await DatasetReader.open(new S3Location(store.at(DATASET)));
    const config = resolveCampaignConfig(
      CampaignConfigSchema.parse({
        name: campaignId,
        datasetPrefix: DATASET,
        rounds: 1,
        budgetPerRound: 8,
        mode: 'alc',
        shardSize: 6,
        annotation: { deadline: '2 days', reminderEvery: '1 day' },
        ...overrides,
      }),
      reader.manifest.classes.map((c) => c.id),
    );
    await client.workflow.start<typeof campaignWorkflow>(WORKFLOW_TYPES.campaign, { workflowId: campaignId, taskQueue: config.taskQueues.cpu, args: [{ campaignId, config }] });
  }

  before(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    stack = await startTestStack('alc-annotation-');
    dir = mkdtempSync(path.join(os.tmpdir(), 'alc-annotation-'));
    const { config } = stack;
    const connectionFile = path.join(dir, 'connection.yaml');
    writeFileSync(
      connectionFile,
      `temporal: { address: "${config.temporal.address}", namespace: default }\n` +
        `s3: { endpoint: "${config.s3.endpoint}", bucket: ${config.s3.bucket}, forcePathStyle: true, staticCredentials: { accessKeyId: "${config.s3.staticCredentials!.accessKeyId}", secretAccessKey: "${config.s3.staticCredentials!.secretAccessKey}" } }\n`,
    );
    process.env.ALC_CONFIG = connectionFile;
    store = new ArtifactStore(createS3Client(config.s3), config.s3.bucket, config.s3.prefix);
    await generateSyntheticDataset({ images: 12, seed: 3 }, new S3Location(store.at(DATASET)));
    connection = await NativeConnection.connect({ address: config.temporal.address });
    const cpu = await createCpuWorker({ config, connection });
    const gpu = await Worker.create({ connection, namespace: config.temporal.namespace, taskQueue: config.taskQueues.gpu, activities: createGpuStandIn(store) });
    workers = [cpu, gpu].map((worker) => ({ worker, running: worker.run() }));
    client = await connectClient(config.temporal);
    await startCampaign(A, {});
    await startCampaign(B, { budgetPerRound: 4, annotation: { deadline: '2 days', reminderEvery: '1 day', redundancy: { annotators: 2, quorum: 2 } } });
    service = await startAnnotationService({ config, port: 0, tokenCacheTtlMs: 200 });
    shortLeases = await startAnnotationService({ config, port: 0, leaseTtlMs: 1500 });

    for (const [name, campaign] of [['alice', A], ['bob', A], ['carol', B], ['dave', B], ['erin', B]]) tokens[name] = (await createToken('--annotator', name, '--campaign', campaign)).token;
    tokens.operator = (await createToken('--operator', '--all')).token;
    const revoked = await createToken('--annotator', 'mallory', '--campaign', A);
    tokens.revoked = revoked.token;
    revokedId = revoked.tokenId;

    for (const id of [A, B]) {
      const round = client.workflow.getHandle(`${id}/round-1`);
      await eventually(`${id} round 1 awaiting answers`, async () => (await round.query(roundProgressQuery)).status === 'awaiting-answers', 120_000);
    }
  });

  after(async () => {
    process.env.ALC_CONFIG = savedConfig;
    await service?.close();
    await shortLeases?.close();
    for (const id of [A, B]) await client?.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    for (const { worker } of workers) worker.shutdown();
    await Promise.allSettled(workers.map((w) => w.running));
    await client?.connection.close();
    await connection?.close();
    await stack?.teardown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses missing, wrong and revoked tokens, and serves health, readiness and metrics', async () => {
    const url = service.url;
    assert.equal((await http(url, 'GET', '/healthz')).status, 200);
    const ready = await http<{ status: string; checks: Record<string, string> }>(url, 'GET', '/readyz');
    assert.deepEqual(ready, { status: 200, json: { status: 'ready', checks: { temporal: 'ok', s3: 'ok' } } });
    assert.equal((await http(url, 'GET', '/api/me')).json.error, 'missing-token');
    assert.equal((await http(url, 'GET', '/api/me', 'wrong')).json.error, 'invalid-token');
    assert.equal((await http(url, 'GET', '/api/me', `${tokens.alice.slice(0, -3)}abc`)).status, 401);
    assert.equal((await http(url, 'GET', '/api/me', tokens.revoked)).status, 200);
    const { exitCode } = await runCommand(registerTokenCommands, ['token', 'revoke', revokedId]);
    assert.equal(exitCode, 0);
    const refused = await eventually('the revocation to take effect', async () => {
      const response = await http(url, 'GET', '/api/me', tokens.revoked);
      return response.status === 401 ? response : undefined;
    });
    assert.equal(refused.json.error, 'revoked-token');
  });

  it('keeps annotators to their campaigns and off the operator routes', async () => {
    const url = service.url;
    const other = await http(url, 'GET', `/api/campaigns/${B}`, tokens.alice);
    assert.deepEqual([other.status, other.json.error], [403, 'campaign-forbidden']);
    assert.equal((await http(url, 'POST', `/api/campaigns/${B}/answers`, tokens.alice, { answers: [{ queryId: 'x/1', answer: 'skip' }] })).status, 403);
    const operatorOnly = await http(url, 'GET', '/api/operator/campaigns', tokens.alice);
    assert.deepEqual([operatorOnly.status, operatorOnly.json.error], [403, 'operator-only']);
    const listed = await http<{ campaigns: { campaignId: string }[] }>(url, 'GET', '/api/operator/campaigns', tokens.operator);
    assert.deepEqual(listed.json.campaigns.map((c) => c.campaignId).sort(), [A, B]);
    assert.equal((await http(url, 'GET', '/api/campaigns/no-such-campaign', tokens.operator)).status, 404);
    const view = await new AnnotationApiClient(url, tokens.alice).campaign(A);
    assert.equal(view.status, 'awaiting-answers');
    assert.equal(view.accepting, true);
    assert.deepEqual(view.progress, { queries: 8, answered: 0, leased: 0, open: 8, mine: 0 });
    assert.equal(view.classes.at(-1)?.id, 255);
  });

  it('answers malformed and oversized requests with 400 and 413', async () => {
    const url = service.url;
    const bad = await http(url, 'POST', `/api/campaigns/${A}/answers`, tokens.alice, { answers: [{ queryId: 'img/1', answer: 'relabel' }] });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json.issues?.map((i) => i.path), ['body.answers.0.class']);
    assert.equal((await http(url, 'POST', `/api/campaigns/${A}/leases`, tokens.alice, '{"size":')).status, 400);
    assert.equal((await http(url, 'POST', `/api/campaigns/${A}/leases`, tokens.alice, { size: 1000 })).status, 400);
    const huge = await http(url, 'POST', `/api/campaigns/${A}/answers`, tokens.alice, { answers: [], pad: 'x'.repeat(400_000) });
    assert.deepEqual([huge.status, huge.json.error], [413, 'payload-too-large']);
  });

  it('never gives one query to two annotators at once', async () => {
    const url = service.url;
    const [alice, bob] = [new AnnotationApiClient(url, tokens.alice), new AnnotationApiClient(url, tokens.bob)];
    // Ten requests in flight at once, growing sizes: the last of each annotator asks for more than there is.
    const leases = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? alice : bob).lease(A, 2 + i)));
    const held = (from: LeaseView[]) => new Set(from.flatMap((l) => l.queries.map((q) => q.queryId)));
    const byAlice = held(leases.filter((_, i) => i % 2 === 0));
    const byBob = held(leases.filter((_, i) => i % 2 === 1));
    try {
      assert.ok(byAlice.size > 0 && byBob.size > 0);
      assert.deepEqual([...byAlice].filter((id) => byBob.has(id)), [], 'no query with both');
      assert.equal(byAlice.size + byBob.size, 8, 'every query leased to one of them');
      const released = await bob.release(A, [...byBob]);
      assert.deepEqual(released.released.sort(), [...byBob].sort());
      const again = await alice.lease(A, 8);
      assert.equal(again.queries.length, 8, 'released queries are offered at once');
      assert.equal((await bob.lease(A, 8)).queries.length, 0);
    } finally {
      await alice.release(A, [...byAlice, ...byBob]);
      await bob.release(A, [...byBob]);
    }
  });

  it('serves assets and takes duplicate, conflicting and invalid answers with reasons', async () => {
    const url = service.url;
    const alice = new AnnotationApiClient(url, tokens.alice);
    const bob = new AnnotationApiClient(url, tokens.bob);
    const lease = await alice.lease(A, 2);
    const [q1, q2] = lease.queries;
    const asset = await fetch(`${url}${q1.assetUrl}`, { headers: { authorization: `Bearer ${tokens.alice}` } });
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('content-type'), 'image/png');
    assert.deepEqual([...new Uint8Array(await asset.arrayBuffer()).slice(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.equal((await fetch(`${url}${q1.assetUrl}`, { headers: { authorization: `Bearer ${tokens.carol}` } })).status, 403);

    const first = await alice.answer(A, [
      { queryId: q1.queryId, answer: 'correct' },
      { queryId: q2.queryId, answer: 'correct' },
      { queryId: 'no-such-image/1', answer: 'skip' },
      { queryId: q1.queryId, answer: 'relabel', class: 254 },
    ]);
    assert.deepEqual(first.outcomes.map((o) => o.outcome), ['accepted', 'accepted', 'rejected', 'rejected']);
    assert.match(first.outcomes[2].reason!, /no query no-such-image\/1/);
    assert.match(first.outcomes[3].reason!, /not a class of this campaign/);
    assert.deepEqual(first.progress, { queries: 8, answered: 2, leased: 0, open: 6, mine: 2 });
    const again = await alice.answer(A, [{ queryId: q1.queryId, answer: 'correct' }]);
    assert.deepEqual(again.outcomes, [{ queryId: q1.queryId, outcome: 'duplicate' }]);
    const conflicting = await bob.answer(A, [{ queryId: q2.queryId, answer: 'skip' }]);
    assert.equal(conflicting.outcomes[0].outcome, 'rejected');
    assert.match(conflicting.outcomes[0].reason!, /conflicts with the answer already given \(correct by alice\)/);
    const progress = await client.workflow.getHandle(`${A}/round-1`).query(roundProgressQuery);
    assert.equal(progress.answered, 2, 'the round holds exactly the accepted answers');
  });

  it('lets a lease expire and leases the query again', async () => {
    const url = shortLeases.url;
    const alice = new AnnotationApiClient(url, tokens.alice);
    const bob = new AnnotationApiClient(url, tokens.bob);
    const [held] = (await alice.lease(A, 1)).queries;
    assert.ok(held);
    assert.ok(!(await bob.lease(A, 50)).queries.some((q) => q.queryId === held.queryId), 'not while alice holds it');
    const later = await eventually('alice’s lease to expire', async () => {
      const lease = await bob.lease(A, 50);
      return lease.queries.some((q) => q.queryId === held.queryId) ? lease : undefined;
    }, 20_000);
    assert.equal(later.queries.length, 6, 'every unanswered query, that one again included');
    await bob.release(A, later.queries.map((q) => q.queryId));
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /alc_annotation_leases_expired_total\{campaign="ann-a"\} [1-9]/);
  });

  it('asks two annotators per query and submits what both answered (redundancy 2 of 2)', async () => {
    const url = service.url;
    const [carol, dave, erin] = ['carol', 'dave', 'erin'].map((name) => new AnnotationApiClient(url, tokens[name]));
    const ids = (lease: LeaseView) => lease.queries.map((q) => q.queryId);
    const forCarol = ids(await carol.lease(B, 2));
    assert.deepEqual(ids(await dave.lease(B, 2)), forCarol, 'the same queries for a second annotator');
    const forErin = ids(await erin.lease(B, 2));
    assert.equal(forErin.filter((id) => forCarol.includes(id)).length, 0, 'a third annotator gets others');
    const [q1, q2] = forCarol;

    const one = async (who: AnnotationApiClient, queryId: string, answer: 'correct' | 'skip') => (await who.answer(B, [{ queryId, answer }])).outcomes[0];
    assert.equal((await one(carol, q1, 'correct')).outcome, 'pending-quorum');
    assert.equal((await one(carol, q1, 'correct')).outcome, 'duplicate');
    const agreed = await one(dave, q1, 'correct');
    assert.deepEqual([agreed.outcome, agreed.reason], ['accepted', 'agreed by carol, dave']);
    assert.equal((await one(carol, q2, 'correct')).outcome, 'pending-quorum');
    assert.equal((await one(dave, q2, 'skip')).outcome, 'pending-quorum');
    assert.ok(ids(await erin.lease(B, 3)).includes(q2), 'a third annotator for the disagreement');
    assert.equal((await one(erin, q2, 'correct')).outcome, 'accepted');

    const progress = await client.workflow.getHandle(`${B}/round-1`).query(roundProgressQuery);
    assert.equal(progress.answered, 2);
    const batches: { queryId: string; annotator: string }[] = [];
    for await (const object of store.list(`campaigns/${B}/round-1/answers/`)) {
      batches.push(...parseJsonl(await store.getBytes(object.key), object.key, AnswerRecordSchema).map(({ value }) => value));
    }
    assert.deepEqual(batches.map((a) => [a.queryId, a.annotator]).sort(), [[q1, 'consensus:carol,dave'], [q2, 'consensus:carol,erin']].sort());
    let votes = 0;
    for await (const object of store.list(`campaigns/${B}/round-1/votes/`)) votes += object.key.endsWith('.json') ? 1 : 0;
    assert.equal(votes, 5, 'every vote is in S3');

    const report = await http<{ shown: { annotators: { annotator: string; answered: number; agreement?: number | null }[]; disagreementCount: number } }>(url, 'GET', `/api/operator/campaigns/${B}`, tokens.operator);
    assert.equal(report.status, 200);
    assert.deepEqual(report.json.shown.annotators.map((a) => [a.annotator, a.answered, a.agreement]), [['carol', 2, 1], ['dave', 2, 0.5], ['erin', 1, 1]]);
    assert.equal(report.json.shown.disagreementCount, 1);
    await erin.release(B, forErin);
  });

  it('lets oracle annotators answer the rest of a round through the API; the round proceeds and the labels improve', { timeout: 180_000 }, async () => {
    const result = await runCli(['annotate', '--oracle', '--campaign', A, '--url', service.url, '--annotators', '2', '--batch', '2', '--json'], { ALC_CONFIG: process.env.ALC_CONFIG });
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as OracleRunSummary;
    assert.deepEqual(summary.rounds, [1]);
    assert.equal(summary.totals.accepted, 6, 'the six queries alice left');
    assert.equal(summary.totals.rejected, 0);
    assert.deepEqual(summary.annotators.map((a) => a.annotator).sort(), ['oracle-1', 'oracle-2']);
    assert.match(result.stderr, /oracle round 1: \d+\/8 answered/);

    const campaign = await client.workflow.getHandle<typeof campaignWorkflow>(A).result();
    const [round0, round1] = campaign.rounds;
    assert.deepEqual([round1.queries, round1.answered], [8, 8]);
    assert.ok(round1.pixelsChanged > 0);
    assert.ok(round1.dataMIoU! > round0.dataMIoU!, `data mIoU ${round0.dataMIoU} -> ${round1.dataMIoU}`);

    // The answers are the spec's oracle's, computed offline from the same inputs.
    const reader = await DatasetReader.open(new S3Location(store.at(DATASET)));
    const answers: { queryId: string; answer: string; class?: number; annotator: string }[] = [];
    for await (const object of store.list(`campaigns/${A}/round-1/answers/`)) {
      answers.push(...parseJsonl(await store.getBytes(object.key), object.key, AnswerRecordSchema).map(({ value }) => value));
    }
    const byOracle = answers.filter((a) => a.annotator.startsWith('oracle-'));
    assert.equal(byOracle.length, 6);
    for (const answer of byOracle) {
      const [image, superpixel] = answer.queryId.split('/');
      const { scores, expansion, labels, truth } = await standInScores(reader, image, 'alc');
      const [expected] = oracleAnswers(image, labels.data, truth.data, scores, expansion, [Number(superpixel)], { mode: 'alc' });
      assert.deepEqual([answer.answer, answer.class], [expected.answer, expected.class], answer.queryId);
    }
    const tokensAfter = JSON.parse((await runCommand(registerTokenCommands, ['token', 'list', '--json'])).stdout) as { annotator: string; revokedAt?: string }[];
    assert.ok(tokensAfter.filter((t) => t.annotator.startsWith('oracle-')).every((t) => t.revokedAt !== undefined), 'the oracle’s own tokens are revoked');

    const alice = new AnnotationApiClient(service.url, tokens.alice);
    const stored = answers[0];
    const late: AnswersView = await alice.answer(A, [
      { queryId: stored.queryId, answer: 'relabel', class: stored.answer === 'relabel' && stored.class === 1 ? 2 : 1 },
      ...answers.filter((a) => a.annotator === 'alice').map((a) => ({ queryId: a.queryId, answer: 'correct' as const })),
    ]);
    assert.equal(late.outcomes[0].outcome, 'rejected');
    assert.match(late.outcomes[0].reason!, /late answers are not taken/);
    assert.ok(late.outcomes.slice(1).every((o) => o.outcome === 'duplicate'), 'a repeat after the round is still acknowledged');
    const view: CampaignView = await alice.campaign(A);
    assert.equal(view.status, 'completed');
    assert.deepEqual((await alice.lease(A)).queries, []);

    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.match(metrics, /alc_annotation_answers_total\{campaign="ann-a",outcome="accepted"\} 8/);
    assert.match(metrics, /alc_annotation_answer_latency_seconds_count\{campaign="ann-a"\} [1-9]/);
  });

  it('runs as `alc serve`, a process that stops gracefully on SIGTERM', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/alc.mjs'), 'serve', '--port', '0'], { env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = once(child, 'exit');
    try {
      const url = await eventually('alc serve to listen', () => {
        const line = stdout.split('\n').find((l) => l.includes('annotation service listening'));
        return Promise.resolve(line ? (JSON.parse(line) as { url: string }).url : undefined);
      }, 45_000);
      assert.equal((await http(url, 'GET', '/readyz')).status, 200);
      assert.equal((await http(url, 'GET', '/api/me', tokens.alice)).status, 200);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
    assert.match(stdout, /"msg":"annotation service stopped"/);
  });
});
