import type { Location } from '../storage/location.js';
import { DEFAULT_ITEM_CONCURRENCY, forEachConcurrently } from './concurrency.js';
import { loadItem, type ItemFileNames } from './item-check.js';
import type { DatasetManifest } from './manifest.js';
import { decodeLabelPng } from './png.js';
import type { DatasetProblem } from './problems.js';
import type { OnProgress } from './progress.js';

export interface ValidateOptions {
  onProgress?: OnProgress;
  /** Items checked at once; each holds its decoded maps in memory meanwhile. */
  concurrency?: number;
}

/**
 * Every problem of a dataset in the `alc` layout, item by item in manifest order: missing files,
 * undecodable images or maps, sizes that disagree, label values that are neither class ids nor 255.
 * An empty list means the dataset is fit to use.
 */
export async function validateDataset(location: Location, manifest: DatasetManifest, options: ValidateOptions = {}): Promise<DatasetProblem[]> {
  const source = { location, files: new Set(await location.list()), classes: manifest.classes, decodeGroundTruth: decodeLabelPng };
  const problemsByItem: DatasetProblem[][] = [];
  let done = 0;
  await forEachConcurrently(manifest.items, options.concurrency ?? DEFAULT_ITEM_CONCURRENCY, async (item, index) => {
    const names: ItemFileNames = { image: item.image, pseudoLabel: item.pseudoLabel, superpixels: item.superpixels, groundTruth: item.groundTruth };
    problemsByItem[index] = (await loadItem(source, item.id, names)).problems;
    options.onProgress?.({ done: ++done, total: manifest.items.length });
  });
  return problemsByItem.flat();
}
