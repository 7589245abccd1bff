/** What an export writer gets per image, and what every writer implements. */
import type { LabelMap } from '../datasets/png.js';

export interface ExportItem {
  id: string;
  split: 'train' | 'val';
  /** The copied image's file name: `<id>` plus the dataset file's own extension. */
  imageName: string;
  imageBytes: Buffer;
  labels: LabelMap;
}

/**
 * A format's writer. `prepare` runs for several images at once (it writes the image's own files);
 * `append` runs once per image in the export's order (what must be ordered: lists, one JSON
 * stream); `finish` writes what names every image. `abort` leaves no half-written file.
 */
export interface ExportWriter<Prepared> {
  prepare(item: ExportItem): Promise<Prepared>;
  append(prepared: Prepared, index: number): Promise<void>;
  /** The files written besides the per-image ones, relative to the output. */
  finish(): Promise<string[]>;
  abort(error: Error): Promise<void>;
}
