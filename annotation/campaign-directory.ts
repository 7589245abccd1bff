/**
 * What the service knows about each campaign, cached briefly: its status (the campaign's `status`
 * query and the running round's `roundProgress`, at most one pair per second per campaign however
 * many annotators ask), its classes (names from the dataset manifest, colours from the palette),
 * and the boards of its rounds (round-board.ts), loaded once from S3 and then kept in memory.
 */
import { z } from 'zod';
import { ClassListSchema } from '../datasets/manifest.js';
import type { CampaignStatusView, RoundProgress } from '../workflows/messages.js';
import { ApiError } from './api-errors.js';
import type { ClassView } from './api-schemas.js';
import type { CampaignGateway } from './campaign-gateway.js';
import { SINGLE_ANSWER, type Redundancy } from './consensus.js';
import type { ObjectStore } from './object-store.js';
import { classColors, IGNORE_NAME } from './palette.js';
import { RoundBoard, type Lease } from './round-board.js';
import { IGNORE_LABEL } from '../engine/types.js';

export interface CampaignState {
  status: CampaignStatusView;
  /** The progress of `status.round` (absent in round 0 and between rounds). */
  progress?: RoundProgress;
  /** The round takes answers now (queries issued, window not closed). */
  accepting: boolean;
  classes: ClassView[];
  redundancy: Redundancy;
}

export interface CampaignDirectoryOptions {
  gateway: CampaignGateway;
  store: ObjectStore;
  leaseTtlMs: number;
  now?: () => number;
  /** How long a campaign's status is reused (default 1 s). */
  statusTtlMs?: number;
  onLeaseExpired?: (lease: Lease, board: RoundBoard) => void;
  /** Runs once per board after it is loaded (the intake resubmits decided votes there). */
  onBoardLoaded?: (board: RoundBoard) => Promise<void>;
}

/** Only the classes matter here: the manifest's other fields are the dataset tools' business. */
const ManifestClassesSchema = z.looseObject({ classes: ClassListSchema });
const DEFAULT_STATUS_TTL_MS = 1000;

export class CampaignDirectory {
  private readonly states = new Map<string, { until: number; state: Promise<CampaignState> }>();
  private readonly classNames = new Map<string, Promise<Map<number, string>>>();
  private readonly boards = new Map<string, { round: number; board: Promise<RoundBoard | undefined> }[]>();
  private readonly now: () => number;

  constructor(private readonly options: CampaignDirectoryOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The campaign as it is now (at most `statusTtlMs` old); 404 when there is no such campaign. */
  campaign(campaignId: string): Promise<CampaignState> {
    const now = this.now();
    const cached = this.states.get(campaignId);
    if (cached && cached.until > now) return cached.state;
    const state = this.fetchState(campaignId);
    this.states.set(campaignId, { until: now + (this.options.statusTtlMs ?? DEFAULT_STATUS_TTL_MS), state });
    // A failure is not cached: the next request asks again.
    void state.catch(() => this.states.get(campaignId)?.state === state && this.states.delete(campaignId));
    return state;
  }

  /** Forget the cached status (answers just changed it). */
  invalidate(campaignId: string): void {
    this.states.delete(campaignId);
  }

  /** The board of a round; undefined while the round has issued no queries. */
  async board(campaignId: string, round: number, redundancy: Redundancy): Promise<RoundBoard | undefined> {
    const ofCampaign = this.boards.get(campaignId) ?? [];
    let entry = ofCampaign.find((b) => b.round === round);
    if (entry === undefined) {
      entry = { round, board: this.loadBoard(campaignId, round, redundancy) };
      // The newest two rounds are enough: answers to older rounds are late anyway.
      const newest = Math.max(round, ...ofCampaign.map((b) => b.round));
      const kept = [...ofCampaign, entry].filter((b) => b.round >= newest - 1);
      this.boards.set(campaignId, kept);
      const created = entry;
      const forget = () => this.boards.set(campaignId, (this.boards.get(campaignId) ?? []).filter((b) => b !== created));
      void created.board.then((board) => board === undefined && forget(), forget);
    }
    return entry.board;
  }

  /** Boards loaded so far, of one campaign or of all (metrics, the lease sweeper, releases). */
  async loadedBoards(campaignId?: string): Promise<RoundBoard[]> {
    const entries = campaignId === undefined ? [...this.boards.values()].flat() : (this.boards.get(campaignId) ?? []);
    const all = await Promise.all(entries.map((b) => b.board.catch(() => undefined)));
    return all.filter((b): b is RoundBoard => b !== undefined);
  }

  private async loadBoard(campaignId: string, round: number, redundancy: Redundancy): Promise<RoundBoard | undefined> {
    const board = await RoundBoard.load(this.options.store, campaignId, round, {
      leaseTtlMs: this.options.leaseTtlMs,
      redundancy,
      now: this.now,
      onExpired: (lease) => this.options.onLeaseExpired?.(lease, board!),
    });
    if (board) await this.options.onBoardLoaded?.(board);
    return board;
  }

  private async fetchState(campaignId: string): Promise<CampaignState> {
    const { gateway, store } = this.options;
    const status = await gateway.status(campaignId);
    if (status === undefined) throw new ApiError(404, 'unknown-campaign', `no campaign ${campaignId}`);
    if (status.datasetPrefix === undefined || status.classes === undefined) {
      throw new ApiError(503, 'workers-outdated', `campaign ${campaignId} does not report its dataset: its workers run code older than the annotation service (restart them)`);
    }
    const redundancy = status.redundancy ?? SINGLE_ANSWER;
    const ended = status.status === 'completed' || status.status === 'cancelled';
    const progress = status.round >= 1 && !ended ? await gateway.roundProgress(campaignId, status.round) : undefined;
    const accepting = progress?.annotation !== undefined && progress.annotation.closedAt === undefined;
    const names = await this.classNamesOf(status.datasetPrefix);
    const colors = classColors(status.classes);
    const classes: ClassView[] = [...status.classes]
      .sort((a, b) => a - b)
      .map((id) => ({ id, name: names.get(id) ?? `class ${id}`, color: colors.get(id)! }));
    classes.push({ id: IGNORE_LABEL, name: IGNORE_NAME, color: colors.get(IGNORE_LABEL)! });
    if (progress !== undefined) {
      // Answers that reached the round another way (alc campaign answer) leave the board's open set.
      const entry = this.boards.get(campaignId)?.find((b) => b.round === status.round);
      const board = entry ? await entry.board.catch(() => undefined) : undefined;
      if (board && progress.answered > board.counts().answered) await board.refreshAnswers(store);
    }
    return { status, progress, accepting, classes, redundancy };
  }

  private classNamesOf(datasetPrefix: string): Promise<Map<number, string>> {
    let names = this.classNames.get(datasetPrefix);
    if (names === undefined) {
      names = this.options.store
        .getJson(`${datasetPrefix}manifest.json`, ManifestClassesSchema)
        .then((manifest) => new Map(manifest.classes.map((c) => [c.id, c.name])));
      void names.catch(() => this.classNames.delete(datasetPrefix));
      this.classNames.set(datasetPrefix, names);
    }
    return names;
  }
}
