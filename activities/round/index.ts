import { ApplicationFailure, cancellationSignal, heartbeat } from '@temporalio/activity';
import { InputError } from '../../common/errors.js';
import { ArtifactConflictError } from '../../storage/artifact-store.js';
import { classWeights } from './class-weights.js';
import type {
  ClassWeightsInput,
  ClassWeightsResult,
  DataMetricsInput,
  DataMetricsResult,
  ExpandAnswersInput,
  ExpandAnswersResult,
  IssueQueriesInput,
  IssueQueriesResult,
  PlanShardsInput,
  PlanShardsResult,
  RoundReportInput,
  SelectQueriesInput,
  SelectQueriesResult,
  StoreAnswerBatchInput,
} from './contracts.js';
import type { RoundContext, RoundDependencies } from './context.js';
import { dataMetrics } from './data-metrics.js';
import { expandAnswers } from './expand-answers.js';
import { issueQueries } from './issue-queries.js';
import { planShards } from './plan-shards.js';
import { writeRoundReport } from './round-report.js';
import { selectQueries } from './select-queries.js';
import { storeAnswerBatch, type StoreAnswerBatchResult } from './store-answer-batch.js';

export type { StoreAnswerBatchResult } from './store-answer-batch.js';

/**
 * Runs a core function inside an activity: progress becomes heartbeats, Temporal's cancellation
 * the abort signal, and failures that no retry can fix (bad input, a write-once conflict) become
 * non-retryable, so the workflow turns to an operator at once instead of retrying.
 */
export async function asActivity<T>(run: (context: RoundContext) => Promise<T>): Promise<T> {
  try {
    return await run({ report: (progress) => heartbeat(progress), signal: cancellationSignal() });
  } catch (error) {
    if (error instanceof InputError) throw ApplicationFailure.nonRetryable(error.message, 'BadInput');
    if (error instanceof ArtifactConflictError) throw ApplicationFailure.nonRetryable(error.message, 'ArtifactConflict');
    throw error;
  }
}

/** The CPU activities of a round, as plain async functions of their contract inputs. */
export function createRoundActivities(deps: RoundDependencies) {
  return {
    planShards: (input: PlanShardsInput): Promise<PlanShardsResult> => asActivity((context) => planShards(deps, input, context)),
    classWeights: (input: ClassWeightsInput): Promise<ClassWeightsResult> => asActivity((context) => classWeights(deps, input, context)),
    selectQueries: (input: SelectQueriesInput): Promise<SelectQueriesResult> => asActivity((context) => selectQueries(deps, input, context)),
    issueQueries: (input: IssueQueriesInput): Promise<IssueQueriesResult> => asActivity((context) => issueQueries(deps, input, context)),
    storeAnswerBatch: (input: StoreAnswerBatchInput): Promise<StoreAnswerBatchResult> => asActivity(() => storeAnswerBatch(deps, input)),
    expandAnswers: (input: ExpandAnswersInput): Promise<ExpandAnswersResult> => asActivity((context) => expandAnswers(deps, input, context)),
    dataMetrics: (input: DataMetricsInput): Promise<DataMetricsResult> => asActivity((context) => dataMetrics(deps, input, context)),
    writeRoundReport: (input: RoundReportInput): Promise<string> => asActivity(() => writeRoundReport(deps, input)),
  };
}
