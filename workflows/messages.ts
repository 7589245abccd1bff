/**
 * Every signal, query and update of the campaign and round workflows, declared once and shared by
 * the workflows, the `alc` CLI and the annotation service. The name strings live in histories:
 * never rename one. Payloads are small and JSON-plain (keys and counts, never images or arrays of
 * pixels). Clients import this module and `configs/`, nothing else of the workflows.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { AnswerRecord, RoundSummary } from '../activities/round/contracts.js';
import { SEARCH_ATTRIBUTES } from '../configs/constants.js';

export type { AnswerRecord, RoundSummary } from '../activities/round/contracts.js';

// ---------------------------------------------------------------------------------------------
// Search attributes (registered on the server: configs/constants.ts, stack/embedded-stack.ts)

export const CAMPAIGN_ATTRIBUTE = defineSearchAttributeKey(SEARCH_ATTRIBUTES.campaign.name, SearchAttributeType.KEYWORD);
export const ROUND_ATTRIBUTE = defineSearchAttributeKey(SEARCH_ATTRIBUTES.round.name, SearchAttributeType.INT);
export const STEP_ATTRIBUTE = defineSearchAttributeKey(SEARCH_ATTRIBUTES.step.name, SearchAttributeType.KEYWORD);
export const STATUS_ATTRIBUTE = defineSearchAttributeKey(SEARCH_ATTRIBUTES.status.name, SearchAttributeType.KEYWORD);

// ---------------------------------------------------------------------------------------------
// Shared vocabulary

/**
 * A round's steps. The names live in histories and checkpoints: new steps are appended, never
 * renamed. Run order: plan, class-weights, score, select, issue, annotate, expand, auto-correct,
 * train, data-metrics, evaluate, report (round 0: train, data-metrics, evaluate, report).
 */
export const ROUND_STEPS = [
  'plan', 'class-weights', 'score', 'select', 'issue', 'annotate', 'expand', 'train', 'data-metrics', 'evaluate', 'report',
  'auto-correct',
] as const;
export type RoundStep = (typeof ROUND_STEPS)[number];
export type RoundStepState = RoundStep | 'pending' | 'done';

export type RoundStatus = 'running' | 'paused' | 'awaiting-answers' | 'waiting-for-operator' | 'completed' | 'aborted' | 'cancelled';
export type CampaignStatus = 'running' | 'paused' | 'awaiting-answers' | 'waiting-for-operator' | 'round-failed' | 'completed' | 'cancelled';

export interface StepProgress {
  done: number;
  total: number;
}

/** A step that failed for good (its retries exhausted, or a non-retryable error). */
export interface StepFailure {
  step: RoundStep;
  message: string;
  /** The failure's type (`BadInput`, `ArtifactConflict`, an activity's error name, …). */
  type?: string;
  /** Workflow time, ISO 8601. */
  at: string;
  /** How often an operator has already answered `retry` for this step. */
  retries: number;
}

// ---------------------------------------------------------------------------------------------
// Pause / resume (campaign and round): take effect between steps

export const pauseSignal = defineSignal<[reason?: string]>('pause');
export const resumeSignal = defineSignal('resume');

// ---------------------------------------------------------------------------------------------
// Round: answers

/** One answer as the annotation app sends it; `round`, when given, must be this round's. */
export interface AnswerInput extends AnswerRecord {
  round?: number;
}
export interface SubmitAnswersInput {
  answers: AnswerInput[];
}

export type AnswerOutcomeKind = 'accepted' | 'duplicate' | 'rejected';
export interface AnswerOutcome {
  queryId: string;
  outcome: AnswerOutcomeKind;
  /** Why an answer was rejected (unknown query, other round, invalid class, conflicting answer…). */
  reason?: string;
}
export interface SubmitAnswersResult {
  round: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** One per input answer, in input order. */
  outcomes: AnswerOutcome[];
  /** Answered queries of the round after this batch, and all of them. */
  answered: number;
  total: number;
  /** Where the accepted answers of this batch landed (absent when none were accepted). */
  batchKey?: string;
}

/**
 * A batch of answers. Rejected by its validator (nothing enters history) when the round is not
 * taking answers (not yet issued, or closed: late), when the batch is malformed or too large, or
 * when no answer in it could be accepted or acknowledged; otherwise each answer gets an outcome:
 * accepted, duplicate (the same answer again: idempotent), or rejected with a reason.
 */
export const submitAnswersUpdate = defineUpdate<SubmitAnswersResult, [SubmitAnswersInput]>('submitAnswers');

// ---------------------------------------------------------------------------------------------
// Round: operator decisions and progress

export type FailureAction = 'retry' | 'skip-step' | 'abort-round';
export const FAILURE_ACTIONS: readonly FailureAction[] = ['retry', 'skip-step', 'abort-round'];
export interface ResolveFailureResult {
  step: RoundStep;
  action: FailureAction;
}
/** The operator's decision on a failed step; rejected unless the round waits for one. */
export const resolveFailureUpdate = defineUpdate<ResolveFailureResult, [FailureAction]>('resolveFailure');

export interface AnnotationProgress {
  /** Workflow time (ms since the epoch) the queries were issued. */
  openedAt: number;
  deadlineAt: number;
  reminders: number;
  lastReminderAt?: number;
  extensions: number;
  closedAt?: number;
  closedBy?: 'all-answered' | 'deadline' | 'no-queries';
}

/** A2LC's automatic correction in a round that runs it. */
export interface AutoCorrectionProgress {
  /** Set once the step has applied the classifier (0 when nothing qualified). */
  corrections?: number;
  pixelsChanged?: number;
  /** `auto-corrections.jsonl`: what an operator audits before deciding to revert. */
  correctionsKey?: string;
  /** An operator reverted them: the round trains on the human-only labels. */
  reverted: boolean;
}

export interface RoundProgress {
  campaignId: string;
  round: number;
  status: RoundStatus;
  step: RoundStepState;
  /** Progress inside the step where it has parts (scoring: shards done / shards). */
  stepProgress?: StepProgress;
  completedSteps: RoundStep[];
  skippedSteps: RoundStep[];
  queries: number;
  answered: number;
  annotation?: AnnotationProgress;
  failure?: StepFailure;
  /** How often this round continued as new (long annotation waits, huge fan-outs). */
  runs: number;
  /** Present when the round runs A2LC's automatic correction. */
  autoCorrection?: AutoCorrectionProgress;
  summary?: RoundSummary;
}

export const roundProgressQuery = defineQuery<RoundProgress>('roundProgress');

export interface RevertAutoCorrectionsResult {
  round: number;
  /** Which workflow took it: the running round (before its train step), or the campaign (its latest completed round). */
  by: 'round' | 'campaign';
  /** Automatic corrections set aside (0 when reverted before the step ran). */
  reverted: number;
  /** The human-only label version the round and the following rounds use; absent while this round's answers are not applied yet. */
  labelsPrefix?: string;
}
/**
 * Sets a round's automatic corrections aside: the round (if still running) and every following
 * round use its human-only label version; `auto-corrections.jsonl` and `labels-auto/` stay in S3 for
 * audit. The round workflow takes it (argument: its round number) until its train step starts;
 * the campaign takes it for its latest completed round until the next round starts. Anything
 * later is rejected with the reason: later rounds were built on those labels.
 */
export const revertAutoCorrectionsUpdate = defineUpdate<RevertAutoCorrectionsResult, [number]>('revertAutoCorrections');

/** Round → its campaign: the round's progress changed (step, answers, reminder, failure). */
export const roundUpdateSignal = defineSignal<[RoundProgress]>('roundUpdate');

// ---------------------------------------------------------------------------------------------
// Campaign

export interface SetBudgetResult {
  budgetPerRound: number;
  /** The first round that asks this many queries (a running round keeps the budget it selected with). */
  appliesFromRound: number;
}
/** Queries per round from now on; the validator takes integers 1..100000. */
export const setBudgetUpdate = defineUpdate<SetBudgetResult, [number]>('setBudget');

export interface SetRoundsResult {
  rounds: number;
}
/** The number of correction rounds; not below the round that is running (or has completed). */
export const setRoundsUpdate = defineUpdate<SetRoundsResult, [number]>('setRounds');

export interface RetryRoundResult {
  round: number;
  /** Steps the retried round will not run again (their artifacts are reused). */
  reusedSteps: RoundStep[];
}
/** Re-runs a failed or aborted round from its first incomplete step; rejected unless one failed. */
export const retryRoundUpdate = defineUpdate<RetryRoundResult, [number]>('retryRound');

export interface CampaignStatusView {
  campaignId: string;
  name: string;
  status: CampaignStatus;
  paused: boolean;
  /** The round running (or next to run); `rounds` is the last one. */
  round: number;
  rounds: number;
  budgetPerRound: number;
  mode: string;
  /** The running round's step and progress, as it last reported them. */
  step?: RoundStepState;
  stepProgress?: StepProgress;
  queries: number;
  answered: number;
  annotation?: AnnotationProgress;
  failure?: StepFailure;
  /** A round that failed for good (aborted): waits for `retryRound`. */
  roundFailure?: { round: number; message: string };
  /** Per completed round: queries, answers, pixels changed, data and model mIoU. */
  history: RoundSummary[];
  labelsPrefix?: string;
  modelPrefix?: string;
  queriedKey?: string;
  /** Runs of this campaign so far (it continues as new between rounds). */
  runs: number;
  /** What the annotation service shows and checks: the dataset (its class names), the class ids answers may use. */
  datasetPrefix?: string;
  classes?: number[];
  /** Answers asked per query and agreeing answers needed (`annotation.redundancy`); absent: 1 of 1. */
  redundancy?: { annotators: number; quorum: number };
}
export const statusQuery = defineQuery<CampaignStatusView>('status');
