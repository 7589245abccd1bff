/**
 * Where a campaign's per-round summaries come from, for `alc report` and `alc export`: the campaign
 * workflow's `status` query while the workflow exists (running, or closed but still within the
 * namespace's retention), else the rounds' `report.json` in S3, which outlive the history.
 *
 * The workflow's own input (the resolved campaign configuration: strategy, dataset, …) is read
 * from the first event of its current run, which needs no worker; the status query needs one.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { RoundReportSchema, RoundSummarySchema } from '../activities/round/round-report.js';
import { InputError, UnavailableError } from '../common/errors.js';
import { formatZodIssues } from '../common/zod-errors.js';
import { loadConnectionConfig } from '../configs/load.js';
import { connectClient } from '../connections/temporal.js';
import { ArtifactStore } from '../storage/artifact-store.js';
import { createS3Client } from '../storage/s3-client.js';
import { statusQuery, type CampaignStatus, type RoundSummary } from '../workflows/messages.js';

/** The part of a campaign's configuration a report shows. */
export const CampaignSettingsSchema = z.object({
  name: z.string(),
  mode: z.string(),
  strategy: z.string(),
  rounds: z.number().int(),
  budgetPerRound: z.number().int(),
  datasetPrefix: z.string(),
  tau: z.number().optional(),
  seed: z.number().optional(),
  skipQueried: z.boolean().optional(),
  trainer: z.object({ model: z.object({ config: z.string() }).optional() }).optional(),
});
export type CampaignSettings = z.infer<typeof CampaignSettingsSchema>;

/**
 * `campaigns/<campaign>/round-<r>/`, the layout of activities/round/contracts.ts. Written out here
 * because clients import only workflows/messages.ts of the workflow code (its rule).
 */
const campaignPrefixOf = (campaignId: string) => `campaigns/${campaignId}/`;
const reportKeyOf = (campaignId: string, round: number) => `${campaignPrefixOf(campaignId)}round-${round}/report.json`;

const CampaignInputSchema = z.object({ config: CampaignSettingsSchema });

/** The fields of the status query a report reads; the rest of the view is not needed here. */
const StatusViewSchema = z.object({
  status: z.enum(['running', 'paused', 'awaiting-answers', 'waiting-for-operator', 'round-failed', 'completed', 'cancelled']) satisfies z.ZodType<CampaignStatus>,
  history: z.array(RoundSummarySchema),
});

export interface CampaignRounds {
  campaignId: string;
  /** `workflow`: the status query; `s3`: the rounds' report.json. */
  source: 'workflow' | 's3';
  /** The campaign's status (workflow source only). */
  status?: CampaignStatus;
  /** The campaign's configuration (workflow source only). */
  settings?: CampaignSettings;
  /** The dataset the campaign corrects, when known. */
  datasetPrefix?: string;
  /** Completed rounds, ascending. */
  rounds: RoundSummary[];
}

export interface CampaignRoundsSources {
  /** Absent when Temporal is unreachable: S3 alone is read. */
  client?: Client;
  store: ArtifactStore;
  /** How long the status query may take (a closed workflow is queried through a worker). */
  queryTimeoutMs: number;
  /** Why the workflow could not be used, when falling back to S3. */
  onFallback?: (reason: string) => void;
}

/** A closed workflow's query waits for a worker to replay it; past this, S3 is read instead. */
export const DEFAULT_QUERY_TIMEOUT_S = 10;

/** `--query-timeout <seconds>` of the commands that read campaigns. */
export function parseQueryTimeout(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 600) throw new InputError(`--query-timeout: expected seconds from 0.1 to 600, got "${value}"`);
  return seconds;
}

/**
 * The configured sources, for a CLI command: Temporal when reachable (else S3 alone, said on
 * stderr like every fallback) and the deployment's bucket. The connection is closed afterwards.
 */
export async function withCampaignSources<T>(queryTimeoutSeconds: number, run: (sources: CampaignRoundsSources) => Promise<T>): Promise<T> {
  const { config } = await loadConnectionConfig();
  const store = new ArtifactStore(createS3Client(config.s3), config.s3.bucket, config.s3.prefix);
  const warn = (message: string) => process.stderr.write(`alc: ${message}\n`);
  let client: Client | undefined;
  try {
    client = await connectClient(config.temporal);
  } catch (error) {
    if (!(error instanceof UnavailableError)) throw error;
    warn(`${error.message}: reading the rounds' report.json from S3`);
  }
  try {
    return await run({ client, store, queryTimeoutMs: queryTimeoutSeconds * 1000, onFallback: warn });
  } finally {
    await client?.connection.close();
  }
}

export async function loadCampaignRounds(sources: CampaignRoundsSources, campaignId: string): Promise<CampaignRounds> {
  if (sources.client) {
    try {
      return await fromWorkflow(sources.client, campaignId, sources.queryTimeoutMs);
    } catch (error) {
      const reason = error instanceof WorkflowNotFoundError ? `no workflow "${campaignId}" on Temporal (never started here, or deleted by retention)` : `the status query failed (${(error as Error).message})`;
      sources.onFallback?.(`${reason}: reading the rounds' report.json from S3`);
    }
  }
  return fromReports(sources.store, campaignId);
}

async function fromWorkflow(client: Client, campaignId: string, queryTimeoutMs: number): Promise<CampaignRounds> {
  const handle = client.workflow.getHandle(campaignId);
  // Throws WorkflowNotFoundError when the workflow is unknown: the caller falls back to S3.
  await handle.describe();
  const raw = await client.withDeadline(Date.now() + queryTimeoutMs, () => handle.query(statusQuery));
  const parsed = StatusViewSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(formatZodIssues(`status of campaign ${campaignId}`, parsed.error));
  const settings = await settingsOf(client, campaignId);
  return {
    campaignId,
    source: 'workflow',
    status: parsed.data.status,
    settings,
    datasetPrefix: settings?.datasetPrefix,
    rounds: [...parsed.data.history].sort((a, b) => a.round - b.round),
  };
}

/** The campaign input of the current run's first event (continue-as-new carries budget and rounds updates forward). */
async function settingsOf(client: Client, campaignId: string): Promise<CampaignSettings | undefined> {
  const response = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId: campaignId },
    maximumPageSize: 1,
  });
  let payloads = response.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  if (payloads.length === 0) return undefined;
  const converter = client.options.loadedDataConverter;
  for (const codec of [...converter.payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  const parsed = CampaignInputSchema.safeParse(converter.payloadConverter.fromPayload(payloads[0]));
  return parsed.success ? parsed.data.config : undefined;
}

/** Every `campaigns/<id>/round-<r>/report.json`, found by listing the round folders (not their many files). */
async function fromReports(store: ArtifactStore, campaignId: string): Promise<CampaignRounds> {
  const campaignPrefix = campaignPrefixOf(campaignId);
  const rounds: number[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await store.client.send(
      new ListObjectsV2Command({ Bucket: store.bucket, Prefix: store.prefix + campaignPrefix, Delimiter: '/', ContinuationToken: continuationToken }),
    );
    for (const common of page.CommonPrefixes ?? []) {
      const match = /round-(\d+)\/$/.exec(common.Prefix ?? '');
      if (match) rounds.push(Number(match[1]));
    }
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);

  const reports = [];
  for (const round of rounds.sort((a, b) => a - b)) {
    const key = reportKeyOf(campaignId, round);
    // A round folder without a report is a round that has not finished (or is still running).
    if (!(await store.exists(key))) continue;
    const report = await store.getJson(key, RoundReportSchema);
    if (report.round !== round || report.campaignId !== campaignId) {
      throw new InputError(`${store.uri(key)}: the report is of campaign ${report.campaignId} round ${report.round}, expected ${campaignId} round ${round}`);
    }
    reports.push(report);
  }
  if (reports.length === 0) {
    throw new InputError(`campaign "${campaignId}": no workflow on Temporal and no round report under ${store.uri(campaignPrefix)}`);
  }
  const rows = reports.map(({ campaignId: _campaign, datasetPrefix: _dataset, ...summary }): RoundSummary => summary);
  return { campaignId, source: 's3', datasetPrefix: reports[0].datasetPrefix, rounds: rows };
}
