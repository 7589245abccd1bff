/**
 * COCO run-length encoding, bit for bit as pycocotools writes it (`maskApi.c`), so that
 * `pycocotools.mask.decode`, Detectron2, MMDetection/MMSegmentation and CVAT read our masks.
 *
 * A binary mask of H x W is walked in column-major (Fortran) order; `counts` alternates runs of
 * 0s and 1s and always starts with a run of 0s (possibly empty). The compressed form
 * (`rleToString`) is pycocotools' LEB128 variant: each count, from the fourth on, is stored as
 * the difference to the count two before it, in 5-bit groups, least significant first, one
 * character (48 + group, +32 when more groups follow) per group, the last group sign-extended.
 */
import type { LabelMap } from '../datasets/png.js';

/** `[x, y, width, height]` in pixels, as COCO's `bbox`. */
export type BBox = [number, number, number, number];

/** One class's mask in one label map. */
export interface ClassRle {
  classId: number;
  /** Uncompressed COCO counts (column-major runs, starting with 0s). */
  counts: number[];
  /** Pixels of the class. */
  area: number;
  /** The tightest box around them (what `pycocotools.mask.toBbox` returns). */
  bbox: BBox;
}

/**
 * Every class present in `labels` (ascending id; `skip`, typically 255 = ignore, left out) as
 * COCO RLE, in one column-major pass over the map: the runs of equal labels are found once and
 * each run is appended to its class's counts, so the cost is one pass whatever the class count.
 */
export function encodeClassRles(labels: LabelMap, skip?: number): ClassRle[] {
  const { width: w, height: h, data } = labels;
  const size = w * h;
  if (size === 0) return [];
  const counts: (number[] | undefined)[] = new Array<number[] | undefined>(256);
  const lastEnd = new Float64Array(256);
  const area = new Float64Array(256);
  const minX = new Int32Array(256).fill(w);
  const maxX = new Int32Array(256).fill(-1);
  const minY = new Int32Array(256).fill(h);
  const maxY = new Int32Array(256).fill(-1);

  // A run of `value` over column-major positions [start, end).
  const closeRun = (value: number, start: number, end: number) => {
    if (value === skip) return;
    const runs = (counts[value] ??= []);
    runs.push(start - lastEnd[value], end - start);
    lastEnd[value] = end;
    area[value] += end - start;
    const x0 = Math.floor(start / h);
    const x1 = Math.floor((end - 1) / h);
    if (x0 < minX[value]) minX[value] = x0;
    if (x1 > maxX[value]) maxX[value] = x1;
    // A run that wraps into the next column covers the last row of one and the first of the next.
    const y0 = x0 === x1 ? start - x0 * h : 0;
    const y1 = x0 === x1 ? end - 1 - x1 * h : h - 1;
    if (y0 < minY[value]) minY[value] = y0;
    if (y1 > maxY[value]) maxY[value] = y1;
  };

  let current = data[0];
  let start = 0;
  let position = 0;
  for (let x = 0; x < w; x++) {
    for (let y = 0, i = x; y < h; y++, i += w, position++) {
      const value = data[i];
      if (value !== current) {
        closeRun(current, start, position);
        current = value;
        start = position;
      }
    }
  }
  closeRun(current, start, size);

  const result: ClassRle[] = [];
  for (let value = 0; value < 256; value++) {
    const runs = counts[value];
    if (runs === undefined) continue;
    if (lastEnd[value] < size) runs.push(size - lastEnd[value]);
    result.push({ classId: value, counts: runs, area: area[value], bbox: [minX[value], minY[value], maxX[value] - minX[value] + 1, maxY[value] - minY[value] + 1] });
  }
  return result;
}

/** pycocotools' `rleToString`: uncompressed counts to the compressed `counts` string. */
export function rleToString(counts: readonly number[]): string {
  let out = '';
  for (let i = 0; i < counts.length; i++) {
    // Doubles, not 32-bit bit operations: a difference may be negative and counts may pass 2^31.
    let x = i > 2 ? counts[i] - counts[i - 2] : counts[i];
    for (let more = true; more; ) {
      const group = ((x % 32) + 32) % 32;
      x = (x - group) / 32;
      more = group & 0x10 ? x !== -1 : x !== 0;
      out += String.fromCharCode(48 + group + (more ? 0x20 : 0));
    }
  }
  return out;
}

/** pycocotools' `rleFrString`: the compressed string back to counts. */
export function rleFromString(text: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let k = 0;
    for (let more = true; more; k++, p++) {
      if (p >= text.length) throw new RangeError(`RLE string ends inside a count (at character ${p})`);
      const c = text.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new RangeError(`RLE string: character ${JSON.stringify(text[p])} at ${p} is outside "0".."o"`);
      x += (c & 0x1f) * 32 ** k;
      more = (c & 0x20) !== 0;
      if (!more && c & 0x10) x -= 32 ** (k + 1);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/** Counts back to a row-major H x W mask of 0/1 (pycocotools' `decode`, transposed to row-major). */
export function decodeRle(counts: readonly number[], height: number, width: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  let position = 0;
  for (let run = 0; run < counts.length; run++) {
    const end = position + counts[run];
    if (end > mask.length) throw new RangeError(`RLE counts cover more than ${height}x${width} pixels`);
    if (run % 2 === 1) {
      for (let t = position; t < end; t++) {
        const x = Math.floor(t / height);
        mask[(t - x * height) * width + x] = 1;
      }
    }
    position = end;
  }
  if (position !== mask.length) throw new RangeError(`RLE counts cover ${position} pixels, expected ${height}x${width} = ${mask.length}`);
  return mask;
}
