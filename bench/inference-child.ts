/**
 * One measurement of the inference benchmark, in its own process so that its peak RSS and its
 * onnxruntime session are its own. Argument: a JSON `InferenceChildJob`; prints one JSON
 * `InferenceChildResult` line.
 *
 * Variants (batch 1, images in order, one warm-up of the variant itself on the first image first):
 * - `model`: images decoded beforehand; timed: normalisation, `session.run`, softmax. The region
 *   PyTorch eager is timed over in torch_predict.py (which also normalises before timing).
 * - `inference`: read the PNG, decode (sharp), normalise, run, softmax: soft labels, then dropped.
 * - `fused`: `inference`, then the working labels and superpixels are read and decoded and the
 *   engine scores the superpixels on the probabilities in place (the activity's path).
 * - `separate`: `inference` with each image's soft labels written as .npy, then a second phase
 *   reads each .npy back and scores it (the two-step path that the fused one replaces).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeLabelPng, decodeSuperpixelPng } from '../datasets/png.js';
import { decodeSoftLabels, encodeFloat32Npy } from '../engine/npy.js';
import { ScoringWorkspace, scoreImage } from '../engine/score-image.js';
import type { Mode } from '../engine/types.js';
import { SegmentationModelMetadataSchema } from '../inference/model-metadata.js';
import { loadSession, type ExecutionProvider } from '../inference/onnx-session.js';
import { decodeRgb, type DecodedImage } from '../inference/preprocess.js';
import { segmentBatch, type SoftLabels } from '../inference/segment.js';
import type { BenchItem } from './inference-models.js';

export type Variant = 'model' | 'inference' | 'fused' | 'separate';

export interface InferenceChildJob {
  readonly variant: Variant;
  /** Holds `model.onnx` and `metrics.json`. */
  readonly modelDir: string;
  readonly items: readonly BenchItem[];
  readonly provider: ExecutionProvider;
  /** onnxruntime intra-op threads. */
  readonly threads: number;
  /** Untimed runs on the first image before timing. */
  readonly warmup: number;
  /** Timed passes over all images. */
  readonly passes: number;
  readonly mode: Mode;
  /** `separate`: where the .npy files go. */
  readonly scratchDir: string;
}

/** Milliseconds of one pass over all images: the wall time and its stages, summed over images. */
export interface PassTiming {
  readonly ms: number;
  /** Read + decode + normalise + run + softmax (`model`: normalise + run + softmax). */
  readonly inferenceMs: number;
  /** Read and decode labels and superpixels, score. */
  readonly scoringMs: number;
  /** Encode and write the .npy files. */
  readonly dumpMs: number;
  /** Read and decode the .npy files. */
  readonly loadMs: number;
}

export interface InferenceChildResult {
  /** The provider the session got (CPU when CUDA was asked for and is missing). */
  readonly provider: string;
  readonly fallback: string | null;
  readonly sessionMs: number;
  readonly passes: PassTiming[];
  /** Superpixels scored per pass (a check that scoring did its work). */
  readonly superpixels: number;
  /** Bytes of .npy written per pass. */
  readonly npyBytes: number;
  readonly peakRssMB: number;
}

/** Peak resident set of this process (VmHWM: getrusage's maxrss may carry the forking parent's). */
function peakRssMB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm !== null) return Number(hwm[1]) / 1024;
  } catch {
    // Not Linux: fall back to getrusage.
  }
  return process.resourceUsage().maxRSS / 1024;
}

async function measure(job: InferenceChildJob): Promise<InferenceChildResult> {
  const metadata = SegmentationModelMetadataSchema.parse(JSON.parse(readFileSync(path.join(job.modelDir, 'metrics.json'), 'utf8')));
  let fallback: string | null = null;
  const sessionStart = performance.now();
  const { session, provider } = await loadSession(job.modelDir, () => Promise.resolve(readFileSync(path.join(job.modelDir, 'model.onnx'))), {
    provider: job.provider,
    intraOpThreads: job.threads,
    onFallback: (message) => (fallback = message),
  });
  const sessionMs = performance.now() - sessionStart;
  const workspace = new ScoringWorkspace();
  if (job.variant === 'separate') mkdirSync(job.scratchDir, { recursive: true });
  const npyPath = (item: BenchItem): string => path.join(job.scratchDir, `${item.id}.npy`);
  const predecoded: DecodedImage[] = job.variant === 'model' ? await Promise.all(job.items.map(async (item) => decodeRgb(readFileSync(item.image)))) : [];

  const segment = async (item: BenchItem): Promise<SoftLabels> => (await segmentBatch(session, metadata, [await decodeRgb(readFileSync(item.image))]))[0];
  const score = async (item: BenchItem, soft: SoftLabels): Promise<number> => {
    const [labels, superpixels] = await Promise.all([decodeLabelPng(readFileSync(item.labels), item.labels), decodeSuperpixelPng(readFileSync(item.superpixels), item.superpixels)]);
    const { classes, height, width } = soft;
    const scores = scoreImage({ classes, height, width, softLabels: soft.probabilities, labels: labels.data, superpixels: superpixels.data }, { mode: job.mode, image: item.id }, workspace);
    return scores.superpixelIds.length;
  };

  let superpixels = 0;
  let npyBytes = 0;
  /** One pass of the variant over `items`. */
  const pass = async (items: readonly BenchItem[]): Promise<PassTiming> => {
    const t = { inferenceMs: 0, scoringMs: 0, dumpMs: 0, loadMs: 0 };
    superpixels = 0;
    npyBytes = 0;
    const start = performance.now();
    for (const [index, item] of items.entries()) {
      let mark = performance.now();
      if (job.variant === 'model') {
        await segmentBatch(session, metadata, [predecoded[index]]);
        t.inferenceMs += performance.now() - mark;
        continue;
      }
      const soft = await segment(item);
      t.inferenceMs += performance.now() - mark;
      mark = performance.now();
      if (job.variant === 'fused') {
        superpixels += await score(item, soft);
        t.scoringMs += performance.now() - mark;
      } else if (job.variant === 'separate') {
        const bytes = encodeFloat32Npy(soft.probabilities, [soft.classes, soft.height, soft.width]);
        writeFileSync(npyPath(item), bytes);
        npyBytes += bytes.byteLength;
        t.dumpMs += performance.now() - mark;
      }
    }
    if (job.variant === 'separate') {
      for (const item of items) {
        let mark = performance.now();
        const file = npyPath(item);
        const soft = decodeSoftLabels(readFileSync(file), file);
        t.loadMs += performance.now() - mark;
        mark = performance.now();
        superpixels += await score(item, { probabilities: soft.data, classes: soft.classes, height: soft.height, width: soft.width });
        t.scoringMs += performance.now() - mark;
      }
    }
    return { ms: performance.now() - start, ...t };
  };

  for (let i = 0; i < job.warmup; i++) await pass(job.items.slice(0, 1));
  const passes: PassTiming[] = [];
  for (let i = 0; i < job.passes; i++) passes.push(await pass(job.items));
  return { provider, fallback, sessionMs, passes, superpixels, npyBytes, peakRssMB: peakRssMB() };
}

const job = JSON.parse(process.argv[2] ?? '{}') as InferenceChildJob;
console.log(JSON.stringify(await measure(job)));
