/**
 * The report as one self-contained HTML page: the chart as inline SVG, each campaign's settings
 * and per-round table, and when it was generated. No scripts, no external assets: it can be
 * mailed, attached to a ticket or stored next to the campaign in S3.
 */
import { escapeXml } from './chart-svg.js';
import { reportTable, type CampaignReport } from './report-data.js';

const STYLE = `
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1000px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { padding: 0.25rem 0.75rem; text-align: right; border-bottom: 1px solid #ddd; }
th { background: #f3f3f3; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.15rem 1rem; font-size: 0.9rem; }
dt { color: #555; } dd { margin: 0; font-family: "DejaVu Sans Mono", monospace; }
.meta { color: #555; font-size: 0.85rem; }
`;

function settingsList(report: CampaignReport): [string, string][] {
  const items: [string, string][] = [
    ['campaign', report.campaignId],
    ['source', report.source === 'workflow' ? 'campaign workflow (status query)' : "rounds' report.json in S3 (workflow history gone)"],
  ];
  if (report.status) items.push(['status', report.status]);
  const s = report.settings;
  if (s) {
    items.push(['name', s.name], ['mode', s.mode], ['strategy', s.strategy], ['rounds', String(s.rounds)], ['budget per round', String(s.budgetPerRound)]);
    if (s.tau !== undefined) items.push(['tau', String(s.tau)]);
    if (s.skipQueried !== undefined) items.push(['skip queried', String(s.skipQueried)]);
    if (s.seed !== undefined) items.push(['seed', String(s.seed)]);
    if (s.trainer?.model) items.push(['model', s.trainer.model.config]);
  }
  if (report.datasetPrefix) items.push(['dataset', report.datasetPrefix]);
  return items;
}

function tableHtml(report: CampaignReport): string {
  const { header, rows } = reportTable(report);
  const head = `<tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeXml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

export function reportHtml(input: { reports: readonly CampaignReport[]; svg: string; generatedAt: Date }): string {
  const { reports, svg, generatedAt } = input;
  const title = reports.length === 1 ? `ALC campaign report: ${reports[0].label}` : `ALC campaign comparison: ${reports.map((r) => r.label).join(', ')}`;
  const sections = reports.map((report) => {
    const settings = settingsList(report).map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`).join('\n');
    return `<section class="campaign">\n<h2>${escapeXml(report.label)}</h2>\n<dl>\n${settings}\n</dl>\n${tableHtml(report)}\n</section>`;
  });
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeXml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeXml(title)}</h1>`,
    `<p class="meta">Generated ${escapeXml(generatedAt.toISOString())} by <code>alc report</code>. Data mIoU: the working labels against the ground truth; model mIoU: the round's model on the validation split. Percent.</p>`,
    `<figure>\n${svg.trim()}\n</figure>`,
    ...sections,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
