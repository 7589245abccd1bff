/**
 * `alc annotate --oracle`: simulated annotators answering a campaign's queries through the
 * annotation service's HTTP API (annotation/oracle/). Each simulated annotator has a token: the
 * ones given with --token, and for the rest the command creates annotator tokens `oracle-<i>` for
 * the campaign and revokes them when it stops.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { AnnotationApiError } from '../../annotation/api-client.js';
import { CampaignIdSchema } from '../../annotation/api-schemas.js';
import { runOracleAnnotators, type OracleRunSummary, type OracleStop } from '../../annotation/oracle/oracle-annotators.js';
import { TokenStore } from '../../annotation/tokens.js';
import { DEFAULT_PORT } from '../../annotation/service.js';
import { InputError, UnavailableError } from '../../common/errors.js';
import { parseDuration } from '../../configs/campaign.js';
import { loadConnectionConfig } from '../../configs/load.js';
import type { LatencyModel } from '../../engine/oracle.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { createS3Client } from '../../storage/s3-client.js';
import { formatTable, printJson, printLines } from '../output.js';
import { progressOnStderr, type ProgressReporter } from '../progress.js';
import { integerParser, parseFraction } from './engine-options.js';

function durationMs(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : parseDuration(text);
  if (ms === undefined) throw new InvalidArgumentError('Expected a duration such as "0ms", "2s", or a range "1s..5s".');
  return ms;
}

/** `0ms` (none), `2s` (fixed), `1s..5s` (uniform). */
export function parseLatency(value: string): LatencyModel | undefined {
  const [low, high, ...rest] = value.split('..').map((part) => part.trim());
  if (rest.length > 0) throw new InvalidArgumentError('Expected a duration or a range "MIN..MAX".');
  const minMs = durationMs(low);
  if (high === undefined) return minMs === 0 ? undefined : { kind: 'fixed', ms: minMs };
  const maxMs = durationMs(high);
  if (maxMs < minMs) throw new InvalidArgumentError(`The range ${value} ends before it starts.`);
  return { kind: 'uniform', minMs, maxMs };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface AnnotateOptions {
  oracle?: boolean;
  campaign: string;
  url: string;
  token: string[];
  annotators?: number;
  errorRate: number;
  latency?: LatencyModel;
  seed: number;
  batch: number;
  untilRoundClosed?: boolean;
  once?: boolean;
  untilCampaignDone?: boolean;
  json?: boolean;
}

function stopOf(options: AnnotateOptions): OracleStop {
  const chosen = [options.untilRoundClosed && 'round-closed', options.once && 'once', options.untilCampaignDone && 'campaign-done'].filter((s): s is OracleStop => typeof s === 'string');
  if (chosen.length > 1) throw new InputError('give one of --until-round-closed, --once, --until-campaign-done');
  return chosen[0] ?? 'round-closed';
}

function formatSummary(summary: OracleRunSummary): string {
  const { totals } = summary;
  const rounds = summary.rounds.length > 0 ? `round ${summary.rounds.join(', ')}` : 'no round';
  return [
    `oracle annotators on ${summary.campaignId}, ${rounds}: ${totals.answers} answers (${totals.correct} correct, ${totals.relabel} relabel, ${totals.skip} skip) in ${summary.seconds.toFixed(1)} s`,
    `  accepted ${totals.accepted}, duplicate ${totals.duplicate}, pending quorum ${totals.pendingQuorum}, rejected ${totals.rejected}`,
    '',
    formatTable(
      ['annotator', 'answers', 'accepted', 'duplicate', 'pending', 'rejected'],
      summary.annotators.map((a) => [a.annotator, a.answers, a.accepted, a.duplicate, a.pendingQuorum, a.rejected]),
    ),
    ...summary.annotators.flatMap((a) => a.rejections.map((reason) => `  ${a.annotator} rejected: ${reason}`)),
  ].join('\n');
}

export function registerAnnotateCommand(program: Command): void {
  program
    .command('annotate')
    .description('simulated annotators answering through the annotation service HTTP API (the oracle of the spec, from the ground truth)')
    .option('--oracle', 'answer as the oracle annotator (the only mode: people answer in the web page)')
    .requiredOption('--campaign <id>', 'campaign to answer')
    .option('--url <url>', 'the annotation service', `http://127.0.0.1:${process.env.ALC_SERVE_PORT ?? DEFAULT_PORT}`)
    .option('--token <token>', 'a token per simulated annotator (repeatable); the missing ones are created for the run and revoked after', collect, [])
    .option('--annotators <n>', 'simulated annotators in parallel (default: one per --token, at least 1)', integerParser(1))
    .option('--error-rate <p>', 'probability of a wrong answer (a uniformly drawn wrong class)', parseFraction, 0)
    .option('--latency <duration>', 'time each answer takes: "0ms", "2s", or a range "1s..5s" (seeded)', parseLatency)
    .option('--seed <n>', 'seed of errors and latencies (annotator i uses seed + i)', integerParser(0), 0)
    .option('--batch <n>', 'queries leased at a time (1-50)', integerParser(1), 10)
    .option('--until-round-closed', 'stop when the round that takes answers (or the next one to) stops taking them (default)')
    .option('--once', 'each annotator answers one batch, then stops')
    .option('--until-campaign-done', 'keep answering round after round until the campaign completes')
    .option('--json', 'print the summary as JSON')
    .action(async (options: AnnotateOptions) => {
      if (!options.oracle) throw new InputError('give --oracle: simulated annotators are the only kind this command runs (people answer in the web page)');
      const campaign = CampaignIdSchema.safeParse(options.campaign);
      if (!campaign.success) throw new InputError(`--campaign: ${campaign.error.issues[0].message}, got "${options.campaign}"`);
      if (options.batch > 50) throw new InputError('--batch: at most 50 queries per lease');
      const until = stopOf(options);
      const annotators = options.annotators ?? Math.max(1, options.token.length);
      if (options.token.length > annotators) throw new InputError(`${options.token.length} tokens for ${annotators} annotators: give at most one --token per annotator`);

      const { config } = await loadConnectionConfig();
      const store = new ArtifactStore(createS3Client(config.s3), config.s3.bucket, config.s3.prefix);
      const tokenStore = new TokenStore(store);
      const minted: string[] = [];
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const tokens = [...options.token];
        for (let i = tokens.length; i < annotators; i++) {
          const { token, record } = await tokenStore.create({ role: 'annotator', annotator: `oracle-${i + 1}`, campaigns: [options.campaign], note: 'alc annotate --oracle (revoked when it stops)' });
          tokens.push(token);
          minted.push(record.tokenId);
        }
        const reporters = new Map<number, ProgressReporter>();
        const summary = await runOracleAnnotators({
          url: options.url,
          campaignId: options.campaign,
          tokens,
          store,
          errorRate: options.errorRate,
          seed: options.seed,
          latency: options.latency,
          batchSize: options.batch,
          until,
          signal: controller.signal,
          onProgress: ({ round, answered, queries }) => {
            let report = reporters.get(round);
            if (report === undefined) reporters.set(round, (report = progressOnStderr(`oracle round ${round}`, 'answered')));
            report({ done: answered, total: queries });
          },
        });
        if (options.json) printJson(summary);
        else printLines(formatSummary(summary));
      } catch (error) {
        // A refused token or request is the caller's to fix (exit 2); a service in trouble is unavailable (exit 3).
        if (error instanceof AnnotationApiError) throw error.status >= 500 ? new UnavailableError(error.message) : new InputError(error.message);
        throw error;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        for (const tokenId of minted) await tokenStore.revoke(tokenId).catch(() => undefined);
      }
    });
}
