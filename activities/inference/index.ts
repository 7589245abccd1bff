import { cancellationSignal, heartbeat, log } from '@temporalio/activity';
import type { InferenceConfig } from '../../configs/schema.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { evaluateModel, type EvaluateModelInput, type EvaluateModelResult } from './evaluate-model.js';
import { scoreShard, type ScoreShardInput, type ScoreShardResult, type ShardContext } from './score-shard.js';

function activityContext(): ShardContext {
  return {
    report: (progress) => {
      heartbeat(progress);
    },
    signal: cancellationSignal(),
    warn: (message) => {
      log.warn(message);
    },
  };
}

/** Inference activities of the GPU task queue: fused inference + scoring, and model evaluation. */
export function createInferenceActivities(deps: { store: ArtifactStore; inference: InferenceConfig }) {
  return {
    scoreShard(input: ScoreShardInput): Promise<ScoreShardResult> {
      return scoreShard(deps, input, activityContext());
    },
    evaluateModel(input: EvaluateModelInput): Promise<EvaluateModelResult> {
      return evaluateModel(deps, input, activityContext());
    },
  };
}
