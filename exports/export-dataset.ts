/**
 * Exports a dataset with one label version (a campaign round's corrected labels) in a format that
 * annotation tools and trainers read. Train images carry the label version (the dataset's pseudo
 * labels when none is given, e.g. round 0); val images, which no round corrects, carry their
 * ground truth, else their pseudo labels. Images are processed a few at a time in code-point
 * order of their ids, so memory stays bounded and the output is the same on every run.
 */
import path from 'node:path';
import { compareCodePoints } from '../common/order.js';
import { InputError } from '../common/errors.js';
import { DEFAULT_ITEM_CONCURRENCY } from '../datasets/concurrency.js';
import { IGNORE_INDEX, type DatasetItem } from '../datasets/manifest.js';
import { decodeLabelPng, type LabelMap } from '../datasets/png.js';
import { DatasetReader } from '../inference/dataset-reader.js';
import type { Location } from '../storage/location.js';
import { CocoRleWriter, type RleForm } from './coco-json.js';
import type { ExportItem, ExportWriter } from './export-item.js';
import { mapInOrder } from './map-in-order.js';
import { VocPngWriter } from './voc-png.js';

export const EXPORT_FORMATS = ['voc-png', 'coco-rle'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** The dataset's root (its manifest.json). */
  dataset: Location;
  /** The label version of the train split (`<id>.png`); absent = the pseudo labels. */
  labels?: Location;
  out: Location;
  format: ExportFormat;
  rle?: RleForm;
  /** What the export is of, for the COCO `info`. */
  description: string;
  concurrency?: number;
  onProgress?: (progress: { done: number; total: number }) => void;
}

export interface ExportSummary {
  format: ExportFormat;
  out: string;
  images: number;
  train: number;
  val: number;
  /** COCO only: one per class present per image. */
  annotations?: number;
  /** Files that name every image (lists, the COCO JSON, the label map). */
  files: string[];
}

/** Every label value must be a class of the dataset or 255; a 256-entry table checks it in one pass. */
function requireKnownClasses(labels: LabelMap, known: Uint8Array, source: string): void {
  const { data } = labels;
  for (let i = 0; i < data.length; i++) {
    if (known[data[i]] === 0) {
      throw new InputError(`${source}: pixel (${i % labels.width}, ${Math.floor(i / labels.width)}) has label ${data[i]}, which is not a class of the dataset (nor ${IGNORE_INDEX}, ignore)`);
    }
  }
}

export async function exportDataset(options: ExportOptions): Promise<ExportSummary> {
  const reader = await DatasetReader.open(options.dataset, options.labels);
  const { classes } = reader.manifest;
  const known = new Uint8Array(256);
  for (const c of classes) known[c.id] = 1;
  known[IGNORE_INDEX] = 1;
  const items = [...reader.manifest.items].sort((a, b) => compareCodePoints(a.id, b.id));

  const labelsOf = async (item: DatasetItem): Promise<{ labels: LabelMap; source: string }> => {
    if (item.split === 'train') {
      const source = options.labels ? options.labels.describe(`${item.id}.png`) : options.dataset.describe(item.pseudoLabel);
      return { labels: await reader.workingLabels(item.id), source };
    }
    const file = item.groundTruth ?? item.pseudoLabel;
    return { labels: await decodeLabelPng(await options.dataset.read(file), options.dataset.describe(file)), source: options.dataset.describe(file) };
  };
  const load = async (item: DatasetItem): Promise<ExportItem> => {
    const [{ labels, source }, imageBytes] = await Promise.all([labelsOf(item), reader.imageBytes(item.id)]);
    requireKnownClasses(labels, known, source);
    return { id: item.id, split: item.split, imageName: `${item.id}${path.posix.extname(item.image)}`, imageBytes, labels };
  };

  let done = 0;
  const drive = async <Prepared>(writer: ExportWriter<Prepared>): Promise<string[]> => {
    try {
      await mapInOrder(
        items,
        options.concurrency ?? DEFAULT_ITEM_CONCURRENCY,
        async (item) => writer.prepare(await load(item)),
        async (prepared, index) => {
          await writer.append(prepared, index);
          options.onProgress?.({ done: ++done, total: items.length });
        },
      );
    } catch (error) {
      await writer.abort(error as Error);
      throw error;
    }
    return writer.finish();
  };

  const summary: ExportSummary = {
    format: options.format,
    out: options.out.describe(''),
    images: items.length,
    train: items.filter((i) => i.split === 'train').length,
    val: items.filter((i) => i.split === 'val').length,
    files: [],
  };
  if (options.format === 'voc-png') {
    summary.files = await drive(new VocPngWriter(options.out, classes));
  } else {
    const coco = await CocoRleWriter.open(options.out, classes, options.rle ?? 'compressed', { description: options.description, dateCreated: new Date() });
    summary.files = await drive(coco);
    summary.annotations = coco.annotationCount;
  }
  return summary;
}
