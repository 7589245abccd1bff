/**
 * What the demo prints: one progress line per campaign as it moves, the per-round table, and with
 * `--compare` the papers' claim checked on this run — at equal budget, the look-ahead strategies
 * (ALC, A2LC) end with cleaner labels (data mIoU) than random superpixels and pixel uncertainty.
 */
import { formatTable } from '../cli/output.js';
import type { CampaignStatusView } from '../workflows/messages.js';
import type { DemoStrategy } from './campaign-plans.js';

export interface DemoRoundRow {
  round: number;
  queries: number;
  answered: number;
  pixelsChanged: number;
  dataMIoU: number | null;
  modelMIoU: number | null;
}

export interface DemoCampaignResult {
  strategy: DemoStrategy;
  campaignId: string;
  webUi: string;
  rounds: DemoRoundRow[];
}

const percent = (value: number | null | undefined) => (value === null || value === undefined ? '-' : (value * 100).toFixed(1));

export function formatProgressLine(status: CampaignStatusView): string {
  const parts = [`[${status.name}] round ${status.round}/${status.rounds}`, status.status];
  if (status.status !== 'completed' && status.step) {
    parts.push(`step ${status.step}${status.stepProgress ? ` ${status.stepProgress.done}/${status.stepProgress.total}` : ''}`);
  }
  if (status.queries > 0 && status.status !== 'completed') parts.push(`answers ${status.answered}/${status.queries}`);
  const latest = status.history.at(-1);
  if (latest) parts.push(`data mIoU ${percent(latest.dataMIoU)}`);
  return parts.join('  ');
}

/** One table for every campaign: queries are cumulative, so the strategies compare at equal budget. */
export function formatDemoTable(campaigns: readonly DemoCampaignResult[]): string {
  const rows = campaigns.flatMap((campaign) => {
    let asked = 0;
    return campaign.rounds.map((r) => {
      asked += r.queries;
      return [campaign.strategy, r.round, asked, r.answered, r.pixelsChanged, percent(r.dataMIoU), percent(r.modelMIoU)];
    });
  });
  return formatTable(['strategy', 'round', 'queries (total)', 'answered', 'pixels changed', 'data mIoU', 'model mIoU'], rows);
}

export interface StrategyComparison {
  /** Final data mIoU per strategy. */
  finalDataMIoU: Partial<Record<DemoStrategy, number | null>>;
  /** Both look-ahead strategies above both baselines. */
  lookAheadWins: boolean;
}

export function strategyComparison(campaigns: readonly DemoCampaignResult[]): StrategyComparison {
  const finalDataMIoU: Partial<Record<DemoStrategy, number | null>> = {};
  for (const campaign of campaigns) finalDataMIoU[campaign.strategy] = campaign.rounds.at(-1)?.dataMIoU ?? null;
  const value = (strategy: DemoStrategy) => finalDataMIoU[strategy] ?? Number.NaN;
  const worstLookAhead = Math.min(value('alc'), value('a2lc'));
  const bestBaseline = Math.max(value('random'), value('pixel'));
  return { finalDataMIoU, lookAheadWins: worstLookAhead > bestBaseline };
}

export function formatComparison(comparison: StrategyComparison): string {
  const entries = Object.entries(comparison.finalDataMIoU).map(([strategy, miou]) => `${strategy} ${percent(miou)}`);
  const verdict = comparison.lookAheadWins
    ? 'the look-ahead strategies (alc, a2lc) beat random and pixel uncertainty at equal budget'
    : 'on this run the look-ahead strategies did NOT beat both baselines (small datasets are noisy: try more images or rounds)';
  return `final data mIoU: ${entries.join(', ')}\n${verdict}`;
}
