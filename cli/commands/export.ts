/**
 * `alc export <campaign>`: the corrected dataset of a round (default: the latest completed) as
 * VOC palette PNGs or one COCO JSON with RLE masks, to a local directory or `s3://bucket/prefix`.
 * The round's label version and dataset come from the campaign (workflow status, else the
 * rounds' report.json in S3); formats are described in exports/.
 */
import type { Command } from 'commander';
import { InputError } from '../../common/errors.js';
import { exportDataset, EXPORT_FORMATS, type ExportFormat } from '../../exports/export-dataset.js';
import type { RleForm } from '../../exports/coco-json.js';
import { DEFAULT_QUERY_TIMEOUT_S, loadCampaignRounds, parseQueryTimeout, withCampaignSources } from '../../reports/campaign-rounds.js';
import { openLocation } from '../../storage/open-location.js';
import { S3Location } from '../../storage/s3-location.js';
import { printJson, printLines } from '../output.js';
import { progressOnStderr } from '../progress.js';

interface ExportCliOptions {
  round?: number;
  format: string;
  out: string;
  rle: string;
  json?: boolean;
  queryTimeout: number;
}

function parseRound(value: string): number {
  const round = Number(value);
  if (!Number.isSafeInteger(round) || round < 0) throw new InputError(`--round: expected a round number (0, 1, …), got "${value}"`);
  return round;
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new InputError(`${option}: expected ${allowed.join(' or ')}, got "${value}"`);
  return value as T;
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description("a round's corrected dataset as VOC palette PNGs or a COCO RLE JSON (local directory or s3://bucket/prefix)")
    .argument('<campaignId>', 'campaign id')
    .requiredOption('--format <format>', 'voc-png | coco-rle')
    .requiredOption('--out <location>', 'output directory or s3://bucket/prefix')
    .option('--round <r>', 'the round whose labels to export (default: the latest completed)', parseRound)
    .option('--rle <form>', 'coco-rle: compressed (pycocotools strings) | uncompressed (count lists)', 'compressed')
    .option('--json', 'print {"campaignId","round","labels","datasetPrefix","format","out","images","train","val","annotations"?,"files"}')
    .option('--query-timeout <seconds>', "how long to wait for the workflow's status query before reading S3", parseQueryTimeout, DEFAULT_QUERY_TIMEOUT_S)
    .action(async (campaignId: string, options: ExportCliOptions) => {
      const format = oneOf<ExportFormat>('--format', options.format, EXPORT_FORMATS);
      const rle = oneOf<RleForm>('--rle', options.rle, ['compressed', 'uncompressed']);
      const out = await openLocation(options.out);
      const { campaign, store } = await withCampaignSources(options.queryTimeout, async (sources) => ({ campaign: await loadCampaignRounds(sources, campaignId), store: sources.store }));
      if (campaign.rounds.length === 0) throw new InputError(`campaign "${campaignId}" has no completed round yet: nothing to export`);
      const completed = campaign.rounds.map((r) => r.round);
      const round = options.round ?? completed[completed.length - 1];
      const summary = campaign.rounds.find((r) => r.round === round);
      if (!summary) throw new InputError(`--round ${round}: not a completed round of campaign "${campaignId}" (completed: ${completed.join(', ')})`);
      if (campaign.datasetPrefix === undefined) throw new InputError(`campaign "${campaignId}": its dataset is unknown (the workflow's input could not be read)`);

      const dataset = new S3Location(store.at(campaign.datasetPrefix));
      const labels = summary.labelsPrefix === undefined ? undefined : new S3Location(store.at(summary.labelsPrefix));
      const result = await exportDataset({
        dataset,
        labels,
        out,
        format,
        rle,
        description: `ALC campaign ${campaignId}, labels after round ${round}`,
        onProgress: progressOnStderr('export', 'images'),
      });
      const labelsUri = labels ? store.uri(summary.labelsPrefix!) : 'the pseudo labels';
      if (options.json) return printJson({ campaignId, round, labels: labelsUri, datasetPrefix: campaign.datasetPrefix, ...result });
      printLines(
        `exported campaign ${campaignId} round ${round} (${format}) to ${result.out}`,
        `  ${result.images} images: ${result.train} train with ${labelsUri}, ${result.val} val with their ground truth (else pseudo labels)${result.annotations === undefined ? '' : `; ${result.annotations} annotations`}`,
        `  ${result.files.join(', ')}`,
      );
    });
}
