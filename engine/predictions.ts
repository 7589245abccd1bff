/**
 * The model's hard prediction A(x) = argmax_c P[c, x], ties to the smallest class id (spec,
 * "Per-pixel quantities"): what model mIoU compares to the ground truth.
 */
export function argmaxLabels(softLabels: Float32Array, classes: number, pixels: number, out = new Uint8Array(pixels)): Uint8Array {
  // Class-major sweep: each plane is read once, contiguously; a strict `>` keeps the smaller id on ties.
  const best = new Float32Array(softLabels.buffer, softLabels.byteOffset, pixels).slice();
  out.fill(0);
  for (let c = 1; c < classes; c++) {
    const base = c * pixels;
    for (let x = 0; x < pixels; x++) {
      const p = softLabels[base + x];
      if (p > best[x]) {
        best[x] = p;
        out[x] = c;
      }
    }
  }
  return out;
}

/**
 * Per-class pixel counts of the working labels over superpixels that were not queried in an
 * earlier round (255 and superpixel 0 not counted): the n_c of A2LC's class-balanced weights,
 * computable from L and S alone, before any soft label exists.
 */
export function addUnqueriedLabelTotals(
  totals: Float64Array,
  labels: Uint8Array,
  superpixels: Uint8Array | Uint16Array | Uint32Array,
  queried?: ReadonlySet<number>,
): void {
  const classes = totals.length;
  for (let x = 0; x < labels.length; x++) {
    const id = superpixels[x];
    const label = labels[x];
    if (id === 0 || label >= classes || (queried !== undefined && queried.has(id))) continue;
    totals[label]++;
  }
}
