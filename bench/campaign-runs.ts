/**
 * Every run of a workflow id (the chain of continue-as-new), oldest first, with its history and
 * its description (history length and size as the server counts them). The chain is followed
 * backwards through each run's WorkflowExecutionStarted `continuedExecutionRunId`, so it needs no
 * visibility store.
 */
import type { Client } from '@temporalio/client';
import { runTimelineOf, type RunTimeline } from './campaign-timeline.js';

export interface WorkflowRun {
  runId: string;
  status: string;
  historyLength: number;
  /** Bytes; undefined on servers older than 1.20. */
  historySizeBytes?: number;
  timeline: RunTimeline;
}

/** The runs of `workflowId`, oldest first (the newest is the one a handle without run id names). */
export async function workflowRuns(client: Client, workflowId: string): Promise<WorkflowRun[]> {
  const runs: WorkflowRun[] = [];
  let runId: string | undefined;
  for (;;) {
    const handle = client.workflow.getHandle(workflowId, runId);
    const [description, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
    const events = history.events ?? [];
    runs.unshift({
      runId: description.runId,
      status: description.status.name,
      historyLength: description.historyLength,
      historySizeBytes: description.historySize,
      timeline: runTimelineOf(events),
    });
    const previous = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) return runs;
    runId = previous;
  }
}
