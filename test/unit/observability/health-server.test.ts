import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHealthServer, type HealthServer, type WorkerState } from '../../../observability/health-server.js';
import { WorkerMetrics } from '../../../observability/worker-metrics.js';

describe('worker health server', () => {
  let server: HealthServer;
  let state: WorkerState = 'STARTING';
  const metrics = new WorkerMetrics();
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

  before(async () => {
    server = await startHealthServer({ port: 0, host: '127.0.0.1', state: () => state, metrics: () => metrics.expose() });
  });
  after(async () => {
    await server?.close();
  });

  it('is live whatever the worker state', async () => {
    for (const s of ['STARTING', 'RUNNING', 'DRAINING'] as const) {
      state = s;
      const response = await fetch(url('/healthz'));
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { status: 'ok' });
    }
  });

  it('is ready only while the worker runs', async () => {
    const expected: [WorkerState, number][] = [['STARTING', 503], ['INITIALIZED', 503], ['RUNNING', 200], ['STOPPING', 503], ['DRAINING', 503], ['DRAINED', 503], ['STOPPED', 503], ['FAILED', 503]];
    for (const [s, status] of expected) {
      state = s;
      const response = await fetch(url('/readyz'));
      assert.equal(response.status, status, s);
      assert.deepEqual(await response.json(), { ready: status === 200, state: s });
    }
  });

  it('serves the registry in Prometheus text format, product and process metrics', async () => {
    metrics.queriesIssued.inc({ campaign: 'c1' }, 7);
    const response = await fetch(url('/metrics'));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(text, /^alc_queries_issued_total\{campaign="c1"\} 7$/m);
    assert.match(text, /^# TYPE alc_activity_duration_seconds histogram$/m);
    assert.match(text, /^process_cpu_user_seconds_total /m);
    assert.match(text, /^nodejs_heap_size_used_bytes /m);
  });

  it('answers HEAD without a body, other methods with 405 and unknown paths with 404', async () => {
    state = 'RUNNING';
    const head = await fetch(url('/readyz'), { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const post = await fetch(url('/healthz'), { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    const missing = await fetch(url('/nope?x=1'));
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: string }).error, 'not-found');
  });

  it('refuses to start on a port that is taken', async () => {
    await assert.rejects(startHealthServer({ port: server.port, host: '127.0.0.1', state: () => state, metrics: () => metrics.expose() }), /EADDRINUSE/);
  });
});
