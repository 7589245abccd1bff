/** The campaign benchmark's reading of a round history: steps, busy-time union, overhead. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import proto from '@temporalio/proto';
import { roundTimingOf, runTimelineOf, unionMs } from '../../../bench/campaign-timeline.js';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
const T = proto.temporal.api.enums.v1.EventType;

/** Builds a history with times in seconds from `base` (epoch seconds). */
function historyBuilder(base = 1_700_000_000) {
  const events: HistoryEvent[] = [];
  const at = (seconds: number) => ({ seconds: base + Math.floor(seconds), nanos: Math.round((seconds - Math.floor(seconds)) * 1e9) });
  // fromObject: plain numbers become the Longs that real histories carry.
  const add = (eventType: number, seconds: number, attributes: Record<string, unknown> = {}) => {
    const eventId = events.length + 1;
    events.push(proto.temporal.api.history.v1.HistoryEvent.fromObject({ eventId, eventType, eventTime: at(seconds), ...attributes }));
    return eventId;
  };
  return {
    events,
    start: (seconds: number, continuedFrom?: string) => add(T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, seconds, { workflowExecutionStartedEventAttributes: { continuedExecutionRunId: continuedFrom } }),
    /** An activity run from `started` to `closed`, scheduled at `scheduled`; `started` null = cancelled before it started. */
    activity(type: string, scheduled: number, started: number | null, closed: number, outcome: 'completed' | 'canceled' = 'completed') {
      const scheduledEventId = add(T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, scheduled, { activityTaskScheduledEventAttributes: { activityType: { name: type } } });
      if (started !== null) add(T.EVENT_TYPE_ACTIVITY_TASK_STARTED, started, { activityTaskStartedEventAttributes: { scheduledEventId } });
      if (outcome === 'completed') add(T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, closed, { activityTaskCompletedEventAttributes: { scheduledEventId } });
      else add(T.EVENT_TYPE_ACTIVITY_TASK_CANCELED, closed, { activityTaskCanceledEventAttributes: { scheduledEventId } });
    },
    update: (seconds: number) => add(T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED, seconds),
    close: (eventType: number, seconds: number) => add(eventType, seconds),
  };
}

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-3, `${what}: ${actual} != ${expected}`);

describe('unionMs', () => {
  it('counts overlapping and nested intervals once and keeps gaps out', () => {
    assert.equal(unionMs([]), 0);
    assert.equal(unionMs([{ start: 0, end: 10 }, { start: 5, end: 15 }, { start: 20, end: 25 }]), 20);
    assert.equal(unionMs([{ start: 0, end: 100 }, { start: 10, end: 20 }, { start: 30, end: 40 }]), 100);
    assert.equal(unionMs([{ start: 30, end: 40 }, { start: 0, end: 10 }, { start: 10, end: 30 }]), 40);
    assert.equal(unionMs([{ start: 5, end: 5 }, { start: 7, end: 3 }]), 0);
  });
});

describe('roundTimingOf', () => {
  it('splits a round into steps, unions the fan-out and leaves the annotation wait out of the overhead', () => {
    const h = historyBuilder();
    h.start(0);
    h.activity('planShards', 0.1, 0.2, 1.0);
    h.activity('scoreShard', 1.1, 1.2, 3.0);
    h.activity('scoreShard', 1.1, 1.5, 3.5);
    h.activity('issueQueries', 3.55, 3.6, 4.0);
    h.activity('storeAnswerBatch', 9.8, 9.9, 10.0);
    h.update(10.0);
    h.activity('storeAnswerBatch', 11.8, 11.9, 12.0);
    h.update(12.0);
    h.activity('expandAnswers', 12.3, 12.5, 13.0);
    h.close(T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, 13.2);
    const run = runTimelineOf(h.events);
    assert.equal(run.closedAs, 'completed');
    assert.equal(run.activities.length, 7);

    const timing = roundTimingOf([run]);
    assert.deepEqual(timing.steps.map((s) => s.step), ['plan', 'score', 'issue', 'annotate', 'expand', 'finish']);
    const step = (name: string) => timing.steps.find((s) => s.step === name)!;
    close(step('plan').wallMs, 1000, 'plan wall (round start to its close)');
    close(step('plan').busyMs, 800, 'plan busy');
    close(step('score').wallMs, 2500, 'score wall');
    close(step('score').busyMs, 2300, 'score busy is the union of 1.2-3.0 and 1.5-3.5');
    close(step('score').activitySumMs, 3800, 'score activity sum');
    close(step('score').overheadMs, 200, 'score overhead');
    close(step('annotate').wallMs, 8000, 'annotation: issue closed (4.0) to the last update (12.0)');
    close(step('expand').wallMs, 1000, 'expand from the last answer');
    close(step('finish').wallMs, 200, 'finish');
    close(timing.steps.reduce((sum, s) => sum + s.wallMs, 0), timing.wallMs, 'steps partition the wall time');

    close(timing.wallMs, 13_200, 'wall');
    close(timing.annotationMs, 8000, 'annotation');
    close(timing.busyMs, 800 + 2300 + 400 + 500, 'busy outside the annotation');
    close(timing.overheadMs, 13_200 - 8000 - 4000, 'overhead');
    close(timing.overheadFraction, 1200 / 5200, 'overhead fraction');
  });

  it('joins the runs of a round that continued as new, and counts an activity cancelled before it started as zero time', () => {
    const first = historyBuilder();
    first.start(0);
    first.activity('scoreShard', 0.5, 1, 2);
    first.close(T.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, 2.5);
    const second = historyBuilder();
    second.start(3, 'run-1');
    second.activity('scoreShard', 3.2, 3.5, 5);
    second.activity('selectQueries', 5.5, null, 6, 'canceled');
    second.close(T.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, 6.5);
    const runs = [runTimelineOf(first.events), runTimelineOf(second.events)];
    assert.equal(runs[0].closedAs, 'continued-as-new');
    assert.equal(runs[1].closedAs, 'cancelled');

    const timing = roundTimingOf(runs);
    assert.equal(timing.runs, 2);
    close(timing.wallMs, 6500, 'wall spans both runs');
    const score = timing.steps.find((s) => s.step === 'score')!;
    assert.equal(score.activities, 2);
    close(score.wallMs, 5000, 'score');
    close(score.busyMs, 2500, 'score busy');
    const select = timing.steps.find((s) => s.step === 'select')!;
    close(select.busyMs, 0, 'never started');
    close(select.wallMs, 1000, 'select wall');
    close(timing.overheadMs, 6500 - 2500, 'the gap between runs is overhead');
  });

  it('takes the caller\'s clock for a round still open, and refuses without one', () => {
    const h = historyBuilder();
    h.start(0);
    h.activity('planShards', 0, 0.5, 1);
    const run = runTimelineOf(h.events);
    assert.equal(run.closeMs, undefined);
    assert.throws(() => roundTimingOf([run]), /still open/);
    close(roundTimingOf([run], run.startMs + 4000).wallMs, 4000, 'wall to now');
  });

  it('rejects a history that does not start with the workflow start', () => {
    const h = historyBuilder();
    h.activity('planShards', 0, 0.5, 1);
    assert.throws(() => runTimelineOf(h.events), /WorkflowExecutionStarted/);
  });
});
