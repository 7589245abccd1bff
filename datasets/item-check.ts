/**
 * Loading one dataset item (image, pseudo label, superpixels, optional ground truth) and checking
 * that its files are there, decode, agree in size and hold only known class ids. Validation and
 * every importer share this, so they report the same problems in the same words.
 */
import type { Location } from '../storage/location.js';
import { decodeImageSize, type ImageSize } from './image.js';
import { IGNORE_INDEX, type ClassDef } from './manifest.js';
import { decodeLabelPng, decodeSuperpixelPng, type LabelMap } from './png.js';
import { InvalidFileError, type DatasetProblem } from './problems.js';

/** Names, inside a location, of one item's files. */
export interface ItemFileNames {
  image: string;
  pseudoLabel: string;
  superpixels: string;
  groundTruth?: string;
}

/** Turns a ground-truth file into class ids; importers of foreign layouts convert here. */
export type GroundTruthDecoder = (bytes: Uint8Array, source: string) => Promise<LabelMap>;

export interface LoadedItem {
  imageBytes: Buffer;
  pseudoLabel: LabelMap;
  /** As stored: any 8- or 16-bit grey PNG that decodes is kept byte for byte. */
  superpixelBytes: Buffer;
  groundTruth?: LabelMap;
}

export interface ItemSource {
  location: Location;
  /** Every file name in `location`, listed once up front so a missing file costs no request. */
  files: ReadonlySet<string>;
  classes: readonly ClassDef[];
  decodeGroundTruth: GroundTruthDecoder;
}

/** The item, when all is well, and whatever is wrong with it. */
export interface ItemCheck {
  loaded?: LoadedItem;
  problems: DatasetProblem[];
}

interface Decoded<T> {
  name: string;
  bytes: Buffer;
  value: T;
}

interface Failed {
  name: string;
  reason: string;
}

export async function loadItem(source: ItemSource, id: string, names: ItemFileNames): Promise<ItemCheck> {
  const { location } = source;
  const problems: DatasetProblem[] = [];
  const problem = (name: string, reason: string): void => void problems.push({ item: id, file: location.describe(name), reason });

  /** The decoded file, or why there is none. */
  async function load<T>(name: string | undefined, decodeFile: (bytes: Uint8Array, file: string) => Promise<T>): Promise<Decoded<T> | Failed | undefined> {
    if (name === undefined) return undefined;
    if (!source.files.has(name)) return { name, reason: 'missing file' };
    const bytes = await location.read(name);
    try {
      return { name, bytes, value: await decodeFile(bytes, location.describe(name)) };
    } catch (error) {
      if (!(error instanceof InvalidFileError)) throw error;
      return { name, reason: error.reason };
    }
  }
  // Called in file order once all reads are done, so the problems come in file order too.
  function decoded<T>(result: Decoded<T> | Failed | undefined): Decoded<T> | undefined {
    if (result === undefined || 'value' in result) return result;
    problem(result.name, result.reason);
    return undefined;
  }

  const loads = await Promise.all([
    load(names.image, decodeImageSize),
    load(names.pseudoLabel, decodeLabelPng),
    load(names.superpixels, decodeSuperpixelPng),
    load(names.groundTruth, source.decodeGroundTruth),
  ]);
  const image = decoded(loads[0]);
  const pseudoLabel = decoded(loads[1]);
  const superpixels = decoded(loads[2]);
  const groundTruth = decoded(loads[3]);

  const sized = [image, pseudoLabel, superpixels, groundTruth].filter((file) => file !== undefined);
  const reference = sized[0];
  for (const file of sized.slice(1)) {
    if (!sameSize(file.value, reference.value)) {
      problem(file.name, `size ${formatSize(file.value)} differs from ${formatSize(reference.value)} of ${reference.name}`);
    }
  }
  const known = knownLabelTable(source.classes);
  for (const labels of [pseudoLabel, groundTruth]) {
    if (labels === undefined) continue;
    const unknown = unknownLabelValues(labels.value, known);
    if (unknown.length > 0) {
      problem(labels.name, `label values ${unknown.join(', ')} are not class ids (${formatIds(source.classes)}) nor ${IGNORE_INDEX} (ignore)`);
    }
  }

  if (problems.length > 0 || image === undefined || pseudoLabel === undefined || superpixels === undefined) return { problems };
  return {
    problems,
    loaded: { imageBytes: image.bytes, pseudoLabel: pseudoLabel.value, superpixelBytes: superpixels.bytes, groundTruth: groundTruth?.value },
  };
}

function sameSize(a: ImageSize, b: ImageSize): boolean {
  return a.width === b.width && a.height === b.height;
}

function formatSize(size: ImageSize): string {
  return `${size.width}x${size.height}`;
}

/** 256 flags, one per possible label value: 1 where the value is a class id or the ignore index. */
function knownLabelTable(classes: readonly ClassDef[]): Uint8Array {
  const known = new Uint8Array(256);
  for (const { id } of classes) known[id] = 1;
  known[IGNORE_INDEX] = 1;
  return known;
}

function unknownLabelValues(map: LabelMap, known: Uint8Array): number[] {
  const present = new Uint8Array(256);
  const { data } = map;
  for (let i = 0; i < data.length; i++) present[data[i]] = 1;
  const unknown: number[] = [];
  for (let value = 0; value < 256; value++) if (present[value] === 1 && known[value] === 0) unknown.push(value);
  return unknown;
}

/** Class ids as ranges, `0–20` or `0, 2–5`, so a long class list stays short in a message. */
function formatIds(classes: readonly ClassDef[]): string {
  const ids = classes.map((c) => c.id).sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let start = 0; start < ids.length; ) {
    let end = start;
    while (end + 1 < ids.length && ids[end + 1] === ids[end] + 1) end++;
    ranges.push(start === end ? `${ids[start]}` : `${ids[start]}–${ids[end]}`);
    start = end + 1;
  }
  return ranges.join(', ');
}
