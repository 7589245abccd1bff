/** The JSON views the API returns, built from the board and the campaign state. */
import type { QueryRecord } from '../activities/round/records.js';
import type { ClassView, ProgressView, QueryView } from './api-schemas.js';
import type { CampaignState } from './campaign-directory.js';
import { IGNORE_COLOR } from './palette.js';
import type { RoundBoard } from './round-board.js';

export function assetUrl(campaignId: string, round: number, image: string, superpixel: number): string {
  return `/api/campaigns/${encodeURIComponent(campaignId)}/rounds/${round}/assets/${encodeURIComponent(image)}/${superpixel}.png`;
}

export function queryView(campaignId: string, round: number, record: QueryRecord, classes: readonly ClassView[]): QueryView {
  const color = classes.find((c) => c.id === record.label)?.color ?? IGNORE_COLOR;
  return {
    queryId: record.queryId,
    round,
    image: record.image,
    superpixel: record.superpixel,
    rank: record.rank,
    rep: [record.rep[0], record.rep[1]],
    label: record.label,
    labelName: record.labelName,
    labelColor: color,
    expansion: record.expansion,
    bbox: { ...record.bbox },
    assetUrl: assetUrl(campaignId, round, record.image, record.superpixel),
  };
}

/** The round's progress for one annotator; without a board (nothing issued yet) the round's own counts. */
export function progressView(state: CampaignState, board: RoundBoard | undefined, annotator: string): ProgressView {
  if (board === undefined) {
    const queries = state.progress?.queries ?? state.status.queries;
    const answered = state.progress?.answered ?? state.status.answered;
    return { queries, answered, leased: 0, open: Math.max(0, queries - answered), mine: 0 };
  }
  return { ...board.counts(), mine: board.answeredBy(annotator) };
}
