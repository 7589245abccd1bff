/**
 * The CPU activities of A2LC's automatic-correction step: the classifier's training set before
 * the GPU trains it (trainLabelCorrector), and its predictions applied after. Both run on the CPU
 * queue: decoding and encoding label maps is their work, and the classifier is too small to be
 * worth a GPU (activities/round/auto-correct-classifier.ts).
 */
import { applyAutoCorrections } from './auto-correct-apply.js';
import { prepareAutoCorrection } from './auto-correct-prepare.js';
import type { ApplyAutoCorrectionsInput, ApplyAutoCorrectionsResult, PrepareAutoCorrectionInput, PrepareAutoCorrectionResult } from './contracts.js';
import type { RoundDependencies } from './context.js';
import { asActivity } from './index.js';

export function createAutoCorrectActivities(deps: RoundDependencies) {
  return {
    prepareAutoCorrection: (input: PrepareAutoCorrectionInput): Promise<PrepareAutoCorrectionResult> => asActivity((context) => prepareAutoCorrection(deps, input, context)),
    applyAutoCorrections: (input: ApplyAutoCorrectionsInput): Promise<ApplyAutoCorrectionsResult> => asActivity((context) => applyAutoCorrections(deps, input, context)),
  };
}
