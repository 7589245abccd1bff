/**
 * Loader of the WebAssembly SIMD softmax (`softmax.wasm`, built from `assembly/softmax.ts` by
 * `scripts/build-wasm.sh`): one instance per thread, created on first use, whose memory grows to
 * the largest block seen and stays there.
 */
import { instantiate, reserveMemory, type WasmMemory } from './wasm-module.js';

interface SoftmaxExports {
  readonly memory: WasmMemory;
  softmax(logits: number, classes: number, plane: number, scratch: number): void;
}

/** Where the block goes in the module's memory (past AssemblyScript's static data). */
const BLOCK_AT = 1024;

let instance: SoftmaxExports | undefined;

/**
 * Per-pixel softmax over the class axis of the C x H x W logits block at `offset` in `values`
 * (`classes` planes of `plane` values), in place: the soft labels P of the spec from a model's
 * output. The largest logit is subtracted for stability, exp is a float32 one within 1 ulp, the
 * sums are float64, and the results are the same on every machine (assembly/softmax.ts). Throws
 * KernelMemoryError when the block does not fit in WebAssembly memory.
 */
export function softmaxInPlace(values: Float32Array, offset: number, classes: number, plane: number): void {
  instance ??= instantiate<SoftmaxExports>(new URL('./softmax.wasm', import.meta.url));
  const count = classes * plane;
  const scratchAt = BLOCK_AT + Math.ceil((count * 4) / 16) * 16;
  // Maxima (float32) and reciprocal sums (float64) per pixel, for whole groups of four.
  const groups = Math.ceil(plane / 4) * 4;
  reserveMemory(instance.memory, scratchAt + groups * 12);
  const block = new Float32Array(instance.memory.buffer, BLOCK_AT, count);
  block.set(values.subarray(offset, offset + count));
  instance.softmax(BLOCK_AT, classes, plane, scratchAt);
  values.set(block, offset);
}
