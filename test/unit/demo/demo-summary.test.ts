import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DemoStrategy } from '../../../demo/campaign-plans.js';
import { formatComparison, formatDemoTable, strategyComparison, type DemoCampaignResult } from '../../../demo/demo-summary.js';

function campaign(strategy: DemoStrategy, dataMIoU: (number | null)[]): DemoCampaignResult {
  return {
    strategy,
    campaignId: `demo-${strategy}`,
    webUi: '',
    rounds: dataMIoU.map((value, round) => ({ round, queries: round === 0 ? 0 : 60, answered: round === 0 ? 0 : 60, pixelsChanged: round * 10, dataMIoU: value, modelMIoU: 0.8 })),
  };
}

describe('demo summary', () => {
  it('compares strategies by the mean over correction rounds and at the final budget', () => {
    // Round 0 is shared and excluded; a2lc leads pixel on the curve but not at its last point.
    const comparison = strategyComparison([
      campaign('alc', [0.6, 0.8, 0.85, 0.86]),
      campaign('a2lc', [0.6, 0.78, 0.81, 0.81]),
      campaign('random', [0.6, 0.6, 0.62, 0.63]),
      campaign('pixel', [0.6, 0.72, 0.81, 0.83]),
    ]);
    assert.ok(Math.abs(comparison.meanDataMIoU.a2lc! - 0.8) < 1e-12);
    assert.ok(Math.abs(comparison.meanDataMIoU.pixel! - (0.72 + 0.81 + 0.83) / 3) < 1e-12);
    assert.equal(comparison.finalDataMIoU.pixel, 0.83);
    assert.equal(comparison.lookAheadWins, true);
    assert.equal(comparison.lookAheadWinsAtFinal, false);
    assert.match(formatComparison(comparison), /beat random and pixel uncertainty.*at the final budget alone they do not lead/s);
  });

  it('never reports a win when a strategy is missing or unmeasured', () => {
    const missing = strategyComparison([campaign('alc', [0.6, 0.9]), campaign('random', [0.6, 0.61]), campaign('pixel', [0.6, 0.62])]);
    assert.equal(missing.lookAheadWins, false);
    const unmeasured = strategyComparison([campaign('alc', [0.6, 0.9]), campaign('a2lc', [0.6, null]), campaign('random', [0.6, 0.61]), campaign('pixel', [0.6, 0.62])]);
    assert.equal(unmeasured.meanDataMIoU.a2lc, null);
    assert.equal(unmeasured.lookAheadWins, false);
    assert.match(formatComparison(unmeasured), /did NOT beat/);
  });

  it('prints cumulative queries so strategies line up at equal budget', () => {
    const table = formatDemoTable([campaign('alc', [0.6, 0.8, 0.85])]).split('\n');
    assert.match(table[0], /strategy\s+round\s+queries \(total\)/);
    assert.match(table[4], /^alc\s+2\s+120\s+60\s+20\s+85\.0\s+80\.0$/);
  });
});
