/**
 * Running the campaign and round workflows on the time-skipping test server with fake activities:
 * shared by the workflow tests and scripts/record-histories.ts.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { roundWorkflowId } from '../../configs/constants.js';
import { WORKFLOWS_PATH } from '../../workers/workflow-bundle.js';
import type { campaignWorkflow } from '../../workflows/campaign.js';
import { roundProgressQuery, submitAnswersUpdate, type AnswerInput, type RoundProgress, type SubmitAnswersResult } from '../../workflows/messages.js';
import type { roundWorkflow } from '../../workflows/round.js';
import type { FakeCampaign } from './fake-campaign-activities.js';

export type RoundHandle = WorkflowHandle<typeof roundWorkflow>;
export type CampaignHandle = WorkflowHandle<typeof campaignWorkflow>;

/** The workflow bundle, built once per process (webpack takes seconds). */
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } });
  return bundle;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Runs `body` while a worker serves the workflows and the fake activities on `taskQueue`. */
export async function withWorker<T>(env: TestWorkflowEnvironment, taskQueue: string, fake: FakeCampaign, body: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fake.activities });
  return worker.runUntil(body);
}

/** How long one probe of `eventually` may take before it is given up and tried again. */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * Polls (real time) until `probe` returns a value, or fails naming what it waited for. A probe that
 * does not settle (a query the server holds on to under load) is given up after PROBE_TIMEOUT_MS
 * and tried again, so the deadline holds.
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    try {
      const givenUp = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`a probe took over ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
      });
      const value = await Promise.race([probe(), givenUp]);
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    } finally {
      clearTimeout(timer);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function roundHandle(env: TestWorkflowEnvironment, campaignId: string, round: number): RoundHandle {
  return env.client.workflow.getHandle<typeof roundWorkflow>(roundWorkflowId(campaignId, round));
}

/** Waits until the round's progress satisfies `predicate`, and returns it. */
export function roundReaches(handle: RoundHandle, what: string, predicate: (progress: RoundProgress) => boolean, timeoutMs?: number): Promise<RoundProgress> {
  return eventually(what, async () => {
    const progress = await handle.query(roundProgressQuery);
    return predicate(progress) ? progress : undefined;
  }, timeoutMs);
}

/** Answers, alternating correct and relabel-to-1. */
export function answersFor(queryIds: readonly string[], annotator = 'oracle'): AnswerInput[] {
  return queryIds.map((queryId, i) => (i % 2 === 0 ? { queryId, answer: 'correct', annotator } : { queryId, answer: 'relabel', class: 1, annotator }));
}

export function submit(handle: RoundHandle, answers: AnswerInput[]): Promise<SubmitAnswersResult> {
  return handle.executeUpdate(submitAnswersUpdate, { args: [{ answers }] });
}
