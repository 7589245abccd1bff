import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineChartSvg } from '../../../reports/chart-svg.js';
import { campaignReports, miouChart } from '../../../reports/report-data.js';
import { reportHtml } from '../../../reports/report-html.js';

const reports = campaignReports([
  {
    campaignId: 'demo-<alc>',
    source: 'workflow',
    status: 'completed',
    settings: { name: 'demo & co', mode: 'alc', strategy: 'sim', rounds: 2, budgetPerRound: 60, datasetPrefix: 'datasets/demo/', tau: 0, seed: 3, trainer: { model: { config: 'tiny' } } },
    datasetPrefix: 'datasets/demo/',
    rounds: [
      { round: 0, queries: 0, answered: 0, pixelsChanged: 0, dataMIoU: 0.581, modelMIoU: 0.838, modelPrefix: '' },
      { round: 1, queries: 60, answered: 57, pixelsChanged: 4321, dataMIoU: 0.8, modelMIoU: 0.886, modelPrefix: '' },
    ],
  },
  { campaignId: 'old', source: 's3', datasetPrefix: 'datasets/demo/', rounds: [{ round: 0, queries: 0, answered: 0, pixelsChanged: 0, dataMIoU: 0.5, modelMIoU: null, modelPrefix: '' }] },
]);

describe('reportHtml', () => {
  const svg = lineChartSvg(miouChart(reports, { width: 700, height: 400 }));
  const html = reportHtml({ reports, svg, generatedAt: new Date('2025-03-04T05:06:07Z') });

  it('is one self-contained page: inline SVG, no scripts, no external resources', () => {
    assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
    assert.equal(html.split('<svg ').length - 1, 1);
    assert.ok(html.includes(svg.trim()), 'the chart exactly as rendered for the PNG');
    assert.doesNotMatch(html, /<script|<link|<img|src=|url\(/i);
    assert.match(html, /Generated 2025-03-04T05:06:07.000Z/);
  });

  it('has a table per campaign with a row per round, and the campaign settings, escaped', () => {
    const tables = html.split('<table>').slice(1).map((t) => t.slice(0, t.indexOf('</table>')));
    assert.equal(tables.length, 2);
    assert.deepEqual(tables.map((t) => t.split('<tr>').length - 1), [3, 2], 'header plus one row per round');
    assert.match(tables[0], /<td>1<\/td><td>60<\/td><td>57<\/td><td>4321<\/td><td>80.0<\/td><td>88.6<\/td>/);
    assert.match(tables[1], /<td>50.0<\/td><td>-<\/td>/);
    assert.match(html, /<dt>strategy<\/dt><dd>sim<\/dd>/);
    assert.match(html, /<dt>budget per round<\/dt><dd>60<\/dd>/);
    assert.match(html, /<dt>campaign<\/dt><dd>demo-&lt;alc&gt;<\/dd>/);
    assert.match(html, /<h2>demo &amp; co \(alc, sim\)<\/h2>/);
    assert.match(html, /report\.json in S3/);
    assert.doesNotMatch(html, /demo-<alc>|demo & co/);
  });
});
