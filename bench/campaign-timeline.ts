/**
 * Where a round's wall time goes, read from its workflow history (every run of it, when it
 * continued as new): per step, the wall time, the time its activities ran, and the rest, which is
 * orchestration (scheduling, queueing, workflow tasks, continue-as-new).
 *
 * Steps are sequential in a round, so a step's wall time runs from the end of the step before it
 * (the round's start for the first) to the close of its last activity; the steps and a final
 * "finish" row (last activity → the round's close) partition the round's wall time. An activity's
 * own time is ActivityTaskStarted → Completed/Failed/TimedOut/Canceled as the server stamped them;
 * a step's busy time is the union of those intervals, because the scoring fan-out runs several at
 * once (their sum would count overlapping time twice). Overhead = wall − busy.
 *
 * The annotation wait (queries issued → the last `submitAnswers` update completed) is human time:
 * the `annotate` row shows it, and the round totals leave it out of the overhead.
 */
import proto from '@temporalio/proto';
import { stepOfActivity } from '../observability/log-context.js';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
const EventType = proto.temporal.api.enums.v1.EventType;

/** The round step an activity belongs to (the same map the workers' logs use), else its own type. */
const stepOf = (activityType: string): string => stepOfActivity(activityType) ?? activityType;
export const ANNOTATE_STEP = 'annotate';
export const FINISH_STEP = 'finish';

export interface ActivitySpan {
  type: string;
  scheduledMs: number;
  startedMs: number;
  closedMs: number;
}

/** One run of a workflow, as its history tells it (times in epoch milliseconds). */
export interface RunTimeline {
  startMs: number;
  /** The close event's time, or undefined while the run is open. */
  closeMs?: number;
  closedAs?: string;
  activities: ActivitySpan[];
  /** Times at which `submitAnswers` updates completed. */
  updatesCompletedMs: number[];
}

export interface StepTiming {
  step: string;
  activities: number;
  wallMs: number;
  /** Union of the activities' started → closed intervals. */
  busyMs: number;
  /** Sum of the activities' own times (exceeds busyMs when they overlap). */
  activitySumMs: number;
  overheadMs: number;
}

export interface RoundTiming {
  runs: number;
  wallMs: number;
  /** Queries issued → last answer (human time, out of the overhead). */
  annotationMs: number;
  busyMs: number;
  overheadMs: number;
  /** overheadMs / (wallMs − annotationMs). */
  overheadFraction: number;
  steps: StepTiming[];
}

interface Interval {
  start: number;
  end: number;
}

function timestampMs(ts: proto.google.protobuf.ITimestamp | null | undefined): number {
  if (!ts) throw new Error('history event without a time');
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : Number(ts.seconds?.toString() ?? 0);
  return seconds * 1000 + (ts.nanos ?? 0) / 1e6;
}

function eventId(event: HistoryEvent): string {
  return String(event.eventId);
}

const CLOSE_EVENTS = new Map<number, string>([
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, 'completed'],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, 'failed'],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, 'timed-out'],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, 'cancelled'],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, 'terminated'],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, 'continued-as-new'],
]);

/** The activities (each with its final attempt's start) and close of one run's history. */
export function runTimelineOf(events: readonly HistoryEvent[]): RunTimeline {
  const first = events[0];
  if (first?.eventType !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) throw new Error('a history starts with WorkflowExecutionStarted');
  const timeline: RunTimeline = { startMs: timestampMs(first.eventTime), activities: [], updatesCompletedMs: [] };
  const scheduled = new Map<string, { type: string; atMs: number }>();
  const started = new Map<string, number>();
  for (const event of events) {
    const at = timestampMs(event.eventTime);
    switch (event.eventType) {
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        scheduled.set(eventId(event), { type: event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?', atMs: at });
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        started.set(String(event.activityTaskStartedEventAttributes?.scheduledEventId), at);
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
        const attributes =
          event.activityTaskCompletedEventAttributes ??
          event.activityTaskFailedEventAttributes ??
          event.activityTaskTimedOutEventAttributes ??
          event.activityTaskCanceledEventAttributes;
        const key = String(attributes?.scheduledEventId);
        const schedule = scheduled.get(key);
        if (!schedule) throw new Error(`activity close event ${eventId(event)} names no scheduled activity`);
        // Cancelled before it started: it never ran.
        const startedMs = started.get(key) ?? at;
        timeline.activities.push({ type: schedule.type, scheduledMs: schedule.atMs, startedMs, closedMs: at });
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
        timeline.updatesCompletedMs.push(at);
        break;
      default: {
        const closed = CLOSE_EVENTS.get(event.eventType ?? 0);
        if (closed !== undefined) {
          timeline.closeMs = at;
          timeline.closedAs = closed;
        }
      }
    }
  }
  return timeline;
}

/** Total length of the union of intervals. */
export function unionMs(intervals: readonly Interval[]): number {
  const sorted = [...intervals].filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  let total = 0;
  let current: Interval | undefined;
  for (const interval of sorted) {
    if (current === undefined || interval.start > current.end) {
      if (current) total += current.end - current.start;
      current = { ...interval };
    } else {
      current.end = Math.max(current.end, interval.end);
    }
  }
  if (current) total += current.end - current.start;
  return total;
}

const busyOf = (spans: readonly ActivitySpan[]): number => unionMs(spans.map((s) => ({ start: s.startedMs, end: s.closedMs })));

/**
 * Per-step and total timing of a round from its runs, oldest first. The wall time runs from the
 * first run's start to the last run's close (or `nowMs` for an open run, e.g. one cancelled by
 * the caller after it had what it wanted).
 */
export function roundTimingOf(runs: readonly RunTimeline[], nowMs?: number): RoundTiming {
  if (runs.length === 0) throw new Error('a round has at least one run');
  const startMs = runs[0].startMs;
  const last = runs[runs.length - 1];
  const endMs = last.closeMs ?? nowMs;
  if (endMs === undefined) throw new Error('the round is still open: give nowMs');
  const spans = runs.flatMap((run) => run.activities).sort((a, b) => a.scheduledMs - b.scheduledMs);
  const updatesDoneMs = runs.flatMap((run) => run.updatesCompletedMs);

  // Steps in the order they first scheduled an activity; the annotation window spans the updates too.
  const byStep = new Map<string, ActivitySpan[]>();
  for (const span of spans) {
    const step = stepOf(span.type);
    const list = byStep.get(step);
    if (list) list.push(span);
    else byStep.set(step, [span]);
  }
  const issue = byStep.get('issue');
  if (issue !== undefined && updatesDoneMs.length > 0 && !byStep.has(ANNOTATE_STEP)) byStep.set(ANNOTATE_STEP, []);

  const endOf = (step: string, list: readonly ActivitySpan[]): number => {
    const closes = list.map((s) => s.closedMs);
    if (step === ANNOTATE_STEP) closes.push(...updatesDoneMs);
    return Math.max(...closes);
  };
  const ordered = [...byStep.entries()].sort(([stepA, a], [stepB, b]) => endOf(stepA, a) - endOf(stepB, b));

  const steps: StepTiming[] = [];
  let boundary = startMs;
  let annotationMs = 0;
  for (const [step, list] of ordered) {
    const end = endOf(step, list);
    const wallMs = end - boundary;
    const busyMs = busyOf(list);
    steps.push({ step, activities: list.length, wallMs, busyMs, activitySumMs: list.reduce((sum, s) => sum + (s.closedMs - s.startedMs), 0), overheadMs: wallMs - busyMs });
    if (step === ANNOTATE_STEP) annotationMs = wallMs;
    boundary = end;
  }
  steps.push({ step: FINISH_STEP, activities: 0, wallMs: endMs - boundary, busyMs: 0, activitySumMs: 0, overheadMs: endMs - boundary });

  const wallMs = endMs - startMs;
  const busyMs = busyOf(spans.filter((s) => stepOf(s.type) !== ANNOTATE_STEP));
  const overheadMs = wallMs - annotationMs - busyMs;
  const machineMs = wallMs - annotationMs;
  return { runs: runs.length, wallMs, annotationMs, busyMs, overheadMs, overheadFraction: machineMs > 0 ? overheadMs / machineMs : 0, steps };
}
