/**
 * The HTTP layer through Fastify's inject, around the in-memory store and a gateway that judges
 * answers like the round workflow (test/support/annotation-fakes.ts). The same behaviours over
 * real HTTP with the real stack: test/integration/annotation-service.test.ts.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnswersView, ApiErrorBody, CampaignView, LeaseView, MeView, ReleaseView } from '../../../annotation/api-schemas.js';
import { MemoryObjectStore } from '../../support/annotation-fakes.js';
import { startTestService, type TestService } from '../../support/annotation-test-server.js';

let service: TestService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

async function withService(options: Parameters<typeof startTestService>[0] = {}): Promise<TestService> {
  service = await startTestService(options);
  return service;
}

const C = '/api/campaigns/camp';

describe('annotation API: authentication and scope', () => {
  it('refuses missing, malformed, unknown and revoked tokens with 401 and a reason', async () => {
    const s = await withService();
    const missing = await s.call<ApiErrorBody>('GET', '/api/me');
    assert.equal(missing.status, 401);
    assert.equal(missing.json.error, 'missing-token');
    assert.match(String(missing.headers['www-authenticate']), /^Bearer/);
    assert.equal((await s.call<ApiErrorBody>('GET', '/api/me', 'not-a-token')).json.error, 'invalid-token');
    assert.equal((await s.call<ApiErrorBody>('GET', '/api/me', `alc_${'0'.repeat(16)}_${'A'.repeat(43)}`)).json.error, 'invalid-token');
    const token = await s.token({ role: 'annotator', annotator: 'alice', campaigns: ['camp'] });
    assert.deepEqual((await s.call<MeView>('GET', '/api/me', token)).json, { annotator: 'alice', role: 'annotator', campaigns: ['camp'] });
    const { TokenStore } = await import('../../../annotation/tokens.js');
    const [record] = await new TokenStore(s.store).list();
    await new TokenStore(s.store).revoke(record.tokenId);
    const revoked = await s.call<ApiErrorBody>('GET', '/api/me', token);
    assert.equal(revoked.status, 401);
    assert.equal(revoked.json.error, 'revoked-token');
  });

  it('keeps annotators to their campaigns and away from operator routes', async () => {
    const s = await withService();
    const alice = await s.token({ role: 'annotator', annotator: 'alice', campaigns: ['other'] });
    const operator = await s.token({ role: 'operator', annotator: 'olga', campaigns: '*' });
    for (const [method, url] of [['GET', C], ['POST', `${C}/leases`], ['GET', `${C}/rounds/1/assets/img0/1.png`]] as const) {
      const response = await s.call<ApiErrorBody>(method, url, alice);
      assert.equal(response.status, 403, url);
      assert.equal(response.json.error, 'campaign-forbidden');
    }
    const operatorOnly = await s.call<ApiErrorBody>('GET', '/api/operator/campaigns', alice);
    assert.equal(operatorOnly.status, 403);
    assert.equal(operatorOnly.json.error, 'operator-only');
    assert.equal((await s.call<ApiErrorBody>('GET', '/api/operator/campaigns/other', alice)).json.error, 'operator-only');
    const listed = await s.call<{ campaigns: { campaignId: string }[] }>('GET', '/api/operator/campaigns', operator);
    assert.deepEqual(listed.json.campaigns.map((c) => c.campaignId), ['camp']);
    const unknown = await s.call<ApiErrorBody>('GET', '/api/campaigns/nope', operator);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error, 'unknown-campaign');
    const scoped = await s.token({ role: 'operator', annotator: 'oscar', campaigns: ['other'] });
    assert.deepEqual((await s.call<{ campaigns: unknown[] }>('GET', '/api/operator/campaigns', scoped)).json.campaigns, [], 'an operator sees its campaigns only');
  });
});

describe('annotation API: request validation', () => {
  it('answers malformed bodies and parameters with 400 and every bad field, oversized ones with 413', async () => {
    const s = await withService();
    const alice = await s.token({ role: 'annotator', annotator: 'alice', campaigns: ['camp'] });
    const bad = async (method: 'POST' | 'DELETE' | 'GET', url: string, body: unknown, path: string) => {
      const response = await s.call<ApiErrorBody>(method, url, alice, body);
      assert.equal(response.status, 400, `${url} ${JSON.stringify(body)}: ${response.body}`);
      assert.equal(response.json.error, 'malformed-request');
      assert.ok(response.json.issues?.some((i) => i.path === path), `${path} in ${JSON.stringify(response.json.issues)}`);
    };
    await bad('POST', `${C}/leases`, { size: 0 }, 'body.size');
    await bad('POST', `${C}/leases`, { size: 51 }, 'body.size');
    await bad('POST', `${C}/leases`, { size: 'x' }, 'body.size');
    await bad('POST', `${C}/leases`, { size: 2, extra: true }, 'body');
    await bad('POST', `${C}/answers`, { answers: [] }, 'body.answers');
    await bad('POST', `${C}/answers`, { answers: [{ queryId: 'img0/1', answer: 'relabel' }] }, 'body.answers.0.class');
    await bad('POST', `${C}/answers`, { answers: [{ queryId: 'img0/1', answer: 'correct', class: 2 }] }, 'body.answers.0.class');
    await bad('POST', `${C}/answers`, { answers: [{ queryId: 'img0', answer: 'correct' }] }, 'body.answers.0.queryId');
    await bad('POST', `${C}/answers`, { answers: [{ queryId: 'img0/1', answer: 'maybe' }] }, 'body.answers.0.answer');
    await bad('POST', `${C}/answers`, { answers: Array.from({ length: 501 }, (_, i) => ({ queryId: `i/${i + 1}`, answer: 'skip' })) }, 'body.answers');
    await bad('DELETE', `${C}/leases`, { queryIds: 'img0/1' }, 'body.queryIds');
    await bad('GET', `${C}/rounds/1/assets/img0/0.png`, undefined, 'params.superpixel');
    await bad('GET', '/api/campaigns/bad%20id', undefined, 'params.campaignId');
    const notJson = await s.call<ApiErrorBody>('POST', `${C}/answers`, alice, '{"answers": [');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json.error, 'malformed-request');
    const huge = await s.call<ApiErrorBody>('POST', `${C}/answers`, alice, { answers: [{ queryId: 'img0/1', answer: 'skip' }], pad: 'x'.repeat(300_000) });
    assert.equal(huge.status, 413);
    assert.equal(huge.json.error, 'payload-too-large');
    const hugeLease = await s.call<ApiErrorBody>('POST', `${C}/leases`, alice, { size: 1, pad: 'x'.repeat(2000) });
    assert.equal(hugeLease.status, 413);
    const unknownRoute = await s.call<ApiErrorBody>('GET', '/api/nothing/here', alice);
    assert.equal(unknownRoute.status, 404);
    assert.equal(unknownRoute.json.error, 'not-found');
  });
});

describe('annotation API: leases and answers', () => {
  it('leases, serves assets, takes answers with their outcomes, and explains late ones', async () => {
    const s = await withService({ queries: 4 });
    const alice = await s.token({ role: 'annotator', annotator: 'alice', campaigns: ['camp'] });
    const bob = await s.token({ role: 'annotator', annotator: 'bob', campaigns: ['camp'] });
    const view = await s.call<CampaignView>('GET', C, alice);
    assert.equal(view.status, 200);
    assert.deepEqual(view.json.classes.map((c) => [c.id, c.name]), [[0, 'zero'], [1, 'one'], [2, 'two'], [3, 'three'], [255, 'ignore']]);
    assert.equal(new Set(view.json.classes.map((c) => c.color)).size, 5, 'distinct colours');
    assert.deepEqual(view.json.progress, { queries: 4, answered: 0, leased: 0, open: 4, mine: 0 });

    const lease = await s.call<LeaseView>('POST', `${C}/leases`, alice, { size: 2 });
    assert.deepEqual(lease.json.queries.map((q) => q.queryId), ['img0/1', 'img1/2']);
    assert.equal(lease.json.round, 1);
    assert.equal(lease.json.expiresAt, new Date(s.clock.now + 60_000).toISOString());
    const query = lease.json.queries[0];
    assert.equal(query.assetUrl, '/api/campaigns/camp/rounds/1/assets/img0/1.png');
    assert.equal(query.labelColor, view.json.classes[1].color);
    const asset = await s.call('GET', query.assetUrl, alice);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers['content-type'], 'image/png');
    assert.equal((await s.call<ApiErrorBody>('GET', `${C}/rounds/1/assets/img9/10.png`, alice)).json.error, 'unknown-query');
    assert.deepEqual((await s.call<LeaseView>('POST', `${C}/leases`, bob, { size: 5 })).json.queries.map((q) => q.queryId), ['img2/3', 'img3/4']);

    const answers = await s.call<AnswersView>('POST', `${C}/answers`, alice, {
      answers: [
        { queryId: 'img0/1', answer: 'relabel', class: 2 },
        { queryId: 'img1/2', answer: 'relabel', class: 9 },
        { queryId: 'nope/1', answer: 'skip' },
      ],
    });
    assert.equal(answers.status, 200);
    assert.deepEqual(answers.json.outcomes.map((o) => o.outcome), ['accepted', 'rejected', 'rejected']);
    assert.match(answers.json.outcomes[1].reason!, /class 9 is not a class of this campaign/);
    assert.match(answers.json.outcomes[2].reason!, /no query nope\/1/);
    assert.deepEqual(answers.json.progress, { queries: 4, answered: 1, leased: 3, open: 0, mine: 1 });
    assert.deepEqual(s.campaign.submitted.at(-1), [{ queryId: 'img0/1', answer: 'relabel', class: 2, annotator: 'alice', round: 1 }], 'the round gets the token’s annotator');

    const again = await s.call<AnswersView>('POST', `${C}/answers`, alice, { answers: [{ queryId: 'img0/1', answer: 'relabel', class: 2 }] });
    assert.deepEqual(again.json.outcomes, [{ queryId: 'img0/1', outcome: 'duplicate' }]);
    const conflict = await s.call<AnswersView>('POST', `${C}/answers`, bob, { answers: [{ queryId: 'img0/1', answer: 'correct' }, { queryId: 'img2/3', answer: 'skip' }] });
    assert.equal(conflict.json.outcomes[0].outcome, 'rejected');
    assert.match(conflict.json.outcomes[0].reason!, /conflicts/);
    assert.equal(conflict.json.outcomes[1].outcome, 'accepted');

    const released = await s.call<ReleaseView>('DELETE', `${C}/leases`, bob, { queryIds: ['img3/4', 'img1/2'] });
    assert.deepEqual(released.json, { released: ['img3/4'], notHeld: ['img1/2'] });

    const open = await s.call('GET', '/metrics');
    assert.match(open.body, /alc_annotation_round_deadline_timestamp_seconds\{campaign="camp",round="1"\} 0\.001\n/, 'the open round shows its deadline');
    s.campaign.close();
    const late = await s.call<AnswersView>('POST', `${C}/answers`, alice, { answers: [{ queryId: 'img1/2', answer: 'correct' }] });
    assert.equal(late.json.outcomes[0].outcome, 'rejected');
    assert.match(late.json.outcomes[0].reason!, /late answers are not taken/);
    const nothing = await s.call<LeaseView>('POST', `${C}/leases`, alice);
    assert.deepEqual(nothing.json.queries, [], 'a closed round leases nothing');
    s.campaign.round().over = true;
    const repeat = await s.call<AnswersView>('POST', `${C}/answers`, alice, { answers: [{ queryId: 'img0/1', answer: 'relabel', class: 2 }, { queryId: 'img3/4', answer: 'skip' }] });
    assert.deepEqual(repeat.json.outcomes.map((o) => o.outcome), ['duplicate', 'rejected'], 'a finished round still acknowledges a repeat');
    assert.match(repeat.json.outcomes[1].reason!, /round 1 is over/);

    const metrics = await s.call('GET', '/metrics');
    assert.match(metrics.body, /alc_annotation_answers_total\{campaign="camp",outcome="accepted"\} 2/);
    assert.match(metrics.body, /alc_annotation_leases_granted_total\{campaign="camp"\} 4/);
    assert.match(metrics.body, /alc_annotation_answer_latency_seconds_count\{campaign="camp"\} 2/);
    assert.match(metrics.body, /alc_annotation_queries\{campaign="camp",round="1",state="answered"\} 2/);
    assert.doesNotMatch(metrics.body, /alc_annotation_round_deadline_timestamp_seconds\{/, 'a closed round has no deadline series');
  });

  it('lets a lease run out and gives the query to someone else', async () => {
    const s = await withService({ queries: 2, leaseTtlMs: 1000 });
    const alice = await s.token({ role: 'annotator', annotator: 'alice', campaigns: ['camp'] });
    const bob = await s.token({ role: 'annotator', annotator: 'bob', campaigns: ['camp'] });
    await s.call('POST', `${C}/leases`, alice, { size: 1 });
    assert.deepEqual((await s.call<LeaseView>('POST', `${C}/leases`, bob, { size: 5 })).json.queries.map((q) => q.queryId), ['img1/2']);
    s.clock.now += 1000;
    assert.deepEqual((await s.call<LeaseView>('POST', `${C}/leases`, bob, { size: 5 })).json.queries.map((q) => q.queryId), ['img0/1', 'img1/2']);
    const late = await s.call<AnswersView>('POST', `${C}/answers`, alice, { answers: [{ queryId: 'img0/1', answer: 'correct' }] });
    assert.equal(late.json.outcomes[0].outcome, 'accepted', 'an answer after the lease ran out still counts if nobody answered first');
    assert.match((await s.call('GET', '/metrics')).body, /alc_annotation_leases_expired_total\{campaign="camp"\} 2/, 'alice’s and bob’s first leases');
  });
});

describe('annotation API: redundancy', () => {
  it('asks k annotators, submits the agreed answer under consensus, reports agreement', async () => {
    const s = await withService({ queries: 2, redundancy: { annotators: 2, quorum: 2 } });
    const names = ['carol', 'dave', 'erin'];
    const tokens = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await s.token({ role: 'annotator', annotator: n, campaigns: ['camp'] })] as const)));
    const operator = await s.token({ role: 'operator', annotator: 'olga', campaigns: ['camp'] });
    const lease = async (who: string, size = 1) => (await s.call<LeaseView>('POST', `${C}/leases`, tokens[who], { size })).json.queries.map((q) => q.queryId);
    const answer = async (who: string, body: object) => (await s.call<AnswersView>('POST', `${C}/answers`, tokens[who], { answers: [{ queryId: 'img0/1', ...body }] })).json.outcomes[0];
    assert.deepEqual(await lease('carol'), ['img0/1']);
    assert.deepEqual(await lease('dave'), ['img0/1'], 'the same query to a second annotator');
    assert.deepEqual(await lease('erin'), ['img1/2']);

    const first = await answer('carol', { answer: 'relabel', class: 3 });
    assert.equal(first.outcome, 'pending-quorum');
    assert.equal(s.campaign.submitted.length, 0, 'nothing reaches the round before the quorum');
    assert.ok(s.store.objects.has('campaigns/camp/round-1/votes/img0/1/carol.json'), 'the vote is durable before the reply');
    assert.equal((await answer('carol', { answer: 'relabel', class: 3 })).outcome, 'duplicate');
    assert.match((await answer('carol', { answer: 'skip' })).reason!, /conflicts with your earlier answer/);

    const split = await answer('dave', { answer: 'relabel', class: 2 });
    assert.equal(split.outcome, 'pending-quorum');
    assert.deepEqual(await lease('erin', 2), ['img0/1', 'img1/2'], 'a third annotator for the tie');
    const deciding = await answer('erin', { answer: 'relabel', class: 3 });
    assert.equal(deciding.outcome, 'accepted');
    assert.match(deciding.reason!, /carol, erin/);
    assert.deepEqual(s.campaign.submitted, [[{ queryId: 'img0/1', answer: 'relabel', class: 3, annotator: 'consensus:carol,erin', round: 1 }]]);
    assert.match((await answer('dave', { answer: 'correct' })).reason!, /conflicts with your earlier answer/);

    const report = await s.call<{ shown: { annotators: { annotator: string; agreement?: number | null }[]; disagreementCount: number; disagreements: { queryId: string }[] } }>('GET', '/api/operator/campaigns/camp', operator);
    assert.equal(report.status, 200);
    assert.deepEqual(report.json.shown.annotators.map((a) => [a.annotator, a.agreement]), [['carol', 1], ['dave', 0], ['erin', 1]]);
    assert.equal(report.json.shown.disagreementCount, 1);
    assert.equal(report.json.shown.disagreements[0].queryId, 'img0/1');
  });

  it('submits decided votes that a crashed service had stored but not submitted', async () => {
    const store = new MemoryObjectStore();
    const at = '2026-01-01T00:00:00.000Z';
    for (const annotator of ['carol', 'dave']) {
      store.put(`campaigns/camp/round-1/votes/img1/2/${annotator}.json`, JSON.stringify({ queryId: 'img1/2', annotator, answer: 'correct', at }));
    }
    const s = await withService({ store, queries: 3, redundancy: { annotators: 2, quorum: 2 } });
    const carol = await s.token({ role: 'annotator', annotator: 'carol', campaigns: ['camp'] });
    const view = await s.call<CampaignView>('GET', C, carol);
    assert.deepEqual(s.campaign.submitted, [[{ queryId: 'img1/2', answer: 'correct', annotator: 'consensus:carol,dave', round: 1 }]]);
    assert.equal(view.json.progress.answered, 1);
    assert.equal(view.json.progress.mine, 1);
  });
});

describe('annotation API: health', () => {
  it('serves liveness, readiness and metrics without a token', async () => {
    const s = await withService();
    assert.deepEqual((await s.call('GET', '/healthz')).json, { status: 'ok' });
    assert.deepEqual((await s.call('GET', '/readyz')).json, { status: 'ready', checks: { temporal: 'ok', s3: 'ok' } });
    const metrics = await s.call('GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /process_cpu_user_seconds_total/);
  });
});
