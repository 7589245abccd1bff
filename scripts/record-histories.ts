/**
 * Records the histories that test/integration/replay.test.ts replays: a few complete campaign and
 * round runs on the time-skipping test server (fake activities), saved as the JSON that the
 * Temporal CLI and Web UI export. Re-record after a deliberate, patched change of workflow code
 * only: old fixtures are what proves that running campaigns survive the change. `--only NAME`
 * records one scenario (a new one, beside the old fixtures) and adds it to the index.
 *
 *   node --import tsx scripts/record-histories.ts [--out test/fixtures/histories] [--only NAME]
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { REPO_ROOT } from '../common/paths.js';
import { roundWorkflowId } from '../configs/constants.js';
import type { campaignWorkflow } from '../workflows/campaign.js';
import { pauseSignal, resolveFailureUpdate, resumeSignal, retryRoundUpdate, revertAutoCorrectionsUpdate, setBudgetUpdate, statusQuery } from '../workflows/messages.js';
import { roundPrefixOf, type roundWorkflow } from '../workflows/round.js';
import { answersFor, eventually, roundHandle, roundReaches, submit, uniqueName, withWorker } from '../test/support/campaign-harness.js';
import { createFakeCampaignActivities, testCampaignConfig } from '../test/support/fake-campaign-activities.js';
import { historyToJson } from '../test/support/history-json.js';
import { createTimeSkippingEnvironment } from '../test/support/time-skipping.js';

/** File name → workflow id of every recorded history. */
export const INDEX_FILE = 'index.json';

interface Recorded {
  name: string;
  workflowId: string;
  runId: string;
}

/** Every run of a workflow chain (continue-as-new) and of the children those runs started. */
async function collectRuns(client: Client, workflowId: string, runId: string, name: string, out: Recorded[]): Promise<void> {
  let run: string | undefined = runId;
  let index = 0;
  while (run) {
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await client.workflow.getHandle(workflowId, run).fetchHistory();
    const runName = index === 0 ? name : `${name}-run${index}`;
    out.push({ name: runName, workflowId, runId: run });
    const events = history.events ?? [];
    let child = 0;
    for (const event of events) {
      const started = event.childWorkflowExecutionStartedEventAttributes;
      if (started?.workflowExecution?.workflowId && started.workflowExecution.runId) {
        const round = /round-(\d+)$/.exec(started.workflowExecution.workflowId)?.[1] ?? String(child);
        await collectRuns(client, started.workflowExecution.workflowId, started.workflowExecution.runId, `${runName}-round${round}${child++ > 0 ? `-retry${child - 1}` : ''}`, out);
      }
    }
    run = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    index++;
  }
}

const scenarios: Record<string, (env: TestWorkflowEnvironment, out: Recorded[]) => Promise<void>> = {
  /** A round waits days (reminders), proceeds at the deadline, fails a step, the operator retries. */
  async 'round-deadline-retry'(env, out) {
    const taskQueue = uniqueName('record');
    const campaignId = uniqueName('deadline');
    const fake = createFakeCampaignActivities({ failFirst: { expandAnswers: 1 } });
    const config = testCampaignConfig(taskQueue, { annotation: { deadline: '3 days', reminderEvery: '1 day' } });
    await withWorker(env, taskQueue, fake, async () => {
      const handle = await env.client.workflow.start<typeof roundWorkflow>('roundWorkflow', {
        taskQueue,
        workflowId: roundWorkflowId(campaignId, 1),
        args: [{ campaignId, round: 1, config, modelPrefix: 'campaigns/x/round-0/model/' }],
      });
      await roundReaches(handle, 'answers awaited', (p) => p.status === 'awaiting-answers');
      const ids = fake.queryIdsOf(roundPrefixOf(campaignId, 1));
      await submit(handle, answersFor(ids.slice(0, 2)));
      await submit(handle, [...answersFor(ids.slice(0, 1)), { queryId: ids[1], answer: 'skip', annotator: 'other' }]);
      await env.sleep('3 days');
      await roundReaches(handle, 'the failed expansion', (p) => p.status === 'waiting-for-operator');
      await handle.executeUpdate(resolveFailureUpdate, { args: ['retry'] });
      await handle.result();
      out.push({ name: 'round-deadline-retry', workflowId: handle.workflowId, runId: handle.firstExecutionRunId });
    });
  },

  /** A one-round campaign: paused, resumed, a round aborted by the operator and retried. */
  async 'campaign-pause-abort-retry'(env, out) {
    const taskQueue = uniqueName('record');
    const campaignId = uniqueName('abort');
    const fake = createFakeCampaignActivities({ failFirst: { expandAnswers: 1 } });
    await withWorker(env, taskQueue, fake, async () => {
      const handle = await env.client.workflow.signalWithStart<typeof campaignWorkflow, [string?]>('campaignWorkflow', {
        taskQueue,
        workflowId: campaignId,
        args: [{ config: testCampaignConfig(taskQueue, { rounds: 1, budgetPerRound: 3 }) }],
        signal: pauseSignal,
        signalArgs: ['recording'],
      });
      await eventually('paused', async () => (await handle.query(statusQuery)).status === 'paused');
      await handle.signal(resumeSignal);
      const round1 = roundHandle(env, campaignId, 1);
      await roundReaches(round1, 'answers awaited', (p) => p.status === 'awaiting-answers');
      await submit(round1, answersFor(fake.queryIdsOf(roundPrefixOf(campaignId, 1))));
      await roundReaches(round1, 'the failed expansion', (p) => p.status === 'waiting-for-operator');
      await round1.executeUpdate(resolveFailureUpdate, { args: ['abort-round'] });
      await eventually('round failed', async () => (await handle.query(statusQuery)).status === 'round-failed');
      await handle.executeUpdate(retryRoundUpdate, { args: [1] });
      await handle.result();
      await collectRuns(env.client, campaignId, handle.signaledRunId, 'campaign-pause-abort-retry', out);
    });
  },

  /** A two-round a2lc campaign: continue-as-new between rounds, a budget change carried over. */
  async 'campaign-two-rounds'(env, out) {
    const taskQueue = uniqueName('record');
    const campaignId = uniqueName('two');
    const fake = createFakeCampaignActivities();
    await withWorker(env, taskQueue, fake, async () => {
      const handle = await env.client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
        taskQueue,
        workflowId: campaignId,
        args: [{ config: testCampaignConfig(taskQueue, { rounds: 2, budgetPerRound: 4, mode: 'a2lc' }) }],
      });
      for (const round of [1, 2]) {
        const handleOfRound = roundHandle(env, campaignId, round);
        await roundReaches(handleOfRound, `round ${round} answers awaited`, (p) => p.status === 'awaiting-answers');
        if (round === 1) await handle.executeUpdate(setBudgetUpdate, { args: [2] });
        await submit(handleOfRound, answersFor(fake.queryIdsOf(roundPrefixOf(campaignId, round))));
      }
      await handle.result();
      await collectRuns(env.client, campaignId, handle.firstExecutionRunId, 'campaign-two-rounds', out);
    });
  },

  /** A2LC with automatic correction: round 1 corrects, round 2's corrections are reverted before its step. */
  async 'campaign-auto-correct'(env, out) {
    const taskQueue = uniqueName('record');
    const campaignId = uniqueName('auto');
    const fake = createFakeCampaignActivities();
    await withWorker(env, taskQueue, fake, async () => {
      const handle = await env.client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
        taskQueue,
        workflowId: campaignId,
        args: [{ config: testCampaignConfig(taskQueue, { rounds: 2, budgetPerRound: 4, mode: 'a2lc', autoCorrection: { enabled: true } }) }],
      });
      for (const round of [1, 2]) {
        const handleOfRound = roundHandle(env, campaignId, round);
        await roundReaches(handleOfRound, `round ${round} answers awaited`, (p) => p.status === 'awaiting-answers');
        if (round === 2) await handleOfRound.executeUpdate(revertAutoCorrectionsUpdate, { args: [2] });
        await submit(handleOfRound, answersFor(fake.queryIdsOf(roundPrefixOf(campaignId, round))));
      }
      await handle.result();
      await collectRuns(env.client, campaignId, handle.firstExecutionRunId, 'campaign-auto-correct', out);
    });
  },
};

async function main(): Promise<void> {
  const outIndex = process.argv.indexOf('--out');
  const outDir = path.resolve(outIndex > 0 ? process.argv[outIndex + 1] : path.join(REPO_ROOT, 'test', 'fixtures', 'histories'));
  const onlyIndex = process.argv.indexOf('--only');
  const only = onlyIndex > 0 ? process.argv[onlyIndex + 1] : undefined;
  if (only !== undefined && !(only in scenarios)) throw new Error(`--only: no scenario "${only}" (${Object.keys(scenarios).join(', ')})`);
  await mkdir(outDir, { recursive: true });
  const indexFile = path.join(outDir, INDEX_FILE);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const env = await createTimeSkippingEnvironment();
  try {
    // One scenario joins the fixtures already recorded; all of them replace the index.
    const index: Record<string, string> = only !== undefined && existsSync(indexFile) ? (JSON.parse(await readFile(indexFile, 'utf8')) as Record<string, string>) : {};
    for (const [name, run] of Object.entries(scenarios)) {
      if (only !== undefined && name !== only) continue;
      const recorded: Recorded[] = [];
      await run(env, recorded);
      for (const entry of recorded) {
        const history = await env.client.workflow.getHandle(entry.workflowId, entry.runId).fetchHistory();
        const file = path.join(outDir, `${entry.name}.json`);
        await writeFile(file, `${historyToJson(history)}\n`);
        index[path.basename(file)] = entry.workflowId;
        process.stdout.write(`${path.relative(REPO_ROOT, file)}  (${history.events?.length ?? 0} events, ${name})\n`);
      }
    }
    // Replay needs each history's workflow id (the campaign derives its rounds' ids from it).
    await writeFile(indexFile, `${JSON.stringify(index, null, 2)}\n`);
  } finally {
    await env.teardown();
  }
}

await main();
