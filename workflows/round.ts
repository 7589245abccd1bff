/**
 * One round of a campaign (`<campaign>/round-<r>`), as the spec orders it:
 *
 *   round 0:  train (pseudo labels) → data-metrics → evaluate → report
 *   round r:  plan → (a2lc) class-weights → score (GPU fan-out) → select → issue → annotate
 *             → expand → (a2lc) auto-correct → train (warm start from round r-1) → data-metrics
 *             → evaluate → report
 *
 * Every step's outputs are S3 keys kept in a JSON-plain checkpoint, so the round can continue as
 * new (long annotation waits, huge fan-outs), and a retried round skips the steps it completed.
 * A step that fails for good waits for an operator (`resolveFailure`: retry | skip-step |
 * abort-round) with the error in `roundProgress`. Answers arrive through the `submitAnswers`
 * update and land in S3 in batches (`storeAnswerBatch`): history keeps only their keys.
 * A2LC's automatic correction writes its own label version beside the human one; an operator may
 * set it aside (`revertAutoCorrections`) until the train step starts.
 *
 * Deterministic: no I/O, no Node built-ins, no module-level mutable state. Changes that running
 * rounds must survive go behind `patched('<kebab-case-id>')` (test/integration/replay.test.ts
 * replays recorded histories against this code).
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  ContinueAsNew,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  setHandler,
  TemporalFailure,
  upsertSearchAttributes,
  workflowInfo,
  type ExternalWorkflowHandle,
} from '@temporalio/workflow';
import type {
  AnswerRecord,
  ApplyAutoCorrectionsResult,
  ExpandAnswersResult,
  FeatureShardKeys,
  PrepareAutoCorrectionResult,
  RoundLocation,
  RoundSummary,
} from '../activities/round/contracts.js';
import type { CampaignConfig } from '../configs/campaign.js';
import { roundActivityProxies } from './activity-options.js';
import {
  CAMPAIGN_ATTRIBUTE,
  pauseSignal,
  resolveFailureUpdate,
  resumeSignal,
  revertAutoCorrectionsUpdate,
  ROUND_ATTRIBUTE,
  roundProgressQuery,
  roundUpdateSignal,
  STATUS_ATTRIBUTE,
  STEP_ATTRIBUTE,
  submitAnswersUpdate,
  type AnnotationProgress,
  type AnswerInput,
  type AnswerOutcome,
  type FailureAction,
  type RevertAutoCorrectionsResult,
  type RoundProgress,
  type RoundStatus,
  type RoundStep,
  type RoundStepState,
  type StepFailure,
  type StepProgress,
  type SubmitAnswersInput,
  type SubmitAnswersResult,
} from './messages.js';

/** 255: "cannot tell / ignore", a valid relabel target besides the campaign's classes. */
const IGNORE_CLASS = 255;

export interface RoundInput {
  campaignId: string;
  round: number;
  /** The campaign's configuration, resolved (budgetPerRound is this round's budget). */
  config: CampaignConfig;
  /** The labels this round starts from; absent = the dataset's pseudo labels. */
  labelsPrefix?: string;
  /** The previous round's model: scores this round's superpixels and warm-starts its training. */
  modelPrefix?: string;
  /** Every superpixel queried in earlier rounds (JSONL of {image, superpixel}). */
  queriedKey?: string;
  /** Carried by continue-as-new and by a campaign's `retryRound`: the steps done so far. */
  resume?: RoundCheckpoint;
}

/** What a round has done so far: small, JSON-plain (keys, counts, the round's answers). */
export interface RoundCheckpoint {
  completed: RoundStep[];
  skipped: RoundStep[];
  shardKeys?: string[];
  images?: number;
  classWeights?: number[];
  /** Per shard: its records key once scored, else null. */
  scoreKeys?: (string | null)[];
  selectedKey?: string;
  queriesKey?: string;
  /** Query ids in rank order (one per budget slot). */
  queryIds?: string[];
  /** Accepted answers by query id. */
  answers: Record<string, AnswerRecord>;
  batchKeys: string[];
  nextBatch: number;
  annotation?: AnnotationProgress;
  expand?: ExpandAnswersResult;
  /**
   * Whether this round runs A2LC's automatic correction: decided at its first run and carried by
   * continue-as-new and retries (absent = a checkpoint from before the step existed: no).
   */
  autoCorrect?: boolean;
  autoPrepared?: PrepareAutoCorrectionResult;
  /** Where the label-correction classifier was published. */
  autoClassifierPrefix?: string;
  autoCorrection?: ApplyAutoCorrectionsResult;
  /** An operator set the automatic corrections aside (revertAutoCorrections). */
  autoReverted?: boolean;
  modelPrefix?: string;
  dataMIoU?: number | null;
  modelMIoU?: number | null;
  reportKey?: string;
  /** Runs of this round so far (continue-as-new). */
  runs: number;
  /** Paused when it continued as new (a pause outlives the run). */
  paused?: boolean;
}

export interface RoundResult extends RoundSummary {
  /** The campaign's queried set after this round (input of the next). */
  queriedKey?: string;
  reportKey?: string;
  skippedSteps: RoundStep[];
}

/** Marks the round code that runs A2LC's automatic correction (rounds recorded before it replay without). */
export const AUTO_CORRECT_PATCH = 'a2lc-auto-correct';

/** Which steps come after automatic correction: once the round reaches them, a revert is too late. */
const AFTER_AUTO_CORRECT: readonly RoundStepState[] = ['train', 'data-metrics', 'evaluate', 'report', 'done'];

/** `campaigns/<campaign>/round-<r>/`: where the round writes (activities/round/contracts.ts). */
export function roundPrefixOf(campaignId: string, round: number): string {
  return `campaigns/${campaignId}/round-${round}/`;
}

function badInput(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'BadInput');
}

function validateInput(input: RoundInput): void {
  if (typeof input !== 'object' || input === null) throw badInput('round input: expected an object');
  if (!input.campaignId) throw badInput('round input: campaignId is missing');
  if (!Number.isSafeInteger(input.round) || input.round < 0) throw badInput(`round input: round must be a non-negative integer, got ${input.round}`);
  const config = input.config as CampaignConfig | undefined;
  if (!config?.datasetPrefix) throw badInput('round input: config.datasetPrefix is missing');
  if (!Array.isArray(config.classes) || config.classes.length === 0) throw badInput('round input: config.classes must list the valid class ids');
  if (!Number.isSafeInteger(config.budgetPerRound) || config.budgetPerRound < 1) throw badInput(`round input: budgetPerRound must be a positive integer, got ${config.budgetPerRound}`);
}

/** The innermost message of a failure (an activity's own error, not "Activity task failed"). */
function describeFailure(error: unknown): { message: string; type?: string } {
  let current: unknown = error;
  while ((current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) && current.cause) current = current.cause;
  if (current instanceof ApplicationFailure) return { message: current.message, type: current.type ?? undefined };
  if (current instanceof TemporalFailure) return { message: current.message, type: current.name };
  if (current instanceof Error) return { message: current.message, type: current.name };
  return { message: String(current) };
}

function sameAnswer(a: Pick<AnswerRecord, 'answer' | 'class'>, b: Pick<AnswerRecord, 'answer' | 'class'>): boolean {
  return a.answer === b.answer && (a.answer !== 'relabel' || a.class === b.class);
}

function describeAnswer(a: AnswerRecord): string {
  return a.answer === 'relabel' ? `relabel ${a.class}` : a.answer;
}

/** Shape checks of one answer; undefined if well-formed. */
function malformed(answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null) return 'not an object';
  const a = answer as Partial<AnswerInput>;
  if (typeof a.queryId !== 'string' || a.queryId.length === 0) return 'queryId must be a non-empty string';
  if (a.answer !== 'correct' && a.answer !== 'relabel' && a.answer !== 'skip') return `${a.queryId}: answer must be correct, relabel or skip`;
  if (typeof a.annotator !== 'string' || a.annotator.length === 0) return `${a.queryId}: annotator must be a non-empty string`;
  if (a.answer === 'relabel' && !Number.isInteger(a.class)) return `${a.queryId}: a relabel answer needs an integer class`;
  if (a.round !== undefined && !Number.isInteger(a.round)) return `${a.queryId}: round must be an integer`;
  return undefined;
}

export async function roundWorkflow(input: RoundInput): Promise<RoundResult> {
  validateInput(input);
  const { campaignId, round, config } = input;
  const roundPrefix = roundPrefixOf(campaignId, round);
  const acts = roundActivityProxies(config);
  const policy = config.annotation;
  const classSet = new Set(config.classes);
  const isRoundZero = round === 0;

  const cp: RoundCheckpoint = input.resume
    ? { ...input.resume, runs: input.resume.runs + 1 }
    : { completed: [], skipped: [], answers: {}, batchKeys: [], nextBatch: 0, runs: 1 };
  let queryIdSet = new Set(cp.queryIds ?? []);
  let answered = Object.keys(cp.answers).length;
  // `autoCorrection` is absent from the configs of campaigns started before the step existed.
  const autoCorrectionWanted = !isRoundZero && config.mode === 'a2lc' && config.autoCorrection?.enabled === true;
  // A resumed checkpoint without the decision scored without writing the classifier's features.
  cp.autoCorrect ??= input.resume === undefined && autoCorrectionWanted && patched(AUTO_CORRECT_PATCH);

  let status: RoundStatus = 'running';
  let step: RoundStepState = 'pending';
  let stepProgress: StepProgress | undefined;
  let paused = cp.paused ?? false;
  let failure: StepFailure | undefined;
  let decision: FailureAction | undefined;
  let storing = false;
  let summary: RoundSummary | undefined;

  // From the checkpoint, not the step: a new run (continue-as-new) takes answers from its first activation.
  const accepting = () => cp.annotation !== undefined && cp.annotation.closedAt === undefined;

  const progress = (): RoundProgress => ({
    campaignId,
    round,
    status,
    step,
    stepProgress,
    completedSteps: [...cp.completed],
    skippedSteps: [...cp.skipped],
    queries: cp.queryIds?.length ?? 0,
    answered,
    annotation: cp.annotation ? { ...cp.annotation } : undefined,
    failure,
    runs: cp.runs,
    autoCorrection: cp.autoCorrect
      ? { corrections: cp.autoCorrection?.corrections, pixelsChanged: cp.autoCorrection?.pixelsChanged, correctionsKey: cp.autoCorrection?.correctionsKey, reverted: cp.autoReverted === true }
      : undefined,
    summary,
  });

  // ---- reporting: search attributes, the campaign (by workflow id, so it survives its continue-as-new)
  const parentId = workflowInfo().parent?.workflowId;
  const parent: ExternalWorkflowHandle | undefined = parentId ? getExternalWorkflowHandle(parentId) : undefined;
  let lastNotice: Promise<void> = Promise.resolve();
  const notifyCampaign = () => {
    if (!parent) return;
    const snapshot = progress();
    lastNotice = lastNotice.then(() => parent.signal(roundUpdateSignal, snapshot)).catch((error: unknown) => {
      log.warn('could not tell the campaign about the round', { campaignId, round, error: describeFailure(error).message });
    });
  };
  let shownAttributes = '';
  const report = () => {
    if (config.searchAttributes) {
      const shown = `${step}|${status}`;
      if (shown !== shownAttributes) {
        shownAttributes = shown;
        upsertSearchAttributes([
          { key: CAMPAIGN_ATTRIBUTE, value: campaignId },
          { key: ROUND_ATTRIBUTE, value: round },
          { key: STEP_ATTRIBUTE, value: step },
          { key: STATUS_ATTRIBUTE, value: status },
        ]);
      }
    }
    notifyCampaign();
  };

  // ---- handlers
  setHandler(roundProgressQuery, progress);
  setHandler(pauseSignal, (reason?: string) => {
    if (paused) return;
    paused = true;
    log.info('round paused', { campaignId, round, reason });
  });
  setHandler(resumeSignal, () => {
    paused = false;
  });

  setHandler(
    resolveFailureUpdate,
    (action) => {
      const pending = failure!;
      decision = action;
      log.info('operator decision on a failed step', { campaignId, round, step: pending.step, action });
      return { step: pending.step, action };
    },
    {
      validator: (action) => {
        if (action !== 'retry' && action !== 'skip-step' && action !== 'abort-round') {
          throw new Error(`action must be retry, skip-step or abort-round, got ${JSON.stringify(action)}`);
        }
        if (failure === undefined || decision !== undefined) throw new Error(`round ${round} has no failed step waiting for a decision (status: ${status}, step: ${step})`);
      },
    },
  );

  const finished = (s: RoundStep) => cp.completed.includes(s) || cp.skipped.includes(s);
  const noAutoCorrection = (): string => {
    if (isRoundZero) return 'round 0 trains on the pseudo labels and makes no automatic corrections';
    if (config.mode !== 'a2lc') return `mode ${config.mode} makes no automatic corrections (A2LC's step)`;
    if (!autoCorrectionWanted) return 'autoCorrection.enabled is off in this campaign';
    return `round ${round} started before the automatic-correction step existed`;
  };
  const humanLabels = () => cp.expand?.labelsPrefix ?? input.labelsPrefix;

  setHandler(
    revertAutoCorrectionsUpdate,
    (): RevertAutoCorrectionsResult => {
      cp.autoReverted = true;
      log.warn('automatic corrections reverted by an operator: the round goes on with the human-only labels', { campaignId, round, step, corrections: cp.autoCorrection?.corrections ?? 0 });
      report();
      const labelsPrefix = finished('expand') ? humanLabels() : undefined;
      return { round, by: 'round', reverted: cp.autoCorrection?.corrections ?? 0, ...(labelsPrefix !== undefined ? { labelsPrefix } : {}) };
    },
    {
      validator: (target: number) => {
        if (target !== round) throw new Error(`this is round ${round} of ${campaignId}, not round ${JSON.stringify(target)}`);
        if (!cp.autoCorrect) throw new Error(`round ${round}: ${noAutoCorrection()}`);
        if (cp.autoReverted) throw new Error(`round ${round}'s automatic corrections are already reverted`);
        if (finished('train') || AFTER_AUTO_CORRECT.includes(step)) {
          throw new Error(`round ${round} has reached its train step (step: ${step}): model ${round} is built on the automatically corrected labels, too late to revert`);
        }
      },
    },
  );

  /**
   * Outcome of every answer of a batch against the state now (validator and handler alike). Once
   * the window has closed, a repeat of a stored answer is still acknowledged (a client retrying a
   * batch must not be told its answers were lost); anything else is late.
   */
  const judge = (answers: readonly AnswerInput[]): AnswerOutcome[] => {
    const inBatch = new Map<string, AnswerInput>();
    const open = accepting();
    return answers.map((answer): AnswerOutcome => {
      const { queryId } = answer;
      const reject = (reason: string): AnswerOutcome => ({ queryId, outcome: 'rejected', reason });
      if (!open) {
        const stored = cp.answers[queryId];
        return stored !== undefined && sameAnswer(stored, answer) && (answer.round === undefined || answer.round === round) ? { queryId, outcome: 'duplicate' } : reject(closedMessage());
      }
      if (answer.round !== undefined && answer.round !== round) return reject(`belongs to round ${answer.round}, this is round ${round}`);
      if (!queryIdSet.has(queryId)) return reject(`no query ${queryId} was issued in round ${round}`);
      if (answer.answer === 'relabel' && !classSet.has(answer.class!) && answer.class !== IGNORE_CLASS) {
        return reject(`class ${answer.class} is not a class of this campaign (${config.classes.join(', ')}; or ${IGNORE_CLASS}, cannot tell)`);
      }
      const earlier = cp.answers[queryId] ?? inBatch.get(queryId);
      if (earlier !== undefined) {
        if (sameAnswer(earlier, answer)) return { queryId, outcome: 'duplicate' };
        return reject(`conflicts with the answer already given (${describeAnswer(earlier)} by ${earlier.annotator}); a query is answered once`);
      }
      inBatch.set(queryId, answer);
      return { queryId, outcome: 'accepted' };
    });
  };

  const closedMessage = () => {
    if (cp.annotation?.closedAt !== undefined) {
      return `round ${round} stopped taking answers at ${new Date(cp.annotation.closedAt).toISOString()} (${cp.annotation.closedBy}): late answers are not taken`;
    }
    if (isRoundZero) return 'round 0 trains on the pseudo labels and asks no questions';
    return `round ${round} is not taking answers yet (step: ${step})`;
  };

  setHandler(
    submitAnswersUpdate,
    async (batch: SubmitAnswersInput): Promise<SubmitAnswersResult> => {
      // One batch at a time: judging, storing and committing must see each other's answers.
      await condition(() => !storing);
      storing = true;
      try {
        const outcomes = judge(batch.answers);
        const accepted: AnswerRecord[] = [];
        batch.answers.forEach((answer, index) => {
          if (outcomes[index].outcome !== 'accepted') return;
          const record: AnswerRecord = { queryId: answer.queryId, answer: answer.answer, annotator: answer.annotator };
          if (answer.answer === 'relabel') record.class = answer.class;
          accepted.push(record);
        });
        let batchKey: string | undefined;
        if (accepted.length > 0) {
          const number = cp.nextBatch++; // consumed even if storing fails: a batch key is written once
          try {
            batchKey = (await acts.answers.storeAnswerBatch({ roundPrefix, batch: number, answers: accepted })).batchKey;
          } catch (error) {
            throw ApplicationFailure.nonRetryable(`could not store the answers: ${describeFailure(error).message}`, 'AnswersNotStored');
          }
          cp.batchKeys.push(batchKey);
          for (const record of accepted) cp.answers[record.queryId] = record;
          answered += accepted.length;
          report();
        }
        const count = (kind: AnswerOutcome['outcome']) => outcomes.filter((o) => o.outcome === kind).length;
        return {
          round,
          accepted: count('accepted'),
          duplicates: count('duplicate'),
          rejected: count('rejected'),
          outcomes,
          answered,
          total: cp.queryIds?.length ?? 0,
          batchKey,
        };
      } finally {
        storing = false;
      }
    },
    {
      // Synchronous (an async validator would not reject anything). Rejections leave no trace in history.
      validator: (batch: SubmitAnswersInput) => {
        if (typeof batch !== 'object' || batch === null || !Array.isArray(batch.answers)) throw new Error('expected {"answers":[...]}');
        if (batch.answers.length === 0) throw new Error('the batch has no answers');
        if (batch.answers.length > policy.maxBatch) throw new Error(`the batch has ${batch.answers.length} answers; at most ${policy.maxBatch} per update`);
        const problems = batch.answers.map((answer, index) => [index, malformed(answer)] as const).filter(([, problem]) => problem !== undefined);
        if (problems.length > 0) throw new Error(`malformed answers: ${problems.slice(0, 10).map(([index, problem]) => `#${index}: ${problem}`).join('; ')}`);
        if (cp.annotation === undefined) throw new Error(closedMessage());
        const outcomes = judge(batch.answers);
        if (outcomes.every((o) => o.outcome === 'rejected')) {
          throw new Error(`no answer of the batch can be taken: ${outcomes.slice(0, 10).map((o) => `${o.queryId}: ${o.reason}`).join('; ')}`);
        }
      },
    },
  );

  // ---- steps
  const location = (labelsPrefix = input.labelsPrefix): RoundLocation => ({ campaignId, round, roundPrefix, datasetPrefix: config.datasetPrefix, labelsPrefix });
  /** The labels train, data-metrics and the next round use: the automatically corrected ones unless reverted. */
  const labelsNow = () => (cp.autoReverted ? undefined : cp.autoCorrection?.labelsPrefix) ?? humanLabels();
  const modelNow = () => cp.modelPrefix ?? input.modelPrefix;
  /** Where scoring writes shard k's classifier features (activities/round/auto-correct-features.ts). */
  const featureKeysOf = (shard: number): FeatureShardKeys => ({ arrayKey: `${roundPrefix}features/shard-${shard}.npy`, rowsKey: `${roundPrefix}features/shard-${shard}.jsonl` });

  const continueRound = async (): Promise<never> => {
    await condition(() => !storing);
    await condition(allHandlersFinished);
    await lastNotice;
    log.info('round continues as new', { campaignId, round, step, runs: cp.runs });
    return continueAsNew<typeof roundWorkflow>({ ...input, resume: { ...cp, annotation: cp.annotation ? { ...cp.annotation } : undefined, paused } });
  };

  /**
   * Runs a step until it succeeds, or an operator skips it or aborts the round. Returns false when
   * skipped. A step that already completed (checkpoint) is not run again.
   */
  const runStep = async (name: RoundStep, work: () => Promise<void>): Promise<boolean> => {
    if (cp.completed.includes(name)) return true;
    if (cp.skipped.includes(name)) return false;
    let retries = 0;
    for (;;) {
      if (paused) {
        status = 'paused';
        report();
        await condition(() => !paused);
      }
      status = 'running';
      step = name;
      stepProgress = undefined;
      report();
      try {
        await work();
        cp.completed.push(name);
        return true;
      } catch (error) {
        if (isCancellation(error) || error instanceof ContinueAsNew) throw error;
        const { message, type } = describeFailure(error);
        failure = { step: name, message, type, at: new Date(Date.now()).toISOString(), retries };
        status = 'waiting-for-operator';
        log.error('round step failed: waiting for an operator (resolveFailure: retry | skip-step | abort-round)', { campaignId, round, step: name, error: message, type });
        report();
        await condition(() => decision !== undefined);
        const action = decision!;
        decision = undefined;
        const failed = failure;
        failure = undefined;
        status = 'running';
        if (action === 'retry') {
          retries++;
          continue;
        }
        if (action === 'skip-step') {
          cp.skipped.push(name);
          report();
          return false;
        }
        status = 'aborted';
        report();
        await condition(allHandlersFinished);
        await lastNotice;
        // The checkpoint travels with the failure: a campaign's retryRound resumes from it.
        throw ApplicationFailure.create({
          message: `round ${round} aborted by the operator at step ${name}: ${failed.message}`,
          type: 'RoundAborted',
          nonRetryable: true,
          details: [{ ...cp }],
        });
      }
    }
  };

  const scoreShards = async () => {
    const modelPrefix = input.modelPrefix;
    if (!modelPrefix) throw ApplicationFailure.nonRetryable(`round ${round} has no model to score with (the previous round trained none)`, 'NoModel');
    const shardKeys = cp.shardKeys ?? [];
    const keys = (cp.scoreKeys ??= shardKeys.map(() => null));
    const todo = shardKeys.map((_, index) => index).filter((index) => keys[index] === null);
    const total = shardKeys.length;
    const done = () => keys.filter((key) => key !== null).length;
    const failures: { shard: number; message: string }[] = [];
    const notifyEvery = Math.max(1, Math.ceil(total / 20));
    let next = 0;
    let stopForContinueAsNew = false;
    stepProgress = { done: done(), total };
    const lane = async () => {
      while (next < todo.length) {
        if (workflowInfo().continueAsNewSuggested) {
          stopForContinueAsNew = true;
          return;
        }
        const shard = todo[next++];
        try {
          const result = await acts.gpu.scoreShard({
            modelPrefix,
            datasetPrefix: config.datasetPrefix,
            labelsPrefix: input.labelsPrefix,
            imageIdsKey: shardKeys[shard],
            mode: config.mode,
            tau: config.tau,
            classWeights: cp.classWeights,
            recordsKey: `${roundPrefix}scores/shard-${shard}.jsonl`,
            expansionPrefix: `${roundPrefix}expansion/`,
            ...(cp.autoCorrect ? { features: featureKeysOf(shard) } : {}),
          });
          keys[shard] = result.recordsKey;
          const count = done();
          stepProgress = { done: count, total };
          if (count % notifyEvery === 0 || count === total) report();
        } catch (error) {
          if (isCancellation(error)) throw error;
          failures.push({ shard, message: describeFailure(error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(config.scoringConcurrency, todo.length) }, lane));
    if (failures.length > 0) {
      failures.sort((a, b) => a.shard - b.shard);
      throw ApplicationFailure.nonRetryable(
        `${failures.length} of ${total} shards failed (retry runs only those; skip-step goes on without them): shard ${failures[0].shard}: ${failures[0].message}`,
        'ShardsFailed',
      );
    }
    if (stopForContinueAsNew && done() < total) await continueRound();
  };

  /**
   * A2LC's automatic correction (spec, "Automatic correction"): the classifier's training set
   * (CPU), the classifier (GPU queue, the trainer's classifier job), its predictions applied to the
   * never-queried superpixels as a new label version (CPU). Each part's result is checkpointed, so
   * an operator's retry redoes only what failed; a revert arriving meanwhile stops it.
   */
  const autoCorrectLabels = async () => {
    const expanded = cp.expand;
    // No answers this round: no relabel counts to weight the loss and rank the classes with.
    if (expanded === undefined || cp.autoReverted) return;
    const featureKeys = (cp.scoreKeys ?? []).flatMap((key, shard) => (key === null ? [] : [featureKeysOf(shard)]));
    const base = { ...location(expanded.labelsPrefix), featureKeys, queriedKey: expanded.queriedKey };
    cp.autoPrepared ??= await acts.autoCorrect.prepareAutoCorrection({ ...base, answerBatchKeys: cp.batchKeys, outputPrefix: `${roundPrefix}auto-correct/` });
    const { training, classes, relabelCounts, samples } = cp.autoPrepared;
    if (training === undefined) {
      log.info('automatic correction: nothing to learn from (no relabel answer this round, or no answered superpixel of a relabelled class)', { campaignId, round, samples });
      return;
    }
    const settings = config.autoCorrection;
    if (cp.autoReverted) return;
    cp.autoClassifierPrefix ??= (
      await acts.train.trainLabelCorrector({ ...training, numClasses: classes, hyperparameters: settings.hyperparameters, seed: settings.seed, outputPrefix: `${roundPrefix}auto-correct/classifier/` })
    ).classifierPrefix;
    if (cp.autoReverted) return;
    cp.autoCorrection = await acts.autoCorrect.applyAutoCorrections({
      ...base,
      classifierPrefix: cp.autoClassifierPrefix,
      relabelCounts,
      minConfidence: settings.minConfidence,
      outputLabelsPrefix: `${roundPrefix}labels-auto/`,
    });
    log.info('automatic correction applied', { campaignId, round, corrections: cp.autoCorrection.corrections, pixelsChanged: cp.autoCorrection.pixelsChanged, log: cp.autoCorrection.correctionsKey });
  };

  const annotate = async () => {
    const total = cp.queryIds?.length ?? 0;
    const now0 = Date.now();
    if (total === 0) {
      cp.annotation ??= { openedAt: now0, deadlineAt: now0, reminders: 0, extensions: 0, closedAt: now0, closedBy: 'no-queries' };
      return;
    }
    cp.annotation ??= { openedAt: now0, deadlineAt: now0 + policy.deadline, reminders: 0, extensions: 0 };
    const a = cp.annotation;
    status = 'awaiting-answers';
    report();
    log.info('round waits for answers', { campaignId, round, queries: total, deadline: new Date(a.deadlineAt).toISOString() });
    while (a.closedAt === undefined) {
      if (answered >= total) {
        a.closedAt = Date.now();
        a.closedBy = 'all-answered';
        break;
      }
      if (workflowInfo().continueAsNewSuggested) await continueRound();
      const now = Date.now();
      if (now >= a.deadlineAt) {
        if (policy.onDeadline === 'extend' && a.extensions < policy.maxExtensions) {
          a.extensions++;
          a.deadlineAt += policy.extendBy;
          log.warn('annotation deadline reached: extended', { campaignId, round, answered, total, extensions: a.extensions, deadline: new Date(a.deadlineAt).toISOString() });
          report();
          continue;
        }
        a.closedAt = now;
        a.closedBy = 'deadline';
        log.warn('annotation deadline reached: the round goes on with the answers it has', { campaignId, round, answered, total });
        break;
      }
      const nextReminder = (a.lastReminderAt ?? a.openedAt) + policy.reminderEvery;
      if (now >= nextReminder) {
        a.reminders++;
        a.lastReminderAt = now;
        log.warn('reminder: answers are missing', { campaignId, round, answered, total, reminder: a.reminders, deadline: new Date(a.deadlineAt).toISOString() });
        report();
        continue;
      }
      await condition(() => answered >= total || workflowInfo().continueAsNewSuggested, Math.min(a.deadlineAt, nextReminder) - now);
    }
    // Batches being stored when the window closed are part of the round.
    await condition(() => !storing);
    status = 'running';
    report();
  };

  // ---- the round
  try {
    report();
    if (!isRoundZero) {
      const cpu = acts.cpu;
      let asking = await runStep('plan', async () => {
        const planned = await acts.cpuShort.planShards({ ...location(), shardSize: config.shardSize });
        cp.shardKeys = planned.shardKeys;
        cp.images = planned.images;
        cp.scoreKeys = planned.shardKeys.map(() => null);
      });
      if (asking && config.mode === 'a2lc') {
        await runStep('class-weights', async () => {
          cp.classWeights = (await cpu.classWeights({ ...location(), queriedKey: input.queriedKey })).weights;
        });
      }
      if (asking) asking = (await runStep('score', scoreShards)) || (cp.scoreKeys ?? []).some((key) => key !== null);
      if (asking) {
        asking = await runStep('select', async () => {
          const scoreKeys = (cp.scoreKeys ?? []).filter((key): key is string => key !== null);
          if (scoreKeys.length === 0) throw ApplicationFailure.nonRetryable('no shard was scored: nothing to select from', 'NothingScored');
          const selected = await cpu.selectQueries({
            ...location(),
            scoreKeys,
            mode: config.mode,
            strategy: config.strategy,
            budget: config.budgetPerRound,
            seed: config.seed,
            skipQueried: config.skipQueried,
            queriedKey: input.queriedKey,
          });
          cp.selectedKey = selected.selectedKey;
        });
      }
      if (asking) {
        asking = await runStep('issue', async () => {
          const issued = await cpu.issueQueries({ ...location(), selectedKey: cp.selectedKey! });
          cp.queriesKey = issued.queriesKey;
          cp.queryIds = issued.queryIds;
          queryIdSet = new Set(issued.queryIds);
        });
      }
      if (!finished('annotate')) {
        if (!asking) cp.queryIds ??= [];
        step = 'annotate';
        stepProgress = undefined;
        await annotate();
        cp.completed.push('annotate');
      }
      await runStep('expand', async () => {
        // No answers: the labels stay as they were (no new version to write).
        if (cp.batchKeys.length === 0 || cp.queriesKey === undefined) return;
        cp.expand = await cpu.expandAnswers({
          ...location(),
          queriesKey: cp.queriesKey,
          answerBatchKeys: cp.batchKeys,
          outputLabelsPrefix: `${roundPrefix}labels/`,
          queriedKey: input.queriedKey,
        });
      });
      if (cp.autoCorrect) {
        // Reverted before it ran: the step is not run at all.
        if (cp.autoReverted && !finished('auto-correct')) {
          cp.skipped.push('auto-correct');
          report();
        }
        await runStep('auto-correct', autoCorrectLabels);
      }
    }

    await runStep('train', async () => {
      const warmFrom = config.trainer.warmStart && input.modelPrefix ? `${input.modelPrefix}checkpoint.pt` : undefined;
      await acts.train.trainSegmentationModel({
        datasetPrefix: config.datasetPrefix,
        labelsPrefix: labelsNow(),
        model: config.trainer.model,
        hyperparameters: config.trainer.hyperparameters,
        seed: config.trainer.seed,
        initialCheckpointKey: warmFrom,
        outputPrefix: `${roundPrefix}model/`,
      });
      cp.modelPrefix = `${roundPrefix}model/`;
    });
    await runStep('data-metrics', async () => {
      const measured = await acts.cpu.dataMetrics({ datasetPrefix: config.datasetPrefix, labelsPrefix: labelsNow() });
      cp.dataMIoU = measured.images > 0 ? measured.metrics.meanIoU : null;
    });
    await runStep('evaluate', async () => {
      const model = modelNow();
      if (!model) {
        cp.modelMIoU = null;
        return;
      }
      cp.modelMIoU = (await acts.gpu.evaluateModel({ modelPrefix: model, datasetPrefix: config.datasetPrefix, split: 'val' })).metrics.meanIoU;
    });

    summary = {
      round,
      queries: cp.queryIds?.length ?? 0,
      answered,
      pixelsChanged: cp.expand?.pixelsChanged ?? 0,
      dataMIoU: cp.dataMIoU ?? null,
      modelMIoU: cp.modelMIoU ?? null,
      ...(cp.autoCorrect
        ? {
            autoCorrections: cp.autoCorrection?.corrections ?? 0,
            autoCorrectionPixels: cp.autoCorrection?.pixelsChanged ?? 0,
            ...(cp.autoCorrection?.labelsPrefix !== undefined ? { humanLabelsPrefix: humanLabels() } : {}),
            ...(cp.autoReverted ? { autoCorrectionsReverted: true } : {}),
          }
        : {}),
      labelsPrefix: labelsNow(),
      modelPrefix: modelNow() ?? '',
    };
    const finalSummary = summary;
    await runStep('report', async () => {
      cp.reportKey = await acts.cpuShort.writeRoundReport({ ...location(), report: finalSummary });
    });

    step = 'done';
    status = 'completed';
    report();
    await condition(allHandlersFinished);
    await lastNotice;
    return { ...finalSummary, queriedKey: cp.expand?.queriedKey ?? input.queriedKey, reportKey: cp.reportKey, skippedSteps: [...cp.skipped] };
  } catch (error) {
    if (isCancellation(error)) {
      status = 'cancelled';
      report();
      log.warn('round cancelled: the labels and answers written so far stay in S3', { campaignId, round, step });
    }
    throw error;
  }
}
