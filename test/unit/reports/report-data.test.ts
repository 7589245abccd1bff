import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CampaignRounds } from '../../../reports/campaign-rounds.js';
import { campaignReports, cumulativeQueries, miouChart, reportJson, reportRowOf, reportTable } from '../../../reports/report-data.js';
import type { RoundSummary } from '../../../workflows/messages.js';

function summary(round: number, dataMIoU: number | null, modelMIoU: number | null, extra: Partial<RoundSummary> = {}): RoundSummary {
  const queries = round === 0 ? 0 : 60;
  return { round, queries, answered: queries - round, pixelsChanged: 1000 * round, dataMIoU, modelMIoU, modelPrefix: `m/${round}/`, labelsPrefix: `l/${round}/`, ...extra };
}

function campaign(campaignId: string, strategy: string | undefined, rounds: RoundSummary[]): CampaignRounds {
  return {
    campaignId,
    source: strategy ? 'workflow' : 's3',
    settings: strategy ? { name: 'demo', mode: strategy === 'abc' ? 'a2lc' : 'alc', strategy, rounds: 3, budgetPerRound: 60, datasetPrefix: 'datasets/demo/' } : undefined,
    rounds,
  };
}

describe('report rows and JSON', () => {
  it('keeps exactly the contract keys of a round (and autoCorrections when A2LC made some)', () => {
    assert.deepEqual(Object.keys(reportRowOf(summary(1, 0.8, 0.88))), ['round', 'queries', 'answered', 'pixelsChanged', 'dataMIoU', 'modelMIoU']);
    assert.deepEqual(reportRowOf(summary(2, null, 0.9, { autoCorrections: 17 })), { round: 2, queries: 60, answered: 58, pixelsChanged: 2000, dataMIoU: null, modelMIoU: 0.9, autoCorrections: 17 });
  });

  it('prints {"rounds": [...]} for one campaign and puts compared ones under "compare"', () => {
    const reports = campaignReports([campaign('c1', 'sim', [summary(0, 0.58, 0.83), summary(1, 0.8, 0.88)]), campaign('c2', undefined, [summary(0, 0.58, 0.83)])]);
    const single = reportJson(reports.slice(0, 1));
    assert.deepEqual(single, {
      campaignId: 'c1',
      label: 'demo (alc, sim)',
      source: 'workflow',
      rounds: [
        { round: 0, queries: 0, answered: 0, pixelsChanged: 0, dataMIoU: 0.58, modelMIoU: 0.83 },
        { round: 1, queries: 60, answered: 59, pixelsChanged: 1000, dataMIoU: 0.8, modelMIoU: 0.88 },
      ],
    });
    const both = reportJson(reports) as { rounds: unknown[]; compare: { campaignId: string; label: string; source: string }[] };
    assert.equal(both.rounds.length, 2);
    assert.deepEqual(both.compare.map((c) => [c.campaignId, c.label, c.source]), [['c2', 'c2', 's3']]);
  });

  it('labels campaigns by name and strategy, by id where two would look alike', () => {
    const labels = campaignReports([campaign('x-1', 'sim', []), campaign('x-2', 'sim', []), campaign('y', 'abc', []), campaign('gone', undefined, [])]).map((r) => r.label);
    assert.deepEqual(labels, ['x-1 (alc, sim)', 'x-2 (alc, sim)', 'demo (a2lc, abc)', 'gone']);
  });

  it('formats the table in percent, with the auto-corrections column only when present', () => {
    const [plain] = campaignReports([campaign('c', 'sim', [summary(0, 0.5812, null), summary(1, 0.8, 0.886)])]);
    assert.deepEqual(reportTable(plain), {
      header: ['round', 'queries', 'answered', 'pixels changed', 'data mIoU', 'model mIoU'],
      rows: [
        ['0', '0', '0', '0', '58.1', '-'],
        ['1', '60', '59', '1000', '80.0', '88.6'],
      ],
    });
    const [a2lc] = campaignReports([campaign('c', 'abc', [summary(0, 0.5, 0.6), summary(1, 0.7, 0.8, { autoCorrections: 4 })])]);
    const table = reportTable(a2lc);
    assert.equal(table.header.at(-1), 'auto-corrections');
    assert.deepEqual(table.rows.map((r) => r.at(-1)), ['-', '4']);
  });
});

describe('the mIoU chart of a report', () => {
  it('plots data (solid) and model (dashed) mIoU in percent against cumulative queries, one colour per campaign', () => {
    const rounds = [summary(0, 0.5, 0.6), summary(1, 0.7, null), summary(2, 0.75, 0.8, { queries: 30 })];
    assert.deepEqual(cumulativeQueries(rounds.map(reportRowOf)), [0, 60, 90]);
    const reports = campaignReports([campaign('a', 'sim', rounds), campaign('b', 'random', rounds.slice(0, 2))]);
    const chart = miouChart(reports, { width: 640, height: 400 });
    assert.equal(chart.series.length, 4);
    const [data, model, otherData] = chart.series;
    assert.deepEqual(data.points, [{ x: 0, y: 50 }, { x: 60, y: 70 }, { x: 90, y: 75 }]);
    assert.deepEqual(model.points, [{ x: 0, y: 60 }, { x: 60, y: null }, { x: 90, y: 80 }]);
    assert.deepEqual([data.dashed, model.dashed], [undefined, true]);
    assert.equal(data.color, model.color);
    assert.notEqual(data.color, otherData.color);
    assert.notEqual(data.marker, otherData.marker);
    assert.deepEqual(chart.legend.map((e) => e.label), ['demo (alc, sim)', 'demo (alc, random)', 'data mIoU (labels vs. ground truth)', 'model mIoU (validation)']);
    assert.deepEqual([chart.width, chart.height, chart.integerX], [640, 400, true]);
  });
});
