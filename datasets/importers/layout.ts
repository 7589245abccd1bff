/** What an importer knows about one foreign dataset layout: where its files are and how to read its ground truth. */
import type { Location } from '../../storage/location.js';
import type { GroundTruthDecoder, ItemFileNames } from '../item-check.js';
import type { ClassDef, DatasetItem } from '../manifest.js';
import type { DatasetProblem } from '../problems.js';

export type Split = DatasetItem['split'];

export interface SourceItem {
  id: string;
  split: Split;
  files: ItemFileNames;
}

/** A source dataset as found from its file names, before any pixel is read. */
export interface SourceScan {
  /** Absent when the class list itself is unreadable; `problems` then says why. */
  classes?: ClassDef[];
  /** Sorted by id (code points). Items already known bad are left out and named in `problems`. */
  items: SourceItem[];
  problems: DatasetProblem[];
}

export interface LayoutReader {
  /** `files`: every file name in `from`, listed once by the caller. */
  scan(from: Location, files: ReadonlySet<string>): Promise<SourceScan>;
  decodeGroundTruth: GroundTruthDecoder;
}

/** The first candidate that exists, else the first candidate, so that a missing file is reported under its expected name. */
export function firstPresent(files: ReadonlySet<string>, candidates: readonly string[]): string {
  return candidates.find((name) => files.has(name)) ?? candidates[0];
}

/**
 * Where every layout but `alc` expects the Grounded-SAM outputs, beside the dataset's own folders:
 * the label masks (class ids of the dataset, 8-bit grey or palette) as the pseudo labels and the
 * SAM object masks (8- or 16-bit grey ids, 0 = none) as the superpixels.
 */
export function groundedSamFiles(id: string): Pick<ItemFileNames, 'pseudoLabel' | 'superpixels'> {
  return { pseudoLabel: `GroundedSAM/mask/${id}.png`, superpixels: `GroundedSAM/obj/${id}.png` };
}
