/**
 * The inputs and results of every activity a round runs, shared by the activity implementations
 * and the workflows (which import these as types only). Everything here is small and JSON-plain:
 * S3 keys, counts and metrics, never images or arrays (Temporal payloads stay far below 2 MB).
 *
 * Key layout of a campaign, under the deployment's prefix:
 *   campaigns/<campaign>/round-<r>/
 *     model/                 model.onnx, checkpoint.pt, metrics.json, train.log   (train, GPU)
 *     shards/shard-<k>.json  {"imageIds":[...]}                                   (planShards)
 *     scores/shard-<k>.jsonl superpixel records (superpixels.jsonl format)         (scoreShard, GPU)
 *     expansion/<id>.png     16-bit map: superpixel id where the pixel is in E, else 0 (scoreShard)
 *     features/shard-<k>.npy + .jsonl  A2LC: mean P over R per superpixel          (scoreShard)
 *     selected.jsonl         ranked selection                                      (selectQueries)
 *     queries.jsonl          query records; assets/<queryId>.png                   (issueQueries)
 *     answers/batch-<n>.jsonl answers as they arrive                               (storeAnswerBatch)
 *     labels/<id>.png        the working labels after this round; changes.jsonl    (expandAnswers)
 *     auto-correct/          A2LC classifier training set (.npy)                  (prepareAutoCorrection)
 *     auto-correct/classifier/ model.onnx, checkpoint.pt, metrics.json, train.log   (trainLabelCorrector, GPU)
 *     labels-auto/<id>.png   the labels after automatic correction, when it changed any (applyAutoCorrections)
 *     auto-corrections.jsonl A2LC automatic changes, apart from changes.jsonl (revertible) (applyAutoCorrections)
 *     report.json            the round report                                      (writeRoundReport)
 */
import type { Mode, Strategy } from '../../engine/types.js';
import type { SegmentationMetrics } from '../../engine/metrics.js';

/** Where one round reads and writes. */
export interface RoundLocation {
  campaignId: string;
  round: number;
  /** `campaigns/<campaign>/round-<r>/` */
  roundPrefix: string;
  datasetPrefix: string;
  /** The working labels this round starts from; absent = the dataset's pseudo labels. */
  labelsPrefix?: string;
}

export interface PlanShardsInput extends RoundLocation {
  shardSize: number;
}
export interface PlanShardsResult {
  shardKeys: string[];
  images: number;
}

/** A2LC: n_c over the superpixels not queried in earlier rounds, from L and S alone. */
export interface ClassWeightsInput extends RoundLocation {
  /** JSONL of {"image","superpixel"} asked in earlier rounds. */
  queriedKey?: string;
}
export interface ClassWeightsResult {
  counts: number[];
  weights: number[];
}

export interface SelectQueriesInput extends RoundLocation {
  scoreKeys: string[];
  mode: Mode;
  strategy: Strategy;
  budget: number;
  seed: number;
  /** Skip superpixels queried in earlier rounds (A2LC's non-redundancy; default on). */
  skipQueried: boolean;
  queriedKey?: string;
}
export interface SelectQueriesResult {
  selectedKey: string;
  selected: number;
}

export interface IssueQueriesInput extends RoundLocation {
  selectedKey: string;
}
export interface IssueQueriesResult {
  queriesKey: string;
  /** Query ids, `<image>/<superpixel>`, in rank order (kept small: one per budget slot). */
  queryIds: string[];
}

export interface AnswerRecord {
  queryId: string;
  answer: 'correct' | 'relabel' | 'skip';
  class?: number;
  annotator: string;
}
export interface StoreAnswerBatchInput {
  roundPrefix: string;
  batch: number;
  answers: AnswerRecord[];
}

export interface ExpandAnswersInput extends RoundLocation {
  queriesKey: string;
  answerBatchKeys: string[];
  /** The new label version: `<roundPrefix>labels/`. */
  outputLabelsPrefix: string;
  /** The campaign's queried set before this round (the previous round's result); absent in round 1. */
  queriedKey?: string;
}
export interface ExpandAnswersResult {
  labelsPrefix: string;
  answered: number;
  relabelled: number;
  pixelsChanged: number;
  changesKey: string;
  /** JSONL of every superpixel queried so far in the campaign (input for the next round). */
  queriedKey: string;
}

export interface DataMetricsInput {
  datasetPrefix: string;
  labelsPrefix?: string;
}
export interface DataMetricsResult {
  metrics: SegmentationMetrics;
  images: number;
}

export interface RoundReportInput extends RoundLocation {
  report: RoundSummary;
}
export interface RoundSummary {
  round: number;
  queries: number;
  answered: number;
  pixelsChanged: number;
  dataMIoU: number | null;
  modelMIoU: number | null;
  /** A2LC: superpixels the automatic correction relabelled (present when the step ran). */
  autoCorrections?: number;
  /** A2LC: pixels whose label the automatic correction changed. */
  autoCorrectionPixels?: number;
  /** A2LC: the human-only label version, when automatic correction wrote another one. */
  humanLabelsPrefix?: string;
  /** An operator reverted the automatic corrections: `labelsPrefix` is the human-only version. */
  autoCorrectionsReverted?: boolean;
  labelsPrefix?: string;
  modelPrefix: string;
}

/** The two objects of one shard's A2LC classifier features (activities/round/auto-correct-features.ts). */
export interface FeatureShardKeys {
  arrayKey: string;
  rowsKey: string;
}

/**
 * A2LC automatic correction, part 1 (CPU): the classifier's training set, one example per
 * superpixel answered so far (mean P over R; most frequent L over R in the human-corrected version
 * `labelsPrefix`), and this round's relabel counts.
 */
export interface PrepareAutoCorrectionInput extends RoundLocation {
  featureKeys: FeatureShardKeys[];
  /** The campaign's queried set after this round (expandAnswers' result). */
  queriedKey: string;
  /** This round's answer batches (their `relabel` answers weight the loss and rank the classes). */
  answerBatchKeys: string[];
  /** `<roundPrefix>auto-correct/` */
  outputPrefix: string;
}
export interface PrepareAutoCorrectionResult {
  /** The trainer's inputs; absent when nothing can be trained (no relabel answer this round, no weighted example). */
  training?: { featuresKey: string; labelsKey: string; classWeightsKey: string };
  samples: number;
  classes: number;
  relabelCounts: number[];
  classWeights: number[];
}

/**
 * A2LC automatic correction, part 3 (CPU): the trained classifier over the never-queried
 * superpixels, its predictions applied under the spec's rules to the human-corrected version
 * `labelsPrefix`, written as a new version with its own change log.
 */
export interface ApplyAutoCorrectionsInput extends RoundLocation {
  featureKeys: FeatureShardKeys[];
  queriedKey: string;
  /** Where trainLabelCorrector published `model.onnx` and `metrics.json`. */
  classifierPrefix: string;
  relabelCounts: number[];
  minConfidence: number;
  /** `<roundPrefix>labels-auto/`: never the version the round read or the human one. */
  outputLabelsPrefix: string;
}
export interface ApplyAutoCorrectionsResult {
  /** The new version; absent when nothing changed (the human-corrected version stands). */
  labelsPrefix?: string;
  corrections: number;
  pixelsChanged: number;
  /** `auto-corrections.jsonl`, one line per relabelled superpixel. */
  correctionsKey: string;
}
