import { IGNORE_INDEX } from '../manifest.js';

/**
 * Pixel confusion of labels against ground truth, as the spec's metrics define it (rows: truth,
 * columns: label; ground truth 255 is skipped, a label 255 counts as a miss of the true class).
 * The generator's own copy, for calibrating and reporting the pseudo labels' data mIoU.
 */
export class LabelConfusion {
  /** classCount x classCount counts, row-major. */
  private readonly counts: Float64Array;
  /** Pixels of each true class whose label is 255. */
  private readonly ignored: Float64Array;

  constructor(readonly classCount: number) {
    this.counts = new Float64Array(classCount * classCount);
    this.ignored = new Float64Array(classCount);
  }

  add(truth: Uint8Array, labels: Uint8Array): void {
    const k = this.classCount;
    for (let p = 0; p < truth.length; p++) {
      const t = truth[p];
      if (t === IGNORE_INDEX) continue;
      const l = labels[p];
      if (l === IGNORE_INDEX) this.ignored[t]++;
      else this.counts[t * k + l]++;
    }
  }

  /** Mean IoU over the classes with a defined IoU (present in truth or labels); NaN if none. */
  meanIou(): number {
    const k = this.classCount;
    let sum = 0;
    let defined = 0;
    for (let c = 0; c < k; c++) {
      let row = this.ignored[c];
      let column = 0;
      for (let j = 0; j < k; j++) {
        row += this.counts[c * k + j];
        column += this.counts[j * k + c];
      }
      const diagonal = this.counts[c * k + c];
      const union = row + column - diagonal;
      if (union > 0) {
        sum += diagonal / union;
        defined++;
      }
    }
    return defined === 0 ? Number.NaN : sum / defined;
  }
}
