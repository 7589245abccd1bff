/**
 * A real `alc worker cpu` process against the real stack, observed from outside as Kubernetes and
 * Prometheus would: `/healthz`, `/readyz`, `/metrics` (every documented product metric, and the
 * counters moving as real workflows and round activities run through it), the Temporal SDK's
 * metrics endpoint, JSON logs carrying campaign, round and step, and a graceful SIGTERM.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { RoundReportInput, StoreAnswerBatchInput } from '../../activities/round/contracts.js';
import { REPO_ROOT } from '../../common/paths.js';
import { connectWorkerConnection } from '../../connections/temporal.js';
import { findFreePort } from '../../stack/ports.js';
import { STEP_ATTRIBUTE } from '../../workflows/messages.js';
import type { stackCheckWorkflow } from '../../workflows/stack-check.js';
import { runCli } from '../support/run-cli.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { startWorkerProcess, type LogLine, type WorkerProcess } from '../support/worker-process.js';
import type { roundActivityWorkflow, RoundActivityCall } from '../support/workflows/round-activity.js';

const TEST_WORKFLOWS = fileURLToPath(new URL('../support/workflows/round-activity.ts', import.meta.url));
const ORCHESTRATION_QUEUE = 'worker-observability-orchestration';

/** `name type` of every product metric in observability/README.md's table. */
function documentedMetrics(): { name: string; type: string }[] {
  const text = readFileSync(path.join(REPO_ROOT, 'observability/README.md'), 'utf8');
  return [...text.matchAll(/^\| `(alc_[a-z_]+)` \| (counter|gauge|histogram) \|/gm)].map((m) => ({ name: m[1], type: m[2] }));
}

/** The value of one sample in Prometheus text, e.g. `alc_queries_issued_total{campaign="obs"}`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('an `alc worker cpu` process: health, readiness, metrics and logs', () => {
  let stack: TestStack;
  let client: Client;
  let orchestrator: Worker;
  let orchestratorRun: Promise<void>;
  let worker: WorkerProcess;
  let sdkMetricsPort: number;

  before(async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    stack = await startTestStack('alc-worker-observability-');
    client = new Client({ connection: await Connection.connect({ address: stack.config.temporal.address }) });
    orchestrator = await Worker.create({ connection: await connectWorkerConnection(stack.config.temporal), taskQueue: ORCHESTRATION_QUEUE, workflowsPath: TEST_WORKFLOWS });
    orchestratorRun = orchestrator.run();
    sdkMetricsPort = await findFreePort();
    worker = await startWorkerProcess('cpu', stack, { args: ['--sdk-metrics-port', String(sdkMetricsPort)] });
  });

  after(async () => {
    worker?.signal('SIGKILL');
    if (orchestrator?.getState() === 'RUNNING') orchestrator.shutdown();
    await orchestratorRun;
    await client?.connection.close();
    await stack?.teardown();
  });

  const metricsText = async () => {
    const response = await worker.get('/metrics');
    assert.equal(response.status, 200);
    return response.text();
  };
  const runActivity = (workflowId: string, call: Omit<RoundActivityCall, 'taskQueue' | 'heartbeatSeconds'>) =>
    client.workflow.execute<typeof roundActivityWorkflow>('roundActivityWorkflow', {
      taskQueue: ORCHESTRATION_QUEUE,
      workflowId,
      args: [{ ...call, taskQueue: stack.config.taskQueues.cpu, heartbeatSeconds: 30 }],
    });
  const logLine = (predicate: (line: LogLine) => boolean) => worker.logs.find(predicate);

  it('is live at once and ready once it polls, with every documented product metric exposed', { timeout: 120_000 }, async () => {
    await worker.ready();
    const health = await worker.get('/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(await (await worker.get('/readyz')).json(), { ready: true, state: 'RUNNING' });
    const started = logLine((line) => line.msg === 'cpu worker started');
    assert.equal(started?.health, `http://127.0.0.1:${worker.healthPort}/healthz`);
    assert.equal(started?.taskQueue, 'alc-cpu');

    const text = await metricsText();
    const documented = documentedMetrics();
    assert.ok(documented.length >= 20, `the README documents the metrics (${documented.length} found)`);
    for (const { name, type } of documented) assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), `${name} (${type}) is exposed`);
    assert.match(text, /^process_resident_memory_bytes \d+/m);
  });

  it('moves the counters as workflows and round activities run through it', { timeout: 120_000 }, async () => {
    const before = await metricsText();
    const writeProbe = { activity_type: 'writeProbe', task_queue: 'alc-cpu' };
    assert.equal(sample(before, 'alc_activity_started_total', writeProbe), undefined);

    // The real stack-check workflow: two activities on this worker.
    await client.workflow.execute<typeof stackCheckWorkflow>('stackCheckWorkflow', {
      taskQueue: stack.config.taskQueues.cpu,
      workflowId: 'stack-check-observed',
      args: [{ probeKey: 'probes/observed', pauseSeconds: 0 }],
    });
    // Real round activities, as the round `obs/round-1` would call them.
    const answers: StoreAnswerBatchInput['answers'] = [
      { queryId: 'img-1/1', answer: 'correct', annotator: 'a' },
      { queryId: 'img-1/2', answer: 'relabel', class: 1, annotator: 'a' },
      { queryId: 'img-2/3', answer: 'relabel', class: 2, annotator: 'b' },
      { queryId: 'img-2/4', answer: 'skip', annotator: 'b' },
    ];
    await runActivity('obs/round-1', { activity: 'storeAnswerBatch', input: { roundPrefix: 'campaigns/obs/round-1/', batch: 0, answers } satisfies StoreAnswerBatchInput });
    const report: RoundReportInput = {
      campaignId: 'obs',
      round: 1,
      roundPrefix: 'campaigns/obs/round-1/',
      datasetPrefix: 'datasets/obs/',
      report: { round: 1, queries: 4, answered: 4, pixelsChanged: 321, dataMIoU: 0.625, modelMIoU: 0.75, modelPrefix: 'campaigns/obs/round-1/model/' },
    };
    await runActivity('obs/round-1/report', { activity: 'writeRoundReport', input: report });
    // A report for the wrong round: bad input, failed for good.
    await assert.rejects(runActivity('obs/round-2', { activity: 'writeRoundReport', input: { ...report, round: 2, roundPrefix: 'campaigns/obs/round-2/' } }), WorkflowFailedError);

    const after = await metricsText();
    assert.equal(sample(after, 'alc_activity_started_total', writeProbe), 1);
    assert.equal(sample(after, 'alc_activity_started_total', { activity_type: 'verifyProbe', task_queue: 'alc-cpu' }), 1);
    assert.equal(sample(after, 'alc_activity_duration_seconds_count', { ...writeProbe, outcome: 'completed' }), 1);
    assert.equal(sample(after, 'alc_activity_running', writeProbe), 0);
    assert.equal(sample(after, 'alc_answers_accepted_total', { campaign: 'obs', answer: 'relabel' }), 2);
    assert.equal(sample(after, 'alc_answers_accepted_total', { campaign: 'obs', answer: 'correct' }), 1);
    assert.equal(sample(after, 'alc_answers_accepted_total', { campaign: 'obs', answer: 'skip' }), 1);
    assert.equal(sample(after, 'alc_round_data_miou', { campaign: 'obs', round: '1' }), 0.625);
    assert.equal(sample(after, 'alc_round_model_miou', { campaign: 'obs', round: '1' }), 0.75);
    assert.equal(sample(after, 'alc_round_pixels_changed', { campaign: 'obs', round: '1' }), 321);
    assert.equal(sample(after, 'alc_activity_failed_total', { activity_type: 'writeRoundReport', task_queue: 'alc-cpu', kind: 'non_retryable' }), 1);
    assert.equal(sample(after, 'alc_round_data_miou', { campaign: 'obs', round: '2' }), undefined);

    // The SDK's own metrics, from its core, on their own port.
    const sdk = await (await fetch(`http://127.0.0.1:${sdkMetricsPort}/metrics`)).text();
    assert.match(sdk, /^temporal_activity_execution_latency_count\{.*activity_type="writeProbe".*\} [1-9]/m);
    assert.match(sdk, /^temporal_worker_task_slots_available\{/m);
    assert.match(sdk, /^temporal_request\{/m);
  });

  it('logs JSON lines that carry campaign, round and step, from activities and from workflow code', { timeout: 60_000 }, async () => {
    // The SDK's own line for the failed report attempt (activity side).
    const failed = logLine((line) => line.msg === 'Activity failed' && line.workflowId === 'obs/round-2');
    assert.ok(failed, 'the failed attempt is logged');
    assert.equal(failed.campaignId, 'obs');
    assert.equal(failed.round, 2);
    assert.equal(failed.step, 'report');
    assert.equal(failed.activityType, 'writeRoundReport');
    assert.equal(typeof failed.activityId, 'string');
    assert.equal(typeof failed.workflowRunId, 'string');
    assert.equal(failed.worker, 'cpu');
    assert.equal('taskToken' in failed, false);
    assert.match(String((failed.error as { message?: string } | undefined)?.message), /the report is of round 1/);

    // Workflow side: a round workflow (on this worker) that fails on its input logs `Workflow failed`
    // with the campaign and round of its id and the step of its search attribute.
    const handle = await client.workflow.start('roundWorkflow', {
      taskQueue: stack.config.taskQueues.cpu,
      workflowId: 'obs/round-3',
      args: [{ campaignId: 'obs', round: 3 }],
      typedSearchAttributes: [{ key: STEP_ATTRIBUTE, value: 'plan' }],
    });
    await assert.rejects(handle.result(), WorkflowFailedError);
    let workflowLine: LogLine | undefined;
    for (let i = 0; i < 100 && !workflowLine; i++) {
      workflowLine = logLine((line) => line.msg === 'Workflow failed' && line.workflowId === 'obs/round-3');
      if (!workflowLine) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(workflowLine, 'the workflow failure is logged');
    assert.equal(workflowLine.campaignId, 'obs');
    assert.equal(workflowLine.round, 3);
    assert.equal(workflowLine.step, 'plan');
    assert.equal(workflowLine.workflowType, 'roundWorkflow');
  });

  it('runs without its endpoints, saying so, when their ports are taken', { timeout: 120_000 }, async () => {
    const second = await startWorkerProcess('cpu', stack, { args: ['--health-port', String(worker.healthPort), '--sdk-metrics-port', String(sdkMetricsPort)] });
    let started: LogLine | undefined;
    for (let i = 0; i < 900 && !started; i++) {
      started = second.logs.find((line) => line.msg === 'cpu worker started');
      if (!started) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(started, `the second worker started:\n${second.stderr()}`);
    assert.equal(started.health, 'off');
    const errors = second.logs.filter((line) => line.level === 50).map((line) => String(line.msg));
    assert.ok(errors.some((msg) => msg.includes('health and metrics endpoint not served (--health-port')), errors.join('\n'));
    assert.ok(errors.some((msg) => msg.includes('Temporal SDK metrics not served (--sdk-metrics-port')), errors.join('\n'));
    second.signal('SIGTERM');
    assert.deepEqual(await second.exited, { code: 0, signal: null }, second.stderr());
  });

  it('stops on SIGTERM with exit code 0', { timeout: 60_000 }, async () => {
    worker.signal('SIGTERM');
    assert.deepEqual(await worker.exited, { code: 0, signal: null }, worker.stderr());
    assert.ok(logLine((line) => line.msg === 'cpu worker stopped'));
    await assert.rejects(worker.get('/healthz'), 'the endpoint is closed');
  });

  it('refuses bad endpoint options with exit code 2, naming the option', async () => {
    const result = await runCli(['worker', 'cpu', '--health-port', '70000'], { ALC_SDK_METRICS_PORT: 'nine' });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--health-port \(ALC_HEALTH_PORT\): expected a port number up to 65535, got "70000"/);
    assert.match(result.stderr, /--sdk-metrics-port \(ALC_SDK_METRICS_PORT\): expected a port number \(0 = off\), got "nine"/);
  });
});
