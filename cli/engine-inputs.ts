/**
 * The per-image inputs of the engine commands, read from their locations: soft labels `<id>.npy`
 * and working labels, superpixels and ground truth `<id>.png`. Every problem is reported against a
 * file: undecodable files (by the decoders), maps of different sizes (both files and sizes), class
 * ids out of range (the file, the pixel and where the number of classes came from).
 */
import { InputError } from '../common/errors.js';
import { compareCodePoints } from '../common/order.js';
import { decodeLabelPng, decodeSuperpixelPng } from '../datasets/png.js';
import type { ScoreTask } from '../engine-parallel/score-pool.js';
import { decodeSoftLabels } from '../engine/npy.js';
import { IGNORE_LABEL, type ImageInput } from '../engine/types.js';
import type { Location } from '../storage/location.js';
import { openLocation } from '../storage/open-location.js';
import { readFileArgument } from './file-argument.js';

/** A decoded H x W map and the file it came from. */
export interface FileMap<A extends Uint8Array | Uint32Array> {
  readonly file: string;
  readonly height: number;
  readonly width: number;
  readonly data: A;
}

type Sized = Pick<FileMap<Uint8Array>, 'file' | 'height' | 'width'>;

/** Throws unless both maps have the same height and width. */
export function checkSameSize(a: Sized, b: Sized): void {
  if (a.height === b.height && a.width === b.width) return;
  throw new InputError(`${b.file} is ${b.height}x${b.width} but ${a.file} is ${a.height}x${a.width} (height x width)`);
}

/**
 * Throws unless every value of a label or ground-truth map is a class id below `classes` or 255.
 * `classesFrom` says where the number of classes came from, for the message.
 */
export function checkClassIds(map: FileMap<Uint8Array>, what: 'label' | 'ground truth', classes: number, classesFrom: string): void {
  const { data, width } = map;
  for (let x = 0; x < data.length; x++) {
    const value = data[x];
    if (value < classes || value === IGNORE_LABEL) continue;
    throw new InputError(
      `${map.file}: ${what} ${value} at (row ${Math.floor(x / width)}, col ${x % width}) is out of range ` +
        `(0..${classes - 1} or ${IGNORE_LABEL}: ${classes} classes in ${classesFrom})`,
    );
  }
}

/** A label or ground-truth map `<id>.png`. */
export async function readLabelMap(location: Location, id: string): Promise<FileMap<Uint8Array>> {
  const file = location.describe(`${id}.png`);
  return { file, ...(await decodeLabelPng(await location.read(`${id}.png`), file)) };
}

async function readSuperpixelMap(location: Location, id: string): Promise<FileMap<Uint32Array>> {
  const file = location.describe(`${id}.png`);
  return { file, ...(await decodeSuperpixelPng(await location.read(`${id}.png`), file)) };
}

/** Image ids listed one per line in `file` (blank lines ignored), each at most once. */
async function readImageIdList(uri: string): Promise<string[]> {
  const { bytes, file } = await readFileArgument(uri);
  const firstLine = new Map<string, number>();
  bytes
    .toString('utf8')
    .split('\n')
    .forEach((text, index) => {
      const id = text.trim();
      if (id === '') return;
      const first = firstLine.get(id);
      if (first !== undefined) throw new InputError(`${file}:${index + 1}: image id "${id}" is listed twice (first on line ${first})`);
      firstLine.set(id, index + 1);
    });
  if (firstLine.size === 0) throw new InputError(`${file}: no image ids`);
  return [...firstLine.keys()];
}

/**
 * The images a command works on, in code-point order: those of `imagesFile` when given, else every
 * `<id><extension>` file of `location`.
 */
export async function imageIds(imagesFile: string | undefined, location: Location, extension: string): Promise<string[]> {
  let ids: string[];
  if (imagesFile !== undefined) {
    ids = await readImageIdList(imagesFile);
  } else {
    ids = (await location.list()).filter((name) => name.endsWith(extension)).map((name) => name.slice(0, -extension.length));
    if (ids.length === 0) throw new InputError(`${location.describe('')}: no ${extension} files`);
  }
  return ids.sort(compareCodePoints);
}

/** The addresses of one image's input files. */
export interface ImageFiles {
  readonly softLabels: string;
  readonly labels: string;
  readonly superpixels: string;
}

export interface LoadedImage {
  readonly files: ImageFiles;
  readonly input: ImageInput;
}

/** The three inputs of scoring (P, L, S), per image id. */
export class ScoringInputs {
  private constructor(
    readonly softLabels: Location,
    readonly labels: Location,
    readonly superpixels: Location,
  ) {}

  static async open(uris: { softLabels: string; labels: string; superpixels: string }): Promise<ScoringInputs> {
    const [softLabels, labels, superpixels] = await Promise.all([openLocation(uris.softLabels), openLocation(uris.labels), openLocation(uris.superpixels)]);
    return new ScoringInputs(softLabels, labels, superpixels);
  }

  /** The images to work on: `imagesFile`'s, else every `.npy` of the soft labels. */
  ids(imagesFile: string | undefined): Promise<string[]> {
    return imageIds(imagesFile, this.softLabels, '.npy');
  }

  files(id: string): ImageFiles {
    return { softLabels: this.softLabels.describe(`${id}.npy`), labels: this.labels.describe(`${id}.png`), superpixels: this.superpixels.describe(`${id}.png`) };
  }

  /**
   * A task for the score pool: the .npy and PNG bytes go to a worker undecoded, so this thread only
   * reads files and decoding scales with the threads. The worker checks the maps' sizes against the
   * soft labels, naming the files; it names the image by its .npy file in its other errors (see
   * {@link load}, which explains a failed task).
   */
  async scoreTask(id: string): Promise<ScoreTask> {
    const files = this.files(id);
    const [npy, labels, superpixels] = await Promise.all([this.softLabels.read(`${id}.npy`), this.labels.read(`${id}.png`), this.superpixels.read(`${id}.png`)]);
    return {
      image: files.softLabels,
      softLabels: { npy, file: files.softLabels },
      labels: { png: labels, file: files.labels },
      superpixels: { png: superpixels, file: files.superpixels },
    };
  }

  /** Reads and decodes everything on this thread and checks sizes and label ids against the soft labels. */
  async load(id: string): Promise<LoadedImage> {
    const files = this.files(id);
    const { npy, labels, superpixels } = await this.read(id);
    const soft = decodeSoftLabels(npy, files.softLabels);
    const softSize = { file: files.softLabels, height: soft.height, width: soft.width };
    checkSameSize(softSize, labels);
    checkClassIds(labels, 'label', soft.classes, files.softLabels);
    const { classes, height, width } = soft;
    return { files, input: { classes, height, width, softLabels: soft.data, labels: labels.data, superpixels: superpixels.data } };
  }

  /** The .npy bytes and the decoded PNGs, whose sizes are checked against each other. */
  private async read(id: string): Promise<{ npy: Buffer; labels: FileMap<Uint8Array>; superpixels: FileMap<Uint32Array> }> {
    const [npy, labels, superpixels] = await Promise.all([this.softLabels.read(`${id}.npy`), readLabelMap(this.labels, id), readSuperpixelMap(this.superpixels, id)]);
    checkSameSize(labels, superpixels);
    return { npy, labels, superpixels };
  }
}
