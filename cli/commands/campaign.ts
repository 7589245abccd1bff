/**
 * `alc campaign …` and `alc round …`: start, watch and steer durable campaigns. Every command is one
 * client action on a workflow handle (start, signal, query, update, cancel); the workflows do the
 * rest. Campaign ids are workflow ids; round `r` of campaign `C` is the workflow `C/round-r`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError } from '../../common/errors.js';
import { parseJsonl } from '../../common/jsonl.js';
import { formatZodIssues } from '../../common/zod-errors.js';
import { readManifest } from '../../datasets/manifest-file.js';
import { CampaignConfigSchema, resolveCampaignConfig, type CampaignConfig } from '../../configs/campaign.js';
import { roundWorkflowId, WORKFLOW_TYPES } from '../../configs/constants.js';
import { loadConnectionConfig, type LoadedConfig } from '../../configs/load.js';
import { connectClient } from '../../connections/temporal.js';
import { readStackState } from '../../stack/state.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { createS3Client } from '../../storage/s3-client.js';
import { S3Location } from '../../storage/s3-location.js';
import type { campaignWorkflow } from '../../workflows/campaign.js';
import {
  CAMPAIGN_ATTRIBUTE,
  pauseSignal,
  resolveFailureUpdate,
  resumeSignal,
  retryRoundUpdate,
  revertAutoCorrectionsUpdate,
  roundProgressQuery,
  setBudgetUpdate,
  setRoundsUpdate,
  STATUS_ATTRIBUTE,
  statusQuery,
  submitAnswersUpdate,
  type AnswerInput,
  type AnswerOutcome,
  type CampaignStatusView,
  type FailureAction,
  type RevertAutoCorrectionsResult,
  type RoundProgress,
} from '../../workflows/messages.js';
import type { roundWorkflow } from '../../workflows/round.js';
import { formatTable, printJson, printLines } from '../output.js';

/**
 * Sets a round's A2LC automatic corrections aside. The round's own workflow decides while it runs
 * (until its train step); once it has finished, the campaign decides (its latest completed round,
 * while the next has not started). Either rejects a late revert with the reason.
 */
export async function revertAutoCorrections(client: Client, campaignId: string, round: number): Promise<RevertAutoCorrectionsResult> {
  const roundHandle = client.workflow.getHandle<typeof roundWorkflow>(roundWorkflowId(campaignId, round));
  const roundRunning = await roundHandle.describe().then(
    (description) => description.status.name === 'RUNNING',
    (error: unknown) => {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    },
  );
  if (roundRunning) {
    try {
      return await roundHandle.executeUpdate(revertAutoCorrectionsUpdate, { args: [round] });
    } catch (error) {
      // Finished in the meantime: now it is the campaign's to decide.
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  try {
    return await client.workflow.getHandle<typeof campaignWorkflow>(campaignId).executeUpdate(revertAutoCorrectionsUpdate, { args: [round] });
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    throw new InputError(
      `campaign ${campaignId} is not running (finished, or no such campaign): its rounds can no longer be reverted; a round's human-only labels stay in S3 as its labels/ version beside labels-auto/`,
    );
  }
}

/** Reads and validates a campaign file; classes come from the dataset's manifest when it names none. */
export async function loadCampaignConfig(file: string, loaded: LoadedConfig): Promise<CampaignConfig> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8')) ?? {};
  } catch (error) {
    throw new InputError(`${file}: cannot read the campaign file (${(error as Error).message.split('\n')[0]})`);
  }
  const parsed = CampaignConfigSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(formatZodIssues(file, parsed.error));
  if (parsed.data.classes !== undefined) return resolveCampaignConfig(parsed.data);
  const { config } = loaded;
  const store = new ArtifactStore(createS3Client(config.s3), config.s3.bucket, config.s3.prefix);
  const manifest = await readManifest(new S3Location(store.at(parsed.data.datasetPrefix)));
  return resolveCampaignConfig(parsed.data, manifest.classes.map((c) => c.id));
}

/** The Web UI page of a workflow: the embedded stack's UI, $ALC_TEMPORAL_UI, Temporal Cloud, or the dev server's default port. */
export function webUiLink(loaded: LoadedConfig, workflowId: string, env: NodeJS.ProcessEnv = process.env): string {
  const { address, namespace } = loaded.config.temporal;
  let base = env.ALC_TEMPORAL_UI;
  if (!base && loaded.embeddedStackDir) base = readStackState(loaded.embeddedStackDir)?.temporal.ui;
  if (!base && /\.tmprl\.cloud:\d+$/.test(address)) base = 'https://cloud.temporal.io';
  if (!base) {
    const [host, port] = address.split(':');
    base = `http://${host}:${Number(port) + 1000}`;
  }
  return `${base.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

async function withClient<T>(run: (client: Client, loaded: LoadedConfig) => Promise<T>): Promise<T> {
  const loaded = await loadConnectionConfig();
  const client = await connectClient(loaded.config.temporal);
  try {
    return await run(client, loaded);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new InputError(`no such workflow: ${error.workflowId ?? ''} (${error.message})`);
    if (error instanceof WorkflowUpdateFailedError) throw new InputError(`refused: ${error.cause?.message ?? error.message}`);
    throw error;
  } finally {
    await client.connection.close();
  }
}

function parseRound(value: string): number {
  const round = Number(value);
  if (!Number.isSafeInteger(round) || round < 0) throw new InputError(`expected a round number (0, 1, …), got "${value}"`);
  return round;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InputError(`expected a non-negative integer, got "${value}"`);
  return n;
}

const percent = (value: number | null | undefined) => (value === null || value === undefined ? '-' : (value * 100).toFixed(1));

function bar(done: number, total: number, width = 30): string {
  const filled = total > 0 ? Math.round((done / total) * width) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}

/** The human-readable status: header, the running step with a progress bar, the per-round table. */
export function formatCampaignStatus(status: CampaignStatusView, round?: RoundProgress): string {
  const lines = [
    `campaign ${status.campaignId} (${status.name}): ${status.status}${status.paused ? ' (paused)' : ''}`,
    `  round ${status.round} of ${status.rounds}, budget ${status.budgetPerRound} per round, mode ${status.mode}, runs ${status.runs}`,
  ];
  const progress = round ?? undefined;
  const step = progress?.step ?? status.step;
  if (step) {
    let line = `  step ${step}`;
    const stepProgress = progress?.stepProgress ?? status.stepProgress;
    if (stepProgress) line += `  ${bar(stepProgress.done, stepProgress.total)}`;
    lines.push(line);
  }
  const queries = progress?.queries ?? status.queries;
  const answered = progress?.answered ?? status.answered;
  const annotation = progress?.annotation ?? status.annotation;
  if (queries > 0) {
    let line = `  answers ${bar(answered, queries)}`;
    if (annotation) {
      line += annotation.closedAt === undefined ? `  deadline ${new Date(annotation.deadlineAt).toISOString()}` : `  closed (${annotation.closedBy})`;
      if (annotation.reminders > 0) line += `  reminders ${annotation.reminders}`;
      if (annotation.extensions > 0) line += `  extensions ${annotation.extensions}`;
    }
    lines.push(line);
  }
  const failure = progress?.failure ?? status.failure;
  if (failure) {
    lines.push(`  FAILED step ${failure.step}: ${failure.message}`, `  decide: alc round resolve ${status.campaignId} ${status.round} retry|skip|abort`);
  }
  if (status.roundFailure) {
    lines.push(`  round ${status.roundFailure.round} failed: ${status.roundFailure.message}`, `  retry it: alc round retry ${status.campaignId} ${status.roundFailure.round}`);
  }
  if (status.history.length > 0) {
    lines.push(
      '',
      formatTable(
        ['round', 'queries', 'answered', 'pixels changed', 'data mIoU', 'model mIoU'],
        status.history.map((r) => [r.round, r.queries, r.answered, r.pixelsChanged, percent(r.dataMIoU), percent(r.modelMIoU)]),
      ),
    );
  }
  return lines.join('\n');
}

async function campaignStatus(client: Client, id: string): Promise<{ status: CampaignStatusView; round?: RoundProgress }> {
  const campaign = client.workflow.getHandle<typeof campaignWorkflow>(id);
  const status = await campaign.query(statusQuery);
  let round: RoundProgress | undefined;
  if (status.status !== 'completed' && status.status !== 'cancelled') {
    // The round's own query is fresher than what it last reported to the campaign.
    round = await client.workflow.getHandle(roundWorkflowId(id, status.round)).query(roundProgressQuery).catch(() => undefined);
  }
  return { status, round };
}

const AnswerLineSchema = z.object({
  queryId: z.string().min(1),
  answer: z.enum(['correct', 'relabel', 'skip']),
  class: z.number().int().min(0).max(255).optional(),
  annotator: z.string().min(1).optional(),
  round: z.number().int().min(0).optional(),
});

export interface AnswerFileResult {
  round: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  answered: number;
  total: number;
  outcomes: AnswerOutcome[];
}

/** Sends answers in batches through the round's `submitAnswers` update; a batch refused whole counts every answer of it as rejected. */
export async function submitAnswerBatches(handle: WorkflowHandle<typeof roundWorkflow>, round: number, answers: AnswerInput[], batchSize: number): Promise<AnswerFileResult> {
  const result: AnswerFileResult = { round, accepted: 0, duplicates: 0, rejected: 0, answered: 0, total: 0, outcomes: [] };
  for (let start = 0; start < answers.length; start += batchSize) {
    const batch = answers.slice(start, start + batchSize);
    try {
      const reply = await handle.executeUpdate(submitAnswersUpdate, { args: [{ answers: batch }] });
      result.accepted += reply.accepted;
      result.duplicates += reply.duplicates;
      result.rejected += reply.rejected;
      result.answered = reply.answered;
      result.total = reply.total;
      result.outcomes.push(...reply.outcomes);
    } catch (error) {
      if (!(error instanceof WorkflowUpdateFailedError)) throw error;
      const reason = error.cause?.message ?? error.message;
      result.rejected += batch.length;
      result.outcomes.push(...batch.map((a): AnswerOutcome => ({ queryId: a.queryId, outcome: 'rejected', reason })));
    }
  }
  if (result.total === 0) {
    // Every batch was refused: the counts come from the round itself.
    const progress = await handle.query(roundProgressQuery).catch(() => undefined);
    if (progress) Object.assign(result, { answered: progress.answered, total: progress.queries });
  }
  return result;
}

export function registerCampaignCommands(program: Command): void {
  const campaign = program.command('campaign').description('durable ALC campaigns: start, watch, steer, answer');

  campaign
    .command('start')
    .description('start a campaign from a campaign file (configs/campaign-demo.yaml); prints its id and Web UI link')
    .argument('<config>', 'campaign file (YAML)')
    .option('--id <id>', 'campaign (workflow) id; default <name>-<UTC timestamp>')
    .option('--json', 'print {"campaignId","runId","webUi"}')
    .action(async (file: string, options: { id?: string; json?: boolean }) => {
      await withClient(async (client, loaded) => {
        const config = await loadCampaignConfig(path.resolve(file), loaded);
        const campaignId = options.id ?? `${config.name}-${timestamp(new Date())}`;
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(campaignId)) throw new InputError(`--id: expected letters, digits, ".", "_" or "-", got "${campaignId}"`);
        const handle = await client.workflow.start<typeof campaignWorkflow>(WORKFLOW_TYPES.campaign, {
          workflowId: campaignId,
          taskQueue: config.taskQueues.cpu,
          args: [{ campaignId, config }],
          typedSearchAttributes: config.searchAttributes ? [{ key: CAMPAIGN_ATTRIBUTE, value: campaignId }, { key: STATUS_ATTRIBUTE, value: 'running' }] : undefined,
        });
        const webUi = webUiLink(loaded, campaignId);
        if (options.json) return printJson({ campaignId, runId: handle.firstExecutionRunId, webUi });
        printLines(`campaign ${campaignId} started (${config.rounds} rounds of ${config.budgetPerRound} queries, mode ${config.mode})`, `  Web UI  ${webUi}`, `  status  alc campaign status ${campaignId}`);
      });
    });

  campaign
    .command('status')
    .description('where a campaign is: round, step, progress, answers, per-round metrics')
    .argument('<id>', 'campaign id')
    .option('--json', 'print {"campaign": <status query>, "round": <running round progress>}')
    .option('--watch [seconds]', 'refresh until the campaign ends (default every 2 s)')
    .action(async (id: string, options: { json?: boolean; watch?: string | boolean }) => {
      await withClient(async (client) => {
        const every = options.watch === undefined || options.watch === false ? 0 : options.watch === true ? 2 : Number(options.watch);
        if (Number.isNaN(every) || every < 0) throw new InputError(`--watch: expected seconds, got "${String(options.watch)}"`);
        let last = '';
        for (;;) {
          const { status, round } = await campaignStatus(client, id);
          const text = options.json ? JSON.stringify({ campaign: status, round: round ?? null }, null, 2) : formatCampaignStatus(status, round);
          if (text !== last) printLines(text);
          last = text;
          if (every === 0 || status.status === 'completed' || status.status === 'cancelled') return;
          await new Promise((resolve) => setTimeout(resolve, every * 1000));
        }
      });
    });

  for (const [name, description] of [
    ['pause', 'pause a campaign: the running step finishes, the next one waits (answers are still taken)'],
    ['resume', 'resume a paused campaign'],
  ] as const) {
    campaign
      .command(name)
      .description(description)
      .argument('<id>', 'campaign id')
      .option('--reason <text>', 'why (logged; pause only)')
      .action(async (id: string, options: { reason?: string }) => {
        await withClient(async (client) => {
          const handle = client.workflow.getHandle(id);
          if (name === 'pause') await handle.signal(pauseSignal, options.reason);
          else await handle.signal(resumeSignal);
          printLines(`campaign ${id}: ${name} sent`);
        });
      });
  }

  campaign
    .command('cancel')
    .description('cancel a campaign: the running round is cancelled; every label version written so far stays')
    .argument('<id>', 'campaign id')
    .action(async (id: string) => {
      await withClient(async (client) => {
        await client.workflow.getHandle(id).cancel();
        printLines(`campaign ${id}: cancellation requested`);
      });
    });

  campaign
    .command('set')
    .description('change the budget per round (from the next round) or the number of rounds')
    .argument('<id>', 'campaign id')
    .option('--budget <n>', 'queries per round', parsePositive)
    .option('--rounds <n>', 'correction rounds', parsePositive)
    .option('--json', 'print the results')
    .action(async (id: string, options: { budget?: number; rounds?: number; json?: boolean }) => {
      if (options.budget === undefined && options.rounds === undefined) throw new InputError('give --budget and/or --rounds');
      await withClient(async (client) => {
        const handle = client.workflow.getHandle<typeof campaignWorkflow>(id);
        const out: Record<string, unknown> = {};
        if (options.budget !== undefined) out.budget = await handle.executeUpdate(setBudgetUpdate, { args: [options.budget] });
        if (options.rounds !== undefined) out.rounds = await handle.executeUpdate(setRoundsUpdate, { args: [options.rounds] });
        if (options.json) return printJson(out);
        printLines(JSON.stringify(out));
      });
    });

  campaign
    .command('list')
    .description('campaigns on the server, newest first')
    .option('--query <visibility query>', 'extra filter, e.g. "AlcStatus = \'awaiting-answers\'"')
    .option('--limit <n>', 'at most this many', parsePositive, 50)
    .option('--json', 'print a JSON array')
    .action(async (options: { query?: string; limit: number; json?: boolean }) => {
      await withClient(async (client) => {
        // One line per campaign: the runs it continued-as-new from are left out.
        const query = `WorkflowType = '${WORKFLOW_TYPES.campaign}' AND ExecutionStatus != 'ContinuedAsNew'${options.query ? ` AND (${options.query})` : ''}`;
        const rows: { campaignId: string; execution: string; round: number | null; step: string | null; status: string | null; started: string }[] = [];
        for await (const execution of client.workflow.list({ query })) {
          const attributes = execution.searchAttributes as Record<string, unknown[] | undefined>;
          rows.push({
            campaignId: execution.workflowId,
            execution: execution.status.name,
            round: (attributes.AlcRound?.[0] as number | undefined) ?? null,
            step: (attributes.AlcStep?.[0] as string | undefined) ?? null,
            status: (attributes.AlcStatus?.[0] as string | undefined) ?? null,
            started: execution.startTime.toISOString(),
          });
          if (rows.length >= options.limit) break;
        }
        if (options.json) return printJson(rows);
        if (rows.length === 0) return printLines('no campaigns');
        printLines(formatTable(['campaign', 'execution', 'round', 'step', 'status', 'started'], rows.map((r) => [r.campaignId, r.execution, r.round ?? '-', r.step ?? '-', r.status ?? '-', r.started])));
      });
    });

  campaign
    .command('answer')
    .description('submit answers (JSONL: {"queryId","answer":"correct|relabel|skip","class"?,"annotator"?}) to a round through its submitAnswers update')
    .argument('<id>', 'campaign id')
    .argument('<round>', 'round number', parseRound)
    .requiredOption('--answers <file>', 'JSONL file of answers')
    .option('--annotator <name>', 'annotator of lines that name none', 'cli')
    .option('--batch-size <n>', 'answers per update (the campaign allows at most annotation.maxBatch)', parsePositive, 200)
    .option('--json', 'print the outcome of every answer')
    .action(async (id: string, round: number, options: { answers: string; annotator: string; batchSize: number; json?: boolean }) => {
      if (options.batchSize < 1) throw new InputError('--batch-size must be at least 1');
      const file = path.resolve(options.answers);
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (error) {
        throw new InputError(`${file}: cannot read (${(error as Error).message})`);
      }
      const answers = parseJsonl(bytes, file, AnswerLineSchema).map(({ value }): AnswerInput => ({ ...value, annotator: value.annotator ?? options.annotator }));
      if (answers.length === 0) throw new InputError(`${file}: no answers`);
      await withClient(async (client) => {
        const handle = client.workflow.getHandle<typeof roundWorkflow>(roundWorkflowId(id, round));
        const result = await submitAnswerBatches(handle, round, answers, options.batchSize);
        if (options.json) printJson(result);
        else {
          const rejected = result.outcomes.filter((o) => o.outcome === 'rejected');
          printLines(
            `round ${round}: ${result.accepted} accepted, ${result.duplicates} duplicates, ${result.rejected} rejected; ${result.answered}/${result.total} queries answered`,
            ...rejected.slice(0, 20).map((o) => `  rejected ${o.queryId}: ${o.reason}`),
            ...(rejected.length > 20 ? [`  … ${rejected.length - 20} more`] : []),
          );
        }
        if (result.rejected > 0) process.exitCode = 2;
      });
    });

  const round = program.command('round').description("a campaign's rounds: operator decisions and retries");

  round
    .command('resolve')
    .description('decide on a failed step: retry it, skip it, or abort the round')
    .argument('<id>', 'campaign id')
    .argument('<round>', 'round number', parseRound)
    .argument('<action>', 'retry | skip | abort')
    .action(async (id: string, r: number, action: string) => {
      const actions: Record<string, FailureAction> = { retry: 'retry', skip: 'skip-step', 'skip-step': 'skip-step', abort: 'abort-round', 'abort-round': 'abort-round' };
      const decision = actions[action];
      if (!decision) throw new InputError(`action: expected retry, skip or abort, got "${action}"`);
      await withClient(async (client) => {
        const result = await client.workflow.getHandle<typeof roundWorkflow>(roundWorkflowId(id, r)).executeUpdate(resolveFailureUpdate, { args: [decision] });
        printLines(`round ${r} of ${id}: step ${result.step}: ${result.action}`);
      });
    });

  round
    .command('revert-auto')
    .description(
      "set a round's A2LC automatic corrections aside: the round (until its train step) or, once completed, the rounds after it (until the next starts) use its human-only labels",
    )
    .argument('<id>', 'campaign id')
    .argument('<round>', 'round number', parseRound)
    .option('--json', 'print {"round","by":"round"|"campaign","reverted","labelsPrefix"?}')
    .action(async (id: string, r: number, options: { json?: boolean }) => {
      await withClient(async (client) => {
        const result = await revertAutoCorrections(client, id, r);
        if (options.json) printJson(result);
        else printLines(`round ${r} of ${id}: ${result.reverted} automatic corrections set aside (by the ${result.by}); labels from now on: ${result.labelsPrefix ?? "the round's human-corrected version, once its answers are applied"}`);
      });
    });

  round
    .command('retry')
    .description('run a failed or aborted round again from its first incomplete step (completed steps are reused)')
    .argument('<id>', 'campaign id')
    .argument('<round>', 'round number', parseRound)
    .action(async (id: string, r: number) => {
      await withClient(async (client) => {
        const result = await client.workflow.getHandle<typeof campaignWorkflow>(id).executeUpdate(retryRoundUpdate, { args: [r] });
        printLines(`round ${r} of ${id}: retrying${result.reusedSteps.length > 0 ? ` (reusing ${result.reusedSteps.join(', ')})` : ''}`);
      });
    });
}
