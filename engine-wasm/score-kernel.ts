/**
 * Loader of the WebAssembly SIMD scoring kernel: `score-kernel.wasm`, built from
 * `assembly/score.ts` by `scripts/build-wasm.sh` (see README.md). A `ScoreKernel` is one instance
 * with its own linear memory, reused from image to image (it grows to the largest image seen and
 * stays there): one per thread, never shared.
 *
 * `score` copies P (unless it is already there, see `softLabelsArea`), L and S into the memory,
 * lays out every intermediate array after them, describes the layout in a parameter block at
 * address 0 and runs the kernel; the results are copied out, so they own their buffers. The kernel
 * trusts the layout: inputs are validated by the caller (engine/score-image.ts), except what needs
 * a pass over the pixels (label range, finite soft labels), which the kernel reports as a
 * `KernelError`.
 */
import { DENSE_ID_LIMIT, compactSuperpixels } from '../engine/superpixel-index.js';
import type { ImageInput } from '../engine/types.js';
import { instantiate, reserveMemory, type WasmMemory } from './wasm-module.js';

export { KernelMemoryError } from './wasm-module.js';

/** Slots (32-bit) of the parameter block; the same numbers as in assembly/score.ts. */
const Slot = {
  classes: 0, pixels: 1, superpixels: 2, a2lc: 3, softLabels: 4, labels: 5, index: 6, argmax: 7, norm: 8, expansionOut: 9,
  pairRow: 10, dominantCounts: 11, labelCounts: 12, dominantLabelCounts: 13, rowCounts: 14, rowSums: 15, dominant: 16,
  vectors: 17, vectorNorms: 18, bestCos: 19, representative: 20, expansionCount: 21, errorSum: 22, simSum: 23, classTerms: 24,
  outPixels: 25, outLabel: 26, outDominant: 27, outPixelScore: 28, outCil: 29, outSim: 30, scratch: 31, errorPixel: 32,
  /** float64, slots 34-35. */
  tau: 34,
  superpixelMap: 36, idBytes: 37, largestId: 38, idTable: 39, idsOut: 40, vectors32: 41,
} as const;
type Region = Exclude<keyof typeof Slot, 'classes' | 'pixels' | 'superpixels' | 'a2lc' | 'tau' | 'errorPixel' | 'idBytes' | 'largestId'>;

const PARAMS_AT = 0;
const PARAM_SLOTS = 64;
const ARRAYS_AT = 1024;

/** Why the kernel stopped, at `pixel` (the first such pixel in row-major order). */
export interface KernelError {
  readonly error: 'label-out-of-range' | 'not-finite';
  readonly pixel: number;
}

/** Per superpixel i, in increasing id order (the arrays of `ImageScores`, engine/score-image.ts). */
export interface KernelScores {
  /** Every superpixel id present in S except 0, ascending. */
  readonly superpixelIds: Uint32Array;
  /** |R|. */
  readonly pixels: Uint32Array;
  /** |E|; 0 means the superpixel has no score and is never a candidate. */
  readonly expansion: Uint32Array;
  /** d. */
  readonly dominant: Uint8Array;
  /** r as a row-major pixel index; -1 when no pixel of D has a cosine to m. */
  readonly representative: Int32Array;
  /** q; meaningful where `representative >= 0`. */
  readonly label: Uint8Array;
  /** The scores; NaN where `expansion` is 0. */
  readonly pixelScore: Float64Array;
  readonly cil: Float64Array;
  readonly sim: Float64Array;
  /** n x C: sum over the pixels x of E with u(x) = c of cos(P(x), v) * e(x). */
  readonly classTerms: Float64Array;
  /** n x C: pixels of R whose working label is c (255 not counted); feeds the class weights. */
  readonly labelCounts: Uint32Array;
}

export interface KernelSettings {
  readonly a2lc: boolean;
  readonly tau: number;
  /** When given (hw entries), receives the index (into the results) of the superpixel whose E holds the pixel, or -1. */
  readonly expansionOut: Int32Array | null;
}

interface KernelExports {
  readonly memory: WasmMemory;
  score(params: number): number;
  compact(params: number): number;
  largestId(map: number, idBytes: number, pixels: number): number;
}

export class ScoreKernel {
  private readonly wasm: KernelExports;
  private readonly at = new Map<Region, number>();
  private end = ARRAYS_AT;

  constructor() {
    this.wasm = instantiate<KernelExports>(new URL('./score-kernel.wasm', import.meta.url));
  }

  /**
   * The place in the kernel's memory where `score` reads P from, `count` values long: soft labels
   * written here (e.g. decoded from a .npy file) and passed as `softLabels` are scored without a
   * copy. The view is valid until the memory grows, which `score` may do; the values stay until
   * soft labels from elsewhere are scored, so calling this again gives a view of them.
   * Throws KernelMemoryError when they do not fit.
   */
  softLabelsArea(count: number): Float32Array {
    this.placeSoftLabels(count);
    this.reserve();
    return new Float32Array(this.buffer, this.address('softLabels'), count);
  }

  /** Scores one validated image. Throws KernelMemoryError when it does not fit. */
  score(input: ImageInput, settings: KernelSettings): KernelScores | KernelError {
    const { classes: C, softLabels, labels, superpixels } = input;
    const hw = input.height * input.width;
    const idBytes = superpixels.BYTES_PER_ELEMENT;
    this.placeSoftLabels(C * hw);
    // Checked before the memory may grow, which detaches the caller's view of it.
    const inPlace = softLabels.buffer === this.buffer && softLabels.byteOffset === this.address('softLabels');
    // Padding after the per-pixel maps: the last group of eight reads a vector past the end.
    this.place('labels', hw + 16);
    this.place('index', hw * 4 + 32);
    this.place('argmax', hw + 16);
    this.place('norm', hw * 8 + 64);
    this.place('expansionOut', settings.expansionOut === null ? 0 : hw * 4);
    this.place('superpixelMap', hw * idBytes + 32);
    this.place('scratch', 2176);
    this.reserve();
    if (!inPlace) new Float32Array(this.buffer, this.address('softLabels'), C * hw).set(softLabels);
    new Uint8Array(this.buffer, this.address('labels'), hw).set(labels);
    const map = this.address('superpixelMap');
    if (superpixels instanceof Uint8Array) new Uint8Array(this.buffer, map, hw).set(superpixels);
    else if (superpixels instanceof Uint16Array) new Uint16Array(this.buffer, map, hw).set(superpixels);
    else new Uint32Array(this.buffer, map, hw).set(superpixels);

    const largest = this.wasm.largestId(map, idBytes, hw) >>> 0;
    let ids: Uint32Array;
    if (largest < DENSE_ID_LIMIT) {
      this.place('idTable', (largest + 1) * 4);
      this.place('idsOut', Math.min(largest, hw) * 4);
      this.reserve();
      const params = this.params(C, hw);
      params[Slot.idBytes] = idBytes;
      params[Slot.largestId] = largest;
      const n = this.wasm.compact(PARAMS_AT);
      ids = new Uint32Array(this.buffer, this.address('idsOut'), n).slice();
    } else {
      // Ids too large for a dense table: the sorted-id path of the TypeScript compaction.
      ids = compactSuperpixels(superpixels, new Int32Array(this.buffer, this.address('index'), hw), new Int32Array(0)).ids;
    }
    return this.run(C, hw, ids, settings);
  }

  private run(C: number, hw: number, ids: Uint32Array, settings: KernelSettings): KernelScores | KernelError {
    const n = ids.length;
    const slots = n + 1;
    const cells = slots * C;
    // Rows of class sums: one per (superpixel, predicted class) pair that holds a pixel, a zero row and a spare.
    const rows = Math.min(n * C, hw) + 2;
    this.place('pairRow', cells * 4);
    this.place('dominantCounts', cells * 4);
    this.place('labelCounts', cells * 4);
    this.place('dominantLabelCounts', slots * (C + 1) * 4);
    this.place('rowCounts', rows * 4);
    this.place('rowSums', rows * (C + (C & 1)) * 8);
    this.place('dominant', slots * 4);
    this.place('vectors', cells * 8);
    this.place('vectors32', cells * 4);
    this.place('vectorNorms', slots * 8);
    this.place('bestCos', slots * 8);
    this.place('representative', slots * 4);
    this.place('expansionCount', slots * 4);
    this.place('errorSum', slots * 8);
    this.place('simSum', slots * 8);
    this.place('classTerms', cells * 8);
    this.place('outPixels', n * 4);
    this.place('outLabel', n);
    this.place('outDominant', n);
    this.place('outPixelScore', n * 8);
    this.place('outCil', n * 8);
    this.place('outSim', n * 8);
    this.reserve();
    const params = this.params(C, hw);
    params[Slot.superpixels] = n;
    params[Slot.a2lc] = settings.a2lc ? 1 : 0;
    new Float64Array(this.buffer, PARAMS_AT + Slot.tau * 4, 1)[0] = settings.tau;

    const code = this.wasm.score(PARAMS_AT);
    if (code !== 0) return { error: code === 1 ? 'label-out-of-range' : 'not-finite', pixel: params[Slot.errorPixel] };
    const buffer = this.buffer;
    if (settings.expansionOut !== null) settings.expansionOut.set(new Int32Array(buffer, this.address('expansionOut'), hw));
    const u8 = (name: Region) => new Uint8Array(buffer, this.address(name), n).slice();
    const u32 = (name: Region, from: number, length: number) => new Uint32Array(buffer, this.address(name) + from * 4, length).slice();
    const f64 = (name: Region, from: number, length: number) => new Float64Array(buffer, this.address(name) + from * 8, length).slice();
    return {
      superpixelIds: ids,
      pixels: u32('outPixels', 0, n),
      // Per-superpixel work arrays are indexed by k = 1..n.
      expansion: u32('expansionCount', 1, n),
      dominant: u8('outDominant'),
      representative: new Int32Array(buffer, this.address('representative') + 4, n).slice(),
      label: u8('outLabel'),
      pixelScore: f64('outPixelScore', 0, n),
      cil: f64('outCil', 0, n),
      sim: f64('outSim', 0, n),
      classTerms: f64('classTerms', C, n * C),
      labelCounts: u32('labelCounts', C, n * C),
    };
  }

  /** Starts a new layout with P first, so that it has the same address for every image. */
  private placeSoftLabels(count: number): void {
    this.at.clear();
    this.end = ARRAYS_AT;
    this.place('softLabels', count * 4);
  }

  private get buffer(): ArrayBuffer {
    return this.wasm.memory.buffer;
  }

  /** The parameter block with every placed region and the image size written in. */
  private params(C: number, hw: number): Uint32Array {
    const params = new Uint32Array(this.buffer, PARAMS_AT, PARAM_SLOTS);
    for (const [name, address] of this.at) params[Slot[name]] = address;
    params[Slot.classes] = C;
    params[Slot.pixels] = hw;
    return params;
  }

  /** Places a region of `bytes` (0: absent, address 0) after the previous one, 16-byte aligned. */
  private place(name: Region, bytes: number): void {
    if (bytes === 0) {
      this.at.set(name, 0);
      return;
    }
    const at = Math.ceil(this.end / 16) * 16;
    this.at.set(name, at);
    this.end = at + bytes;
  }

  private address(name: Region): number {
    return this.at.get(name) as number;
  }

  /** Grows the memory to hold every placed region. */
  private reserve(): void {
    reserveMemory(this.wasm.memory, this.end);
  }
}
