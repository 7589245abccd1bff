/**
 * `alc report <campaign>`: per round, queries asked and answered, pixels changed, data and model
 * mIoU; a chart of mIoU against cumulative queries (HTML with inline SVG, or PNG); several
 * campaigns on one chart with `--compare`. Reads the campaign workflow's status query while the
 * workflow exists, else the rounds' report.json in S3 (reports/campaign-rounds.ts).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../common/errors.js';
import { DEFAULT_QUERY_TIMEOUT_S, loadCampaignRounds, parseQueryTimeout, withCampaignSources } from '../../reports/campaign-rounds.js';
import { lineChartSvg } from '../../reports/chart-svg.js';
import { campaignReports, miouChart, reportJson, reportTable, type CampaignReport } from '../../reports/report-data.js';
import { reportHtml } from '../../reports/report-html.js';
import { renderSvgToPng } from '../../reports/render-png.js';
import { formatTable, printJson, printLines } from '../output.js';

function parseNumberIn(name: string, min: number, max: number, integer: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new InputError(`${name}: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${value}"`);
    }
    return n;
  };
}

async function writeOutput(option: string, file: string, data: string | Buffer): Promise<string> {
  const resolved = path.resolve(file);
  try {
    await writeFile(resolved, data);
  } catch (error) {
    throw new InputError(`${option} ${resolved}: cannot write (${(error as Error).message})`);
  }
  return resolved;
}

function printTables(reports: readonly CampaignReport[]): void {
  const blocks = reports.map((report) => {
    const { header, rows } = reportTable(report);
    const heading = `campaign ${report.label}${report.label.includes(report.campaignId) ? '' : ` [${report.campaignId}]`}${report.status ? `: ${report.status}` : ''}`;
    return `${heading}\n${formatTable(header, rows)}`;
  });
  printLines(blocks.join('\n\n'));
}

interface ReportOptions {
  json?: boolean;
  html?: string;
  png?: string;
  compare?: string[];
  width: number;
  height: number;
  scale: number;
  queryTimeout: number;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('per-round report of a campaign (queries, answers, pixels changed, data and model mIoU) with a chart; --compare puts several on one chart')
    .argument('<campaignId>', 'campaign id')
    .option('--json', 'print {"campaignId","label","source","rounds":[{"round","queries","answered","pixelsChanged","dataMIoU","modelMIoU"}], "compare"?: [...]}')
    .option('--html <file>', 'write one self-contained HTML page (inline SVG chart, tables, campaign settings)')
    .option('--png <file>', 'write the chart as PNG')
    .option('--compare <campaignIds...>', 'more campaigns on the same chart, one series each (after the first campaign id)')
    .option('--width <px>', 'chart width', parseNumberIn('--width', 320, 4000, true), 900)
    .option('--height <px>', 'chart height', parseNumberIn('--height', 240, 4000, true), 500)
    .option('--scale <factor>', 'PNG pixels per chart unit (2 for high-DPI screens)', parseNumberIn('--scale', 0.25, 8, false), 1)
    .option('--query-timeout <seconds>', "how long to wait for the workflow's status query before reading S3", parseQueryTimeout, DEFAULT_QUERY_TIMEOUT_S)
    .action(async (campaignId: string, options: ReportOptions) => {
      const ids = [campaignId, ...(options.compare ?? [])];
      const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
      if (repeated !== undefined) throw new InputError(`--compare: campaign "${repeated}" is named twice`);
      const campaigns = await withCampaignSources(options.queryTimeout, async (sources) => {
        const loaded = [];
        for (const id of ids) loaded.push(await loadCampaignRounds(sources, id));
        return loaded;
      });
      const reports = campaignReports(campaigns);
      const needsChart = options.html !== undefined || options.png !== undefined;
      const svg = needsChart ? lineChartSvg(miouChart(reports, { width: options.width, height: options.height })) : '';
      const written: string[] = [];
      if (options.html !== undefined) written.push(await writeOutput('--html', options.html, reportHtml({ reports, svg, generatedAt: new Date() })));
      if (options.png !== undefined) written.push(await writeOutput('--png', options.png, await renderSvgToPng(svg, options.scale)));
      if (options.json) printJson(reportJson(reports));
      else printTables(reports);
      for (const file of written) process.stderr.write(`wrote ${file}\n`);
    });
}
