/**
 * Scores images in parallel on worker threads, for the CLI and for activities that score a shard.
 * Each worker keeps one scoring workspace; inputs are transferred to it (or shared, when they live
 * in a SharedArrayBuffer) and the scores are transferred back, so nothing large is copied.
 * `scoreImages` bounds memory by pulling a new image from its source only while fewer than
 * `maxInFlight` images are queued or being scored.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InputError } from '../common/errors.js';
import type { ImageScores } from '../engine/score-image.js';
import type { Mode, SuperpixelMap } from '../engine/types.js';
import type { PngSource, ScoreReply, ScoreRequest, SoftLabelSource } from './protocol.js';

export type { PngSource, SoftLabelSource } from './protocol.js';

/**
 * One image to score. Inputs may be decoded arrays or file bytes (`.npy`, PNG) that the worker
 * decodes, which keeps the thread handing out tasks from becoming the bottleneck.
 */
export interface ScoreTask {
  /** Image id, used in error messages and results. */
  readonly image: string;
  readonly softLabels: SoftLabelSource;
  readonly labels: Uint8Array | PngSource;
  readonly superpixels: SuperpixelMap | PngSource;
}

export interface ScoreResult {
  readonly image: string;
  readonly scores: ImageScores;
}

export interface ScoringSettings {
  readonly mode: Mode;
  readonly tau?: number;
}

const workerEntry = new URL('./score-worker-entry.mjs', import.meta.url);

interface Pending {
  readonly request: ScoreRequest;
  readonly transfer: ArrayBuffer[];
  resolve(scores: ImageScores): void;
  reject(error: Error): void;
}

/**
 * The buffer behind `view` when it can be handed over: a whole, non-shared ArrayBuffer. A view on
 * part of a buffer (Node's pooled Buffers are) or on shared memory is sent by copy or shared instead.
 */
function transferable(view: ArrayBufferView, transfer: ArrayBuffer[]): void {
  const buffer = view.buffer;
  if (buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength && !transfer.includes(buffer)) transfer.push(buffer);
}

function errorFrom(reply: { input: boolean; message: string }): Error {
  return reply.input ? new InputError(reply.message) : new Error(reply.message);
}

export class ScorePool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private nextJob = 0;
  private closed = false;

  /** `threads`: number of worker threads, default every core. */
  constructor(readonly threads = availableParallelism()) {
    if (!Number.isInteger(threads) || threads < 1) throw new InputError(`--threads must be a positive integer, got ${threads}`);
    for (let i = 0; i < threads; i++) this.idle.push(this.spawn());
  }

  private spawn(): Worker {
    const worker = new Worker(workerEntry);
    worker.on('message', (reply: ScoreReply) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      this.idle.push(worker);
      if (pending !== undefined) {
        if ('error' in reply) pending.reject(errorFrom(reply.error));
        else pending.resolve(reply.scores);
      }
      this.dispatch();
    });
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(worker, new Error(`score worker exited with code ${code}`));
    });
    return worker;
  }

  /** A crashed worker fails its job and is replaced, so one bad image cannot stall the pool. */
  private fail(worker: Worker, error: Error): void {
    const idleAt = this.idle.indexOf(worker);
    // 'error' is followed by 'exit': handle a worker once.
    if (!this.busy.has(worker) && idleAt < 0) return;
    const pending = this.busy.get(worker);
    this.busy.delete(worker);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    pending?.reject(error);
    if (this.closed) return;
    void worker.terminate();
    this.idle.push(this.spawn());
    this.dispatch();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      const pending = this.queue.shift() as Pending;
      this.busy.set(worker, pending);
      worker.postMessage(pending.request, pending.transfer);
    }
  }

  /** Scores one image. Its arrays are transferred to the worker: do not use them afterwards. */
  score(task: ScoreTask, settings: ScoringSettings): Promise<ImageScores> {
    if (this.closed) return Promise.reject(new Error('score pool is closed'));
    const transfer: ArrayBuffer[] = [];
    const soft = task.softLabels;
    transferable('npy' in soft ? soft.npy : soft.data, transfer);
    transferable('png' in task.labels ? task.labels.png : task.labels, transfer);
    transferable('png' in task.superpixels ? task.superpixels.png : task.superpixels, transfer);
    const request: ScoreRequest = { job: this.nextJob++, ...task, mode: settings.mode, tau: settings.tau ?? 0 };
    return new Promise((resolve, reject) => {
      this.queue.push({ request, transfer, resolve, reject });
      this.dispatch();
    });
  }

  /** Number of images queued or being scored. */
  get pending(): number {
    return this.queue.length + this.busy.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    const error = new Error('score pool closed');
    for (const pending of this.queue.splice(0)) pending.reject(error);
    for (const pending of this.busy.values()) pending.reject(error);
    const workers = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    this.busy.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export interface ScoreImagesOptions extends ScoringSettings {
  /** Worker threads; default every core. */
  readonly threads?: number;
  /** Images loaded but not yet scored, at most; default twice the threads. */
  readonly maxInFlight?: number;
}

/**
 * Scores every image of `source` on a pool of worker threads, yielding results as they complete
 * (not in source order). Memory stays bounded: the source is read only while fewer than
 * `maxInFlight` images are in flight. The first failure stops the run and is thrown.
 */
export async function* scoreImages(source: AsyncIterable<ScoreTask> | Iterable<ScoreTask>, options: ScoreImagesOptions): AsyncGenerator<ScoreResult> {
  const pool = new ScorePool(options.threads);
  const maxInFlight = options.maxInFlight ?? pool.threads * 2;
  // Outcomes never reject, so a failure while the source is being read is not an unhandled rejection.
  type Outcome = { key: number; result: ScoreResult } | { key: number; error: unknown };
  const inFlight = new Map<number, Promise<Outcome>>();
  let key = 0;
  const next = async (): Promise<ScoreResult> => {
    const outcome = await Promise.race(inFlight.values());
    inFlight.delete(outcome.key);
    if ('error' in outcome) throw outcome.error;
    return outcome.result;
  };
  try {
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new InputError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
    for await (const task of source) {
      const k = key++;
      inFlight.set(
        k,
        pool.score(task, options).then(
          (scores): Outcome => ({ key: k, result: { image: task.image, scores } }),
          (error: unknown): Outcome => ({ key: k, error }),
        ),
      );
      if (inFlight.size >= maxInFlight) yield await next();
    }
    while (inFlight.size > 0) yield await next();
  } finally {
    await pool.close();
  }
}
