/**
 * The activity interceptor through the SDK's own activity machinery (MockActivityEnvironment runs
 * an activity with the worker's interceptor chain and logger): log context and metrics of every
 * attempt, without the activities reporting anything themselves.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { heartbeat, log, sleep, type Info } from '@temporalio/activity';
import { ApplicationFailure, type LogLevel, type LogMetadata } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { InputError } from '../../../common/errors.js';
import { activityObservability } from '../../../observability/activity-interceptor.js';
import { WorkerMetrics } from '../../../observability/worker-metrics.js';

interface Line {
  level: LogLevel;
  message: string;
  meta?: LogMetadata;
}

function environment(activityType: string, metrics?: WorkerMetrics, workflowId = 'c1/round-2') {
  const lines: Line[] = [];
  const info: Partial<Info> = {
    activityType,
    activityId: '7',
    taskQueue: 'alc-cpu',
    workflowType: 'roundWorkflow',
    workflowExecution: { workflowId, runId: 'run-1' },
  };
  const env = new MockActivityEnvironment(info, {
    logger: new DefaultLogger('DEBUG', (entry) => lines.push(entry)),
    interceptors: [activityObservability(metrics)],
  });
  return { env, lines };
}

/** The value of one sample (a histogram's by its sample name, e.g. `…_count`) with these labels. */
async function value(metrics: WorkerMetrics, sample: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(sample) ?? metrics.registry.getSingleMetric(sample.replace(/_(count|sum|bucket)$/, ''));
  assert.ok(metric, `${sample} is registered`);
  const { values } = await metric.get();
  // A histogram's values name their sample; a counter's or gauge's do not.
  const found = values.find((v) => ((v as { metricName?: string }).metricName ?? sample) === sample && Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l));
  return found?.value;
}

describe('activity interceptor: log context', () => {
  it("adds campaign, round and step to the activity's own log lines and the SDK's, and drops the task token", async () => {
    const { env, lines } = environment('issueQueries');
    await env.run(async () => {
      log.info('rendering assets', { queries: 3 });
      await Promise.resolve();
    });
    const own = lines.find((line) => line.message === 'rendering assets');
    assert.ok(own?.meta);
    assert.equal(own.meta.campaignId, 'c1');
    assert.equal(own.meta.round, 2);
    assert.equal(own.meta.step, 'issue');
    assert.equal(own.meta.queries, 3);
    assert.equal(own.meta.activityId, '7');
    assert.equal(own.meta.activityType, 'issueQueries');
    assert.equal(own.meta.workflowId, 'c1/round-2');
    assert.equal(own.meta.workflowRunId, 'run-1');
    assert.equal('taskToken' in own.meta, false);
    const sdk = lines.find((line) => line.message === 'Activity completed');
    assert.equal(sdk?.meta?.campaignId, 'c1');
    assert.equal(sdk?.meta?.step, 'issue');
  });

  it('adds nothing campaign-related outside a campaign, and works without metrics', async () => {
    const { env, lines } = environment('writeProbe', undefined, 'stack-check-1');
    await env.run(() => {
      log.info('probe');
      return Promise.resolve();
    });
    const line = lines.find((l) => l.message === 'probe');
    assert.equal(line?.meta?.workflowId, 'stack-check-1');
    assert.equal('campaignId' in (line?.meta ?? {}), false);
  });
});

describe('activity interceptor: metrics', () => {
  it('counts and times attempts by type and task queue, and failures by kind', async () => {
    const metrics = new WorkerMetrics({ processMetrics: false });
    const labels = { activity_type: 'dataMetrics', task_queue: 'alc-cpu' };
    await environment('dataMetrics', metrics).env.run(() => Promise.resolve({ images: 1 }));
    await assert.rejects(environment('dataMetrics', metrics).env.run(async () => Promise.reject(new Error('S3 timeout'))));
    await assert.rejects(environment('dataMetrics', metrics).env.run(async () => Promise.reject(ApplicationFailure.nonRetryable('bad', 'BadInput'))));
    // A plain error whose name the retry policies list as non-retryable.
    await assert.rejects(environment('dataMetrics', metrics).env.run(async () => Promise.reject(new InputError('no such dataset'))));
    const cancelled = environment('dataMetrics', metrics).env;
    const running = cancelled.run(async () => {
      for (;;) {
        heartbeat();
        await sleep(5);
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    cancelled.cancel();
    await assert.rejects(running);

    assert.equal(await value(metrics, 'alc_activity_started_total', labels), 5);
    assert.equal(await value(metrics, 'alc_activity_running', labels), 0);
    assert.equal(await value(metrics, 'alc_activity_failed_total', { ...labels, kind: 'retryable' }), 1);
    assert.equal(await value(metrics, 'alc_activity_failed_total', { ...labels, kind: 'non_retryable' }), 2);
    assert.equal(await value(metrics, 'alc_activity_failed_total', { ...labels, kind: 'cancelled' }), 1);
    assert.equal(await value(metrics, 'alc_activity_duration_seconds_count', { ...labels, outcome: 'completed' }), 1);
    assert.equal(await value(metrics, 'alc_activity_duration_seconds_count', { ...labels, outcome: 'failed' }), 3);
    assert.equal(await value(metrics, 'alc_activity_duration_seconds_count', { ...labels, outcome: 'cancelled' }), 1);
  });

  it('shows attempts while they run', async () => {
    const metrics = new WorkerMetrics({ processMetrics: false });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const running = environment('expandAnswers', metrics).env.run(() => gate);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await value(metrics, 'alc_activity_running', { activity_type: 'expandAnswers' }), 1);
    release();
    await running;
    assert.equal(await value(metrics, 'alc_activity_running', { activity_type: 'expandAnswers' }), 0);
  });

  it('turns results into product metrics: queries, answers, pixels, round mIoU, scoring', async () => {
    const metrics = new WorkerMetrics({ processMetrics: false });
    const run = (type: string, input: unknown, result: unknown, workflowId = 'c1/round-2') => environment(type, metrics, workflowId).env.run((_input: unknown) => Promise.resolve(result), input);
    await run('issueQueries', { campaignId: 'c1', round: 2 }, { queriesKey: 'q', queryIds: ['a/1', 'a/2', 'b/7'] });
    await run('storeAnswerBatch', { roundPrefix: 'campaigns/c1/round-2/', batch: 0, answers: [{ answer: 'correct' }, { answer: 'relabel', class: 1 }, { answer: 'relabel', class: 2 }] }, { batchKey: 'k', answers: 3 });
    await run('expandAnswers', { campaignId: 'c1', round: 2 }, { answered: 3, relabelled: 2, pixelsChanged: 1234 });
    await run('writeRoundReport', { campaignId: 'c1', round: 2, report: { round: 2, queries: 3, answered: 3, pixelsChanged: 1234, dataMIoU: 0.71, modelMIoU: null } }, 'key');
    await run('scoreShard', {}, { recordsKey: 'r', images: 40, superpixels: 900, provider: 'cpu' });
    // A failed attempt changes no product metric.
    await assert.rejects(environment('issueQueries', metrics).env.run(async () => Promise.reject(new Error('x'))));

    assert.equal(await value(metrics, 'alc_queries_issued_total', { campaign: 'c1' }), 3);
    assert.equal(await value(metrics, 'alc_answers_accepted_total', { campaign: 'c1', answer: 'relabel' }), 2);
    assert.equal(await value(metrics, 'alc_answers_accepted_total', { campaign: 'c1', answer: 'correct' }), 1);
    assert.equal(await value(metrics, 'alc_answers_accepted_total', { campaign: 'c1', answer: 'skip' }), undefined);
    assert.equal(await value(metrics, 'alc_superpixels_relabelled_total', { campaign: 'c1' }), 2);
    assert.equal(await value(metrics, 'alc_pixels_changed_total', { campaign: 'c1' }), 1234);
    assert.equal(await value(metrics, 'alc_round_data_miou', { campaign: 'c1', round: '2' }), 0.71);
    assert.equal(await value(metrics, 'alc_round_model_miou', { campaign: 'c1', round: '2' }), undefined, 'not measured: no series');
    assert.equal(await value(metrics, 'alc_round_queries', { campaign: 'c1', round: '2' }), 3);
    assert.equal(await value(metrics, 'alc_round_pixels_changed', { campaign: 'c1', round: '2' }), 1234);
    assert.equal(await value(metrics, 'alc_scored_images_total', { task_queue: 'alc-cpu' }), 40);
    assert.equal(await value(metrics, 'alc_scored_superpixels_total', { task_queue: 'alc-cpu' }), 900);
    const rate = await value(metrics, 'alc_scoring_images_per_second', { task_queue: 'alc-cpu' });
    assert.ok(rate !== undefined && rate > 0, String(rate));
  });

  it("follows a training job's heartbeats while it runs and forgets them when it ends", async () => {
    const metrics = new WorkerMetrics({ processMetrics: false });
    const labels = { campaign: 'c1', round: '2' };
    const { env } = environment('trainSegmentationModel', metrics);
    const sent: unknown[] = [];
    env.on('heartbeat', (details: unknown) => sent.push(details));
    let seen: (number | undefined)[] = [];
    await env.run(async () => {
      heartbeat({ epoch: 3, epochs: 10, step: 5, steps: 20, loss: 0.42 });
      seen = [await value(metrics, 'alc_training_epoch', labels), await value(metrics, 'alc_training_epochs', labels), await value(metrics, 'alc_training_step', labels), await value(metrics, 'alc_training_loss', labels)];
    });
    assert.deepEqual(seen, [3, 10, 5, 0.42]);
    assert.deepEqual(sent, [{ epoch: 3, epochs: 10, step: 5, steps: 20, loss: 0.42 }], 'the heartbeat still reaches Temporal');
    assert.equal(await value(metrics, 'alc_training_epoch', labels), undefined);
  });
});
