/**
 * A campaign report's content, assembled from the rounds' summaries: the rows (one per round),
 * the campaign's label, the JSON that `alc report --json` prints, the table and the chart's series.
 * Pure: the summaries come from reports/campaign-rounds.ts.
 */
import type { RoundSummary } from '../workflows/messages.js';
import type { CampaignRounds, CampaignSettings } from './campaign-rounds.js';
import { MARKERS, PALETTE, type ChartSeries, type LegendEntry, type LineChartSpec } from './chart-svg.js';

/** One round as reported; these keys (and `autoCorrections` when A2LC made any) are the JSON contract. */
export interface ReportRow {
  round: number;
  queries: number;
  answered: number;
  pixelsChanged: number;
  dataMIoU: number | null;
  modelMIoU: number | null;
  autoCorrections?: number;
}

export interface CampaignReport {
  campaignId: string;
  /** How the campaign is named in the legend and headings: name and strategy, or its id. */
  label: string;
  source: CampaignRounds['source'];
  status?: string;
  settings?: CampaignSettings;
  datasetPrefix?: string;
  rows: ReportRow[];
}

export function reportRowOf(summary: RoundSummary): ReportRow {
  const row: ReportRow = {
    round: summary.round,
    queries: summary.queries,
    answered: summary.answered,
    pixelsChanged: summary.pixelsChanged,
    dataMIoU: summary.dataMIoU,
    modelMIoU: summary.modelMIoU,
  };
  if (summary.autoCorrections !== undefined) row.autoCorrections = summary.autoCorrections;
  return row;
}

const strategyOf = (settings: CampaignSettings) => `${settings.mode}, ${settings.strategy}`;

/**
 * One report per campaign, in the order given. Labels are "name (mode, strategy)"; where two
 * campaigns would share a label (same file, same strategy) the campaign id replaces the name.
 */
export function campaignReports(campaigns: readonly CampaignRounds[]): CampaignReport[] {
  const byName = campaigns.map((c) => (c.settings ? `${c.settings.name} (${strategyOf(c.settings)})` : c.campaignId));
  return campaigns.map((campaign, i) => {
    const shared = byName.filter((label) => label === byName[i]).length > 1;
    const label = shared && campaign.settings ? `${campaign.campaignId} (${strategyOf(campaign.settings)})` : byName[i];
    const report: CampaignReport = { campaignId: campaign.campaignId, label, source: campaign.source, rows: campaign.rounds.map(reportRowOf) };
    if (campaign.status !== undefined) report.status = campaign.status;
    if (campaign.settings !== undefined) report.settings = campaign.settings;
    if (campaign.datasetPrefix !== undefined) report.datasetPrefix = campaign.datasetPrefix;
    return report;
  });
}

/** `alc report --json`: the first campaign at the top level (`rounds`), the compared ones under `compare`. */
export function reportJson(reports: readonly CampaignReport[]): Record<string, unknown> {
  const one = (r: CampaignReport) => ({ campaignId: r.campaignId, label: r.label, source: r.source, rounds: r.rows });
  const [first, ...others] = reports;
  return others.length === 0 ? one(first) : { ...one(first), compare: others.map(one) };
}

/** Cumulative queries asked up to and including each row's round. */
export function cumulativeQueries(rows: readonly ReportRow[]): number[] {
  let total = 0;
  return rows.map((row) => (total += row.queries));
}

const percent = (value: number | null) => (value === null ? '-' : (value * 100).toFixed(1));

/** Header and cells of the per-round table (terminal and HTML); the A2LC column only when a round has it. */
export function reportTable(report: CampaignReport): { header: string[]; rows: string[][] } {
  const auto = report.rows.some((r) => r.autoCorrections !== undefined);
  const header = ['round', 'queries', 'answered', 'pixels changed', 'data mIoU', 'model mIoU', ...(auto ? ['auto-corrections'] : [])];
  const rows = report.rows.map((r) => [
    String(r.round),
    String(r.queries),
    String(r.answered),
    String(r.pixelsChanged),
    percent(r.dataMIoU),
    percent(r.modelMIoU),
    ...(auto ? [r.autoCorrections === undefined ? '-' : String(r.autoCorrections)] : []),
  ]);
  return { header, rows };
}

export const DATA_MIOU_LEGEND = 'data mIoU (labels vs. ground truth)';
export const MODEL_MIOU_LEGEND = 'model mIoU (validation)';
const NEUTRAL = '#555555';

/**
 * The chart: data mIoU (solid, filled markers) and model mIoU (dashed, hollow markers) in percent
 * against cumulative queries; one colour and marker per campaign.
 */
export function miouChart(reports: readonly CampaignReport[], size: { width: number; height: number }): LineChartSpec {
  const series: ChartSeries[] = [];
  const legend: LegendEntry[] = [];
  reports.forEach((report, i) => {
    const color = PALETTE[i % PALETTE.length];
    const marker = MARKERS[i % MARKERS.length];
    const xs = cumulativeQueries(report.rows);
    const points = (pick: (row: ReportRow) => number | null) => report.rows.map((row, k) => ({ x: xs[k], y: pick(row) === null ? null : pick(row)! * 100 }));
    series.push({ name: `${report.label}: data mIoU`, color, marker, points: points((r) => r.dataMIoU) });
    series.push({ name: `${report.label}: model mIoU`, color, marker, dashed: true, points: points((r) => r.modelMIoU) });
    legend.push({ label: report.label, color, marker });
  });
  legend.push({ label: DATA_MIOU_LEGEND, color: NEUTRAL }, { label: MODEL_MIOU_LEGEND, color: NEUTRAL, dashed: true });
  const title = reports.length === 1 ? `mIoU against queries: ${reports[0].label}` : `mIoU against queries: ${reports.length} campaigns`;
  return { title, xLabel: 'queries asked (cumulative)', yLabel: 'mIoU (%)', width: size.width, height: size.height, series, legend, integerX: true };
}
