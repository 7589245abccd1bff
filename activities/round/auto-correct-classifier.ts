/**
 * The trained A2LC label-correction classifier at inference time: its ONNX model (features
 * `[batch, C]` -> logits `[batch, C]`) run by onnxruntime on the CPU, and the softmax's argmax and
 * confidence per superpixel. The network is F -> 256 -> 128 -> 64 -> C: a few hundred thousand
 * multiply-adds per superpixel, so a CPU worker judges a whole campaign's superpixels in seconds
 * and no GPU is worth holding for it (the work around it, label maps in and out, is CPU work).
 */
import ort from 'onnxruntime-node';
import { z } from 'zod';
import { InputError } from '../../common/errors.js';
import { loadSession } from '../../inference/onnx-session.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';

const ClassifierMetadataSchema = z.looseObject({
  kind: z.literal('label-correction-classifier'),
  inputName: z.string().min(1),
  outputName: z.string().min(1),
  numClasses: z.number().int().min(2),
  featureDim: z.number().int().min(1),
});

/** Rows judged per onnxruntime run: bounds the tensors in memory whatever the campaign's size. */
const BATCH_ROWS = 4096;

export interface Judgements {
  /** Per row: the class of the largest logit (ties: smallest id). */
  predicted: Uint8Array;
  /** Per row: its softmax probability. */
  confidence: Float64Array;
}

/**
 * Softmax argmax of `rows` rows of `classes` logits, in float64: confidence = 1 / sum_j
 * exp(l_j - l_max). Non-finite logits are an error (a broken model must not relabel anything).
 */
export function judgeLogits(logits: Float32Array, rows: number, classes: number, out: Judgements, offset = 0): void {
  if (logits.length !== rows * classes) throw new InputError(`classifier output has ${logits.length} values, expected ${rows} x ${classes}`);
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    let best = 0;
    let max = logits[base];
    for (let c = 0; c < classes; c++) {
      const value = logits[base + c];
      if (!Number.isFinite(value)) throw new InputError(`classifier output row ${offset + r} is not finite`);
      if (value > max) {
        max = value;
        best = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[base + c] - max);
    out.predicted[offset + r] = best;
    out.confidence[offset + r] = 1 / sum;
  }
}

export class LabelCorrector {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    private readonly outputName: string,
    readonly classes: number,
  ) {}

  /** Loads `model.onnx` with the `metrics.json` the trainer published beside it, checked against C. */
  static async load(store: ArtifactStore, prefix: string, classes: number): Promise<LabelCorrector> {
    const metricsKey = `${prefix}metrics.json`;
    const metadata = await store.getJson(metricsKey, ClassifierMetadataSchema);
    if (metadata.numClasses !== classes || metadata.featureDim !== classes) {
      throw new InputError(`${store.uri(metricsKey)}: the classifier maps ${metadata.featureDim} features to ${metadata.numClasses} classes, the dataset has ${classes} classes`);
    }
    // One intra-op thread: a CPU worker runs several activities at once, and the model is tiny.
    const { session } = await loadSession(store.uri(`${prefix}model.onnx`), () => store.getBytes(`${prefix}model.onnx`), { provider: 'cpu', intraOpThreads: 1 });
    return new LabelCorrector(session, metadata.inputName, metadata.outputName, classes);
  }

  /** Judges the rows `rows` of a row-major `features` matrix (C columns), in the order given. */
  async judge(features: Float32Array, rows: readonly number[]): Promise<Judgements> {
    const C = this.classes;
    const out: Judgements = { predicted: new Uint8Array(rows.length), confidence: new Float64Array(rows.length) };
    for (let start = 0; start < rows.length; start += BATCH_ROWS) {
      const count = Math.min(BATCH_ROWS, rows.length - start);
      const batch = new Float32Array(count * C);
      for (let i = 0; i < count; i++) batch.set(features.subarray(rows[start + i] * C, (rows[start + i] + 1) * C), i * C);
      const result = await this.session.run({ [this.inputName]: new ort.Tensor('float32', batch, [count, C]) });
      const logits = result[this.outputName];
      if (logits === undefined || logits.type !== 'float32') throw new InputError(`the classifier has no float32 output "${this.outputName}"`);
      judgeLogits(logits.data as Float32Array, count, C, out, start);
    }
    return out;
  }
}
