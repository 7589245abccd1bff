/**
 * One measurement of the acquisition benchmark, in its own process so that its peak RSS is its own.
 * Argument: a JSON `ChildJob`; prints one JSON `ChildResult` line.
 */
import { readFileSync } from 'node:fs';
import { forEachConcurrently } from '../datasets/concurrency.js';
import { ScorePool, type ScoreTask } from '../engine-parallel/score-pool.js';
import { decodeSoftLabels } from '../engine/npy.js';
import { ScoringWorkspace, scoreImage } from '../engine/score-image.js';
import type { ImageInput, Mode } from '../engine/types.js';

export interface ChildJob {
  /**
   * single: scoreImage on this thread, P decoded into the kernel's memory; pool: the worker pool on
   * decoded arrays in shared memory (each worker copies P into its kernel);
   * files: the pool on file bytes (.npy and PNGs) decoded in the workers, as `alc acquire` runs it.
   */
  readonly kind: 'single' | 'pool' | 'files';
  /**
   * Path prefix of `<prefix>.npy`, `<prefix>.u8` (labels), `<prefix>.u16` (superpixels), and
   * `<prefix>-labels.png` and `<prefix>-superpixels.png`.
   */
  readonly prefix: string;
  readonly mode: Mode;
  /** single: timed repetitions (after warm-up); pool, files: images scored. */
  readonly repeats: number;
  readonly threads: number;
}

export interface ChildResult {
  /** single: per-image milliseconds of each repetition; pool: one wall time for all images. */
  readonly ms: number[];
  readonly peakRssMB: number;
}

/** A copy of `source` in shared memory, which worker threads read without a copy of their own. */
function inSharedMemory<A extends Float32Array | Uint8Array | Uint16Array>(source: A, make: (buffer: SharedArrayBuffer) => A): A {
  const target = make(new SharedArrayBuffer(source.byteLength));
  target.set(source);
  return target;
}

function load(prefix: string, shared: boolean, softLabelsInto?: (count: number) => Float32Array): ImageInput {
  const soft = decodeSoftLabels(readFileSync(`${prefix}.npy`), `${prefix}.npy`, softLabelsInto);
  const labels: Uint8Array = new Uint8Array(readFileSync(`${prefix}.u8`));
  const superpixelBytes = readFileSync(`${prefix}.u16`);
  const superpixels: Uint16Array = new Uint16Array(superpixelBytes.buffer.slice(superpixelBytes.byteOffset, superpixelBytes.byteOffset + superpixelBytes.byteLength));
  const image: ImageInput = { classes: soft.classes, height: soft.height, width: soft.width, softLabels: soft.data, labels, superpixels };
  if (!shared) return image;
  return {
    ...image,
    softLabels: inSharedMemory<Float32Array>(soft.data, (b) => new Float32Array(b)),
    labels: inSharedMemory<Uint8Array>(labels, (b) => new Uint8Array(b)),
    superpixels: inSharedMemory<Uint16Array>(superpixels, (b) => new Uint16Array(b)),
  };
}

async function measure(job: ChildJob): Promise<number[]> {
  if (job.kind === 'single') {
    // P decoded straight into the kernel's memory, as the pool's workers do: scoring reads it there.
    const workspace = new ScoringWorkspace();
    const image = load(job.prefix, false, (count) => workspace.softLabelsArea(count));
    const count = image.softLabels.length;
    const input = (): ImageInput => ({ ...image, softLabels: workspace.softLabelsArea(count) });
    for (let i = 0; i < 3; i++) scoreImage(input(), { mode: job.mode }, workspace);
    return Array.from({ length: job.repeats }, () => {
      const next = input();
      const start = performance.now();
      scoreImage(next, { mode: job.mode }, workspace);
      return performance.now() - start;
    });
  }
  const pool = new ScorePool(job.threads);
  try {
    let task: (i: number) => ScoreTask;
    if (job.kind === 'pool') {
      // Shared memory lets every task read the same image without copying it per task.
      const image = load(job.prefix, true);
      task = (i) => ({
        image: `img${i}`,
        softLabels: { data: image.softLabels, classes: image.classes, height: image.height, width: image.width },
        labels: image.labels,
        superpixels: image.superpixels,
      });
    } else {
      // Each task gets its own copy of the file bytes, as reading the files would, handed over to a worker.
      const [npy, labels, superpixels] = [`${job.prefix}.npy`, `${job.prefix}-labels.png`, `${job.prefix}-superpixels.png`].map((file) => readFileSync(file));
      task = (i) => ({
        image: `img${i}`,
        softLabels: { npy: new Uint8Array(npy), file: 'img.npy' },
        labels: { png: new Uint8Array(labels), file: 'labels.png' },
        superpixels: { png: new Uint8Array(superpixels), file: 'superpixels.png' },
      });
    }
    // At most two images per thread queued or being scored, as `alc acquire` does: a task's bytes
    // are made (read) only when there is room for it.
    const run = (images: number) =>
      forEachConcurrently(Array.from({ length: images }, (_, i) => i), job.threads * 2, async (i) => {
        await pool.score(task(i), { mode: job.mode });
      });
    await run(job.threads * 2);
    const start = performance.now();
    await run(job.repeats);
    return [performance.now() - start];
  } finally {
    await pool.close();
  }
}

/**
 * Peak resident set of this process. Linux's VmHWM belongs to the process image, whereas
 * getrusage's maxrss also carries the RSS of the parent that forked it.
 */
function peakRssMB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm !== null) return Number(hwm[1]) / 1024;
  } catch {
    // Not Linux: fall back to getrusage.
  }
  return process.resourceUsage().maxRSS / 1024;
}

const job = JSON.parse(process.argv[2] ?? '{}') as ChildJob;
const ms = await measure(job);
const result: ChildResult = { ms, peakRssMB: peakRssMB() };
console.log(JSON.stringify(result));
