/**
 * The annotate view's read-outs: the query's picture and caption, its current label, the round's
 * progress in the top bar, and where the annotator is in the batch.
 */
import { swatchColor } from './class-picker.js';
import { byId } from './views.js';

const image = /** @type {HTMLImageElement} */ (byId('asset'));

/** The picture is on its way: keep the old one out of sight so nobody answers the wrong query. */
export function showLoading() {
  image.hidden = true;
  byId('asset-loading').hidden = false;
  image.closest('figure').setAttribute('aria-busy', 'true');
}

export function showQuery(query, url, classes) {
  const labelClass = classes.find((c) => c.id === query.label);
  const labelName = query.labelName ?? labelClass?.name ?? `class ${query.label}`;
  image.src = url;
  image.alt = `Image ${query.image}, region ${query.superpixel} outlined, its representative pixel (row ${query.rep[0]}, column ${query.rep[1]}) marked with a crosshair; current label ${labelName}.`;
  image.hidden = false;
  byId('asset-loading').hidden = true;
  const figure = image.closest('figure');
  figure.setAttribute('aria-busy', 'false');
  // Which query is on screen, for scripts (the browser test) as much as for people's tooling.
  figure.dataset.queryId = query.queryId;
  figure.dataset.label = String(query.label);
  byId('asset-caption').textContent = `Image ${query.image} · region ${query.superpixel} · ${query.expansion} pixels · rank ${query.rank}`;
  byId('label-swatch').style.setProperty('--swatch', swatchColor(query.labelColor ?? labelClass?.color ?? ''));
  byId('label-name').textContent = labelName;
  byId('label-number').textContent = `(${query.label})`;
}

/** The campaign's name and round, and the round's progress as the service counts it. */
export function showProgress(campaign, progress) {
  byId('campaign-title').textContent = `${campaign.name} · round ${campaign.round} · ${campaign.status}`;
  const { queries, answered, leased, mine } = progress;
  const bar = /** @type {HTMLProgressElement} */ (byId('round-progress'));
  bar.max = Math.max(1, queries);
  bar.value = answered;
  byId('round-progress-label').textContent = `Round ${campaign.round}`;
  byId('round-progress-text').textContent = `${answered} / ${queries} answered${leased > 0 ? ` · ${leased} in progress` : ''}`;
  byId('mine-text').textContent = `· yours: ${mine}`;
  byId('progress').hidden = false;
}

/** Where the annotator is in the batch, e.g. "Query 3 of 10 in this batch · 8 left". */
export function showBatch(batch) {
  const left = batch.size - batch.position;
  byId('batch-text').textContent = `Query ${Math.min(batch.position + 1, batch.size)} of ${batch.size} in this batch · ${left} left`;
}

export function showLastAnswer(text) {
  byId('last-answer').textContent = text;
}
