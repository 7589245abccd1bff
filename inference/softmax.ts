/**
 * Per-pixel softmax over the class axis of one C x H x W logits block, in place: the soft labels
 * P of the spec. Accumulates in float64 and subtracts the per-pixel maximum for stability.
 * `scratch` holds one float64 per pixel (reused across calls, no per-pixel allocation).
 */
export function softmaxInPlace(logits: Float32Array, offset: number, classes: number, plane: number, scratch: Float64Array): void {
  const max = scratch.subarray(0, plane);
  max.fill(-Infinity);
  for (let c = 0; c < classes; c++) {
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) if (logits[base + i] > max[i]) max[i] = logits[base + i];
  }
  // Exponentials overwrite the logits; the sums live in a second scratch half.
  const sum = scratch.subarray(plane, 2 * plane);
  sum.fill(0);
  for (let c = 0; c < classes; c++) {
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) {
      const e = Math.exp(logits[base + i] - max[i]);
      logits[base + i] = e;
      sum[i] += e;
    }
  }
  for (let c = 0; c < classes; c++) {
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) logits[base + i] = logits[base + i] / sum[i];
  }
}
