/**
 * Segmentation metrics (spec, "Metrics"): a confusion matrix over the pixels whose ground truth is
 * not void (rows: truth, columns: label), where a label of 255 is a miss of the true class, and the
 * usual scores derived from it. Used for data mIoU (working labels vs G) and model mIoU
 * (predictions vs G) alike.
 */
import { InputError } from '../common/errors.js';
import { IGNORE_LABEL, MAX_CLASSES } from './types.js';

/** Accumulates over any number of images; counts are float64, exact up to 2^53 pixels. */
export class ConfusionMatrix {
  /** C x C, row-major: counts[truth * C + label]. */
  readonly counts: Float64Array;
  /** Per true class, the pixels labelled 255. */
  readonly missed: Float64Array;

  constructor(readonly classes: number) {
    if (!Number.isInteger(classes) || classes < 1 || classes > MAX_CLASSES) throw new InputError(`number of classes must be in 1..${MAX_CLASSES}, got ${classes}`);
    this.counts = new Float64Array(classes * classes);
    this.missed = new Float64Array(classes);
  }

  /** Adds one image. `image` names it in error messages. */
  add(labels: Uint8Array, groundTruth: Uint8Array, image = 'image', width = labels.length): void {
    const C = this.classes;
    if (labels.length !== groundTruth.length) throw new InputError(`${image}: labels have ${labels.length} pixels, ground truth ${groundTruth.length}`);
    const where = (x: number): string => `(row ${Math.floor(x / width)}, col ${x % width})`;
    for (let x = 0; x < labels.length; x++) {
      const truth = groundTruth[x];
      if (truth === IGNORE_LABEL) continue;
      if (truth >= C) throw new InputError(`${image}: ground truth ${truth} at ${where(x)} is out of range (0..${C - 1} or ${IGNORE_LABEL})`);
      const label = labels[x];
      if (label === IGNORE_LABEL) this.missed[truth]++;
      else if (label >= C) throw new InputError(`${image}: label ${label} at ${where(x)} is out of range (0..${C - 1} or ${IGNORE_LABEL})`);
      else this.counts[truth * C + label]++;
    }
  }

  /** Adds another matrix (e.g. a shard's). */
  merge(other: ConfusionMatrix): void {
    if (other.classes !== this.classes) throw new InputError(`cannot merge confusion matrices of ${other.classes} and ${this.classes} classes`);
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    for (let i = 0; i < this.missed.length; i++) this.missed[i] += other.missed[i];
  }
}

/** Scores in [0, 1]; null where undefined (no pixel to measure). */
export interface SegmentationMetrics {
  readonly overallAcc: number | null;
  /** Mean over the classes present in the ground truth of diag / row. */
  readonly meanAcc: number | null;
  /** Sum over the classes present in the ground truth of (row / total) * IoU. */
  readonly freqWAcc: number | null;
  /** Mean of the defined class IoUs. */
  readonly meanIoU: number | null;
  /** diag / (row + column - diag), null where that is 0 / 0 (class absent from truth and labels). */
  readonly classIoU: (number | null)[];
}

/** Derives the scores; every sum runs over classes in ascending order. */
export function segmentationMetrics(matrix: ConfusionMatrix): SegmentationMetrics {
  const C = matrix.classes;
  const rows = new Float64Array(C);
  const columns = new Float64Array(C);
  for (let t = 0; t < C; t++) {
    for (let l = 0; l < C; l++) {
      rows[t] += matrix.counts[t * C + l];
      columns[l] += matrix.counts[t * C + l];
    }
    rows[t] += matrix.missed[t];
  }
  let total = 0;
  let correct = 0;
  for (let c = 0; c < C; c++) {
    total += rows[c];
    correct += matrix.counts[c * C + c];
  }
  const classIoU: (number | null)[] = [];
  let accSum = 0;
  let accClasses = 0;
  let iouSum = 0;
  let iouClasses = 0;
  let freqWeighted = 0;
  for (let c = 0; c < C; c++) {
    const diag = matrix.counts[c * C + c];
    const union = rows[c] + columns[c] - diag;
    const iou = union > 0 ? diag / union : null;
    classIoU.push(iou);
    if (iou !== null) {
      iouSum += iou;
      iouClasses++;
    }
    if (rows[c] > 0) {
      accSum += diag / rows[c];
      accClasses++;
      freqWeighted += (rows[c] / total) * (iou ?? 0);
    }
  }
  return {
    overallAcc: total > 0 ? correct / total : null,
    meanAcc: accClasses > 0 ? accSum / accClasses : null,
    freqWAcc: total > 0 ? freqWeighted : null,
    meanIoU: iouClasses > 0 ? iouSum / iouClasses : null,
    classIoU,
  };
}
