/**
 * The campaigns the demo runs: one strategy, or (`--compare`) the four the papers compare at equal
 * budget — ALC's look-ahead (sim), A2LC's class-balanced look-ahead (abc), random superpixels and
 * pixel uncertainty without look-ahead. Everything but the strategy is shared, so the curves
 * differ only by what each strategy asks.
 */
import type { CampaignConfigInput } from '../configs/campaign.js';

export const DEMO_STRATEGIES = ['alc', 'a2lc', 'random', 'pixel'] as const;
export type DemoStrategy = (typeof DEMO_STRATEGIES)[number];

const STRATEGY_SETTINGS: Record<DemoStrategy, Pick<CampaignConfigInput, 'mode' | 'strategy'>> = {
  alc: { mode: 'alc', strategy: 'sim' },
  a2lc: { mode: 'a2lc', strategy: 'abc' },
  random: { mode: 'alc', strategy: 'random' },
  pixel: { mode: 'alc', strategy: 'pixel' },
};

export interface DemoCampaignSettings {
  datasetPrefix: string;
  rounds: number;
  budget: number;
  epochs: number;
  seed: number;
  /** How long a round waits for answers (a person answering in the browser needs longer). */
  deadline: string;
}

export interface DemoCampaignPlan {
  strategy: DemoStrategy;
  config: CampaignConfigInput;
}

export function demoCampaignPlans(strategies: readonly DemoStrategy[], settings: DemoCampaignSettings): DemoCampaignPlan[] {
  return strategies.map((strategy) => ({
    strategy,
    config: {
      name: `demo-${strategy}`,
      datasetPrefix: settings.datasetPrefix,
      rounds: settings.rounds,
      budgetPerRound: settings.budget,
      ...STRATEGY_SETTINGS[strategy],
      seed: settings.seed,
      trainer: { model: { config: 'tiny' }, hyperparameters: { epochs: settings.epochs }, seed: settings.seed, warmStart: true },
      shardSize: 20,
      scoringConcurrency: 2,
      annotation: { deadline: settings.deadline, reminderEvery: '1 hour', onDeadline: 'proceed' },
    },
  }));
}
