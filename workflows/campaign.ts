/**
 * A campaign: round 0 (train on the pseudo labels, evaluate), then correction rounds 1..R, each a
 * child workflow `<campaign>/round-<r>`. Between rounds the campaign continues as new with a
 * compact state (label version, model and queried-set keys, per-round metrics), so its history
 * stays small however many rounds it runs.
 *
 * Operators steer it with `pause`/`resume` (between steps; forwarded to the running round),
 * `setBudget`/`setRounds` (updates with synchronous validators), `retryRound` (a failed round
 * again, from its first incomplete step), `revertAutoCorrections` (its latest completed round's
 * A2LC automatic corrections set aside while no later round has started), and Temporal cancellation (the running round is
 * cancelled; every label version written so far stays). `status` reports where it is.
 * Search attributes AlcCampaign, AlcRound, AlcStep and AlcStatus let the Web UI list and filter.
 *
 * Deterministic: no I/O, no Node built-ins, no module-level mutable state. Changes that running
 * campaigns must survive go behind `patched('<kebab-case-id>')`.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RoundSummary } from '../activities/round/contracts.js';
import type { CampaignConfig } from '../configs/campaign.js';
import { roundWorkflowId } from '../configs/constants.js';
import {
  CAMPAIGN_ATTRIBUTE,
  pauseSignal,
  resumeSignal,
  retryRoundUpdate,
  revertAutoCorrectionsUpdate,
  ROUND_ATTRIBUTE,
  roundUpdateSignal,
  setBudgetUpdate,
  setRoundsUpdate,
  STATUS_ATTRIBUTE,
  statusQuery,
  STEP_ATTRIBUTE,
  type CampaignStatus,
  type CampaignStatusView,
  type RoundProgress,
} from './messages.js';
import { roundWorkflow, type RoundCheckpoint, type RoundResult } from './round.js';

/** What one run hands the next (continue-as-new): keys and numbers only. */
export interface CampaignState {
  /** The round to run next (0 = the pseudo-label round). */
  nextRound: number;
  /** The newest label version; absent = the dataset's pseudo labels. */
  labelsPrefix?: string;
  /** The newest model (warm start and scoring of the next round). */
  modelPrefix?: string;
  /** Every superpixel queried so far (JSONL). */
  queriedKey?: string;
  /** Per completed round. */
  history: RoundSummary[];
  paused: boolean;
  /** Runs so far, this one included. */
  runs: number;
  /** A round that failed for good, waiting for `retryRound`; its checkpoint lets the retry reuse completed steps. */
  failedRound?: { round: number; message: string; checkpoint?: RoundCheckpoint };
}

export interface CampaignInput {
  /** Default: the workflow id. */
  campaignId?: string;
  config: CampaignConfig;
  state?: CampaignState;
}

export interface CampaignResult {
  campaignId: string;
  rounds: RoundSummary[];
  labelsPrefix?: string;
  modelPrefix?: string;
  queriedKey?: string;
}

const MAX_BUDGET = 100_000;
const MAX_ROUNDS = 1000;

function validateConfig(config: CampaignConfig | undefined): asserts config is CampaignConfig {
  const bad = (message: string) => ApplicationFailure.nonRetryable(`campaign input: ${message}`, 'BadInput');
  if (typeof config !== 'object' || config === null) throw bad('config is missing');
  if (!config.name) throw bad('config.name is missing');
  if (!config.datasetPrefix?.endsWith('/')) throw bad(`config.datasetPrefix must end with "/", got ${JSON.stringify(config.datasetPrefix)}`);
  if (!Array.isArray(config.classes) || config.classes.length === 0) throw bad('config.classes must list the class ids (resolve them before starting)');
  if (!Number.isSafeInteger(config.rounds) || config.rounds < 0) throw bad(`config.rounds must be a non-negative integer, got ${config.rounds}`);
  if (!Number.isSafeInteger(config.budgetPerRound) || config.budgetPerRound < 1) throw bad(`config.budgetPerRound must be a positive integer, got ${config.budgetPerRound}`);
}

/** The summary part of a round's result (the history keeps only that). */
function summaryOf(result: RoundResult): RoundSummary {
  const summary: RoundSummary = {
    round: result.round,
    queries: result.queries,
    answered: result.answered,
    pixelsChanged: result.pixelsChanged,
    dataMIoU: result.dataMIoU,
    modelMIoU: result.modelMIoU,
    modelPrefix: result.modelPrefix,
  };
  if (result.labelsPrefix !== undefined) summary.labelsPrefix = result.labelsPrefix;
  if (result.autoCorrections !== undefined) summary.autoCorrections = result.autoCorrections;
  if (result.autoCorrectionPixels !== undefined) summary.autoCorrectionPixels = result.autoCorrectionPixels;
  if (result.humanLabelsPrefix !== undefined) summary.humanLabelsPrefix = result.humanLabelsPrefix;
  if (result.autoCorrectionsReverted !== undefined) summary.autoCorrectionsReverted = result.autoCorrectionsReverted;
  return summary;
}

/** A failed round's message and, when the operator aborted it, the checkpoint it carried. */
function roundFailureOf(error: unknown): { message: string; checkpoint?: RoundCheckpoint } {
  let cause: unknown = error instanceof ChildWorkflowFailure ? error.cause : error;
  if (!(cause instanceof Error)) cause = new Error(String(cause));
  const failure = cause as Error;
  const checkpoint = failure instanceof ApplicationFailure && failure.type === 'RoundAborted' ? (failure.details?.[0] as RoundCheckpoint | undefined) : undefined;
  return { message: failure.message, checkpoint };
}

export async function campaignWorkflow(input: CampaignInput): Promise<CampaignResult> {
  validateConfig(input?.config);
  const campaignId = input.campaignId ?? workflowInfo().workflowId;
  // Budget and rounds updates change this copy; it travels to the next run.
  const config: CampaignConfig = { ...input.config };
  const state: CampaignState = input.state
    ? { ...input.state, history: [...input.state.history], runs: input.state.runs + 1 }
    : { nextRound: 0, history: [], paused: false, runs: 1 };

  let status: CampaignStatus = state.failedRound ? 'round-failed' : 'running';
  /** The round whose child workflow is running, if any. */
  let running: number | undefined;
  let current: RoundProgress | undefined;
  let retryRequested = false;

  /** The round running or next to run; the last one once all are done. */
  const roundShown = () => Math.min(state.nextRound, config.rounds);
  let shownAttributes = '';
  const report = () => {
    if (!config.searchAttributes) return;
    const step = status === 'completed' ? 'done' : (current?.step ?? 'pending');
    const shown = `${roundShown()}|${step}|${status}`;
    if (shown === shownAttributes) return;
    shownAttributes = shown;
    upsertSearchAttributes([
      { key: CAMPAIGN_ATTRIBUTE, value: campaignId },
      { key: ROUND_ATTRIBUTE, value: roundShown() },
      { key: STEP_ATTRIBUTE, value: step },
      { key: STATUS_ATTRIBUTE, value: status },
    ]);
  };
  /** The campaign's status from the running round's (a paused campaign stays paused). */
  const followRound = () => {
    if (status === 'cancelled' || status === 'completed' || status === 'round-failed') return;
    if (state.paused) status = 'paused';
    else if (current?.status === 'awaiting-answers' || current?.status === 'waiting-for-operator' || current?.status === 'paused') status = current.status;
    else status = 'running';
    report();
  };
  const tellRound = (tell: (handle: ReturnType<typeof getExternalWorkflowHandle>) => Promise<void>) => {
    if (running === undefined) return;
    const round = running;
    tell(getExternalWorkflowHandle(roundWorkflowId(campaignId, round))).catch((error: unknown) => {
      log.warn('could not signal the running round', { campaignId, round, error: (error as Error).message });
    });
  };

  setHandler(statusQuery, (): CampaignStatusView => ({
    campaignId,
    name: config.name,
    status,
    paused: state.paused,
    round: roundShown(),
    rounds: config.rounds,
    budgetPerRound: config.budgetPerRound,
    mode: config.mode,
    step: current?.step,
    stepProgress: current?.stepProgress,
    queries: current?.queries ?? 0,
    answered: current?.answered ?? 0,
    annotation: current?.annotation,
    failure: current?.failure,
    roundFailure: state.failedRound ? { round: state.failedRound.round, message: state.failedRound.message } : undefined,
    history: [...state.history],
    labelsPrefix: state.labelsPrefix,
    modelPrefix: state.modelPrefix,
    queriedKey: state.queriedKey,
    runs: state.runs,
    datasetPrefix: config.datasetPrefix,
    classes: [...config.classes],
    // Absent in campaigns started before the option existed.
    redundancy: config.annotation.redundancy ? { ...config.annotation.redundancy } : undefined,
  }));

  setHandler(roundUpdateSignal, (progress) => {
    // A late report of an earlier round (delivered after continue-as-new) is of no interest.
    if (progress.round !== state.nextRound) return;
    current = progress;
    followRound();
  });

  setHandler(pauseSignal, (reason?: string) => {
    if (state.paused) return;
    state.paused = true;
    log.info('campaign paused', { campaignId, reason });
    tellRound((round) => round.signal(pauseSignal, reason));
    followRound();
  });
  setHandler(resumeSignal, () => {
    if (!state.paused) return;
    state.paused = false;
    log.info('campaign resumed', { campaignId });
    tellRound((round) => round.signal(resumeSignal));
    followRound();
  });

  setHandler(
    setBudgetUpdate,
    (budget) => {
      config.budgetPerRound = budget;
      const appliesFromRound = running !== undefined ? running + 1 : state.nextRound;
      log.info('budget per round changed', { campaignId, budget, appliesFromRound });
      return { budgetPerRound: budget, appliesFromRound };
    },
    {
      validator: (budget) => {
        if (!Number.isSafeInteger(budget) || budget < 1 || budget > MAX_BUDGET) throw new Error(`budget must be an integer 1..${MAX_BUDGET}, got ${JSON.stringify(budget)}`);
      },
    },
  );

  const minimumRounds = () => Math.max(0, running ?? state.nextRound - 1);
  setHandler(
    setRoundsUpdate,
    (rounds) => {
      config.rounds = rounds;
      log.info('number of rounds changed', { campaignId, rounds });
      return { rounds };
    },
    {
      validator: (rounds) => {
        if (!Number.isSafeInteger(rounds) || rounds < 0 || rounds > MAX_ROUNDS) throw new Error(`rounds must be an integer 0..${MAX_ROUNDS}, got ${JSON.stringify(rounds)}`);
        if (rounds < minimumRounds()) throw new Error(`round ${minimumRounds()} has already started: rounds cannot be below ${minimumRounds()}`);
      },
    },
  );

  setHandler(
    retryRoundUpdate,
    (round) => {
      retryRequested = true;
      return { round, reusedSteps: [...(state.failedRound?.checkpoint?.completed ?? [])] };
    },
    {
      validator: (round) => {
        const failed = state.failedRound;
        if (failed === undefined || retryRequested) throw new Error(`no failed round is waiting for a retry (status: ${status})`);
        if (round !== failed.round) throw new Error(`round ${failed.round} failed, not round ${JSON.stringify(round)}`);
      },
    },
  );

  // The running round takes its own revert (until its train step); the campaign only its latest
  // completed round's, and only while the next round has not started: that one reads its labels.
  setHandler(
    revertAutoCorrectionsUpdate,
    (round: number) => {
      const index = state.history.findIndex((h) => h.round === round);
      const entry = state.history[index];
      const human = entry.humanLabelsPrefix!;
      state.history[index] = { ...entry, labelsPrefix: human, autoCorrectionsReverted: true };
      state.labelsPrefix = human;
      log.warn('automatic corrections reverted by an operator: the next rounds start from the human-only labels', { campaignId, round, labelsPrefix: human });
      return { round, by: 'campaign' as const, reverted: entry.autoCorrections ?? 0, labelsPrefix: human };
    },
    {
      validator: (round: number) => {
        if (!Number.isSafeInteger(round) || round < 0) throw new Error(`round must be a non-negative integer, got ${JSON.stringify(round)}`);
        if (running === round) throw new Error(`round ${round} is running: its own workflow (${roundWorkflowId(campaignId, round)}) takes the revert until its train step`);
        const latest = state.nextRound - 1;
        const entry = state.history.find((h) => h.round === round);
        if (entry === undefined) throw new Error(`round ${round} has not completed (latest completed round: ${latest >= 0 ? latest : 'none'})`);
        if (round !== latest) throw new Error(`round ${round} is not the latest completed round (${latest}): rounds ${round + 1}..${latest} were built on its labels`);
        if (running !== undefined || state.failedRound !== undefined) throw new Error(`round ${round + 1} has already started from round ${round}'s labels: too late to revert`);
        if (entry.autoCorrectionsReverted) throw new Error(`round ${round}'s automatic corrections are already reverted`);
        if (entry.humanLabelsPrefix === undefined) throw new Error(`round ${round} made no automatic corrections: nothing to revert`);
      },
    },
  );

  report();
  try {
    while (state.nextRound <= config.rounds) {
      const round = state.nextRound;
      if (state.failedRound?.round === round && !retryRequested) {
        status = 'round-failed';
        report();
        await condition(() => retryRequested);
      }
      if (state.paused) {
        followRound();
        await condition(() => !state.paused);
      }
      const failedCheckpoint = state.failedRound?.round === round ? state.failedRound.checkpoint : undefined;
      const resume = failedCheckpoint ? { ...failedCheckpoint, paused: false } : undefined;
      state.failedRound = undefined;
      retryRequested = false;
      status = 'running';
      current = undefined;
      report();
      let result: RoundResult;
      running = round;
      try {
        result = await executeChild(roundWorkflow, {
          workflowId: roundWorkflowId(campaignId, round),
          taskQueue: config.taskQueues.cpu,
          args: [{ campaignId, round, config: { ...config }, labelsPrefix: state.labelsPrefix, modelPrefix: state.modelPrefix, queriedKey: state.queriedKey, resume }],
          // A terminated campaign asks its round to stop; a cancelled one waits for it to stop.
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        });
      } catch (error) {
        if (isCancellation(error)) throw error;
        const failed = roundFailureOf(error);
        state.failedRound = { round, ...failed };
        log.error('round failed: waiting for retryRound (alc round retry)', { campaignId, round, error: failed.message, reusable: failed.checkpoint?.completed });
        continue;
      } finally {
        running = undefined;
      }
      state.history.push(summaryOf(result));
      if (result.labelsPrefix !== undefined) state.labelsPrefix = result.labelsPrefix;
      if (result.modelPrefix) state.modelPrefix = result.modelPrefix;
      if (result.queriedKey !== undefined) state.queriedKey = result.queriedKey;
      state.nextRound = round + 1;
      current = undefined;
      if (state.nextRound <= config.rounds) {
        await condition(allHandlersFinished);
        log.info('round done: campaign continues as new', { campaignId, round, runs: state.runs });
        return await continueAsNew<typeof campaignWorkflow>({ campaignId, config, state });
      }
    }
    status = 'completed';
    report();
    await condition(allHandlersFinished);
    return { campaignId, rounds: [...state.history], labelsPrefix: state.labelsPrefix, modelPrefix: state.modelPrefix, queriedKey: state.queriedKey };
  } catch (error) {
    if (isCancellation(error)) {
      status = 'cancelled';
      report();
      log.warn('campaign cancelled: every label version written so far stays in S3', { campaignId, round: state.nextRound, labelsPrefix: state.labelsPrefix });
    }
    throw error;
  }
}
