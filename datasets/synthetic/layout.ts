import type { DatasetItem } from '../manifest.js';

/** `syn-000001` …: zero-padded so that code-point order is numeric order (up to 999,999 images). */
export function syntheticItemId(index: number): string {
  return `syn-${String(index + 1).padStart(6, '0')}`;
}

/** `valCount` of `images` indices are validation images, spread evenly: exact count, no state. */
export function isValidationIndex(index: number, images: number, valCount: number): boolean {
  return Math.floor(((index + 1) * valCount) / images) > Math.floor((index * valCount) / images);
}

/** Every generated item has ground truth. */
export type GeneratedItem = DatasetItem & { groundTruth: string };

/** The manifest item of image `index` (0-based) of a dataset of `images`, `valCount` of them in val. */
export function itemOf(index: number, images: number, valCount: number): GeneratedItem {
  const id = syntheticItemId(index);
  return {
    id,
    image: `images/${id}.png`,
    pseudoLabel: `pseudo/${id}.png`,
    superpixels: `superpixels/${id}.png`,
    groundTruth: `gt/${id}.png`,
    split: isValidationIndex(index, images, valCount) ? 'val' : 'train',
  };
}

/** A split list file: the split's ids, one a line. */
export function splitList(items: readonly DatasetItem[], split: DatasetItem['split']): string {
  return items
    .filter((item) => item.split === split)
    .map((item) => `${item.id}\n`)
    .join('');
}

