/** Locations and decoders for the synthetic-dataset tests. */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { compareCodePoints } from '../../../common/order.js';
import type { DatasetItem, DatasetManifest } from '../../../datasets/manifest.js';
import { MANIFEST_NAME } from '../../../datasets/manifest.js';
import { decodeLabelPng, decodeSuperpixelPng } from '../../../datasets/png.js';
import type { Location } from '../../../storage/location.js';

/** A location in memory: fast, and proof that the generator needs nothing beyond the interface. */
export class MemoryLocation implements Location {
  readonly files = new Map<string, Buffer>();

  describe(name: string): string {
    return `memory:/${name}`;
  }

  read(name: string): Promise<Buffer> {
    const file = this.files.get(name);
    return file ? Promise.resolve(file) : Promise.reject(new Error(`${name}: no such file`));
  }

  write(name: string, data: Uint8Array | string): Promise<void> {
    this.files.set(name, Buffer.from(data));
    return Promise.resolve();
  }

  exists(name: string): Promise<boolean> {
    return Promise.resolve(this.files.has(name));
  }

  list(): Promise<string[]> {
    return Promise.resolve([...this.files.keys()].sort(compareCodePoints));
  }
}

/** Keeps only a digest of each file written, so that it holds no image data. */
export class DigestLocation implements Location {
  readonly digests = new Map<string, string>();

  describe(name: string): string {
    return `digest:/${name}`;
  }

  read(name: string): Promise<Buffer> {
    return Promise.reject(new Error(`${name}: a digest location keeps no contents`));
  }

  write(name: string, data: Uint8Array | string): Promise<void> {
    this.digests.set(name, createHash('sha256').update(data).digest('hex'));
    return Promise.resolve();
  }

  exists(name: string): Promise<boolean> {
    return Promise.resolve(this.digests.has(name));
  }

  list(): Promise<string[]> {
    return Promise.resolve([...this.digests.keys()].sort(compareCodePoints));
  }
}

export async function readJson(location: Location, name: string): Promise<unknown> {
  return JSON.parse((await location.read(name)).toString('utf8')) as unknown;
}

export async function readGeneratedManifest(location: Location): Promise<DatasetManifest> {
  return (await readJson(location, MANIFEST_NAME)) as DatasetManifest;
}

export interface DecodedItem {
  item: DatasetItem;
  width: number;
  height: number;
  rgb: Buffer;
  groundTruth: Uint8Array;
  pseudoLabels: Uint8Array;
  superpixels: Uint32Array;
}

/** Decodes an item's four files with the project's decoders (sharp for the RGB image). */
export async function decodeItem(location: Location, item: DatasetItem): Promise<DecodedItem> {
  if (item.groundTruth === undefined) throw new Error(`${item.id}: no ground truth`);
  const { data: rgb, info } = await sharp(await location.read(item.image)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const groundTruth = await decodeLabelPng(await location.read(item.groundTruth), item.groundTruth);
  const pseudoLabels = await decodeLabelPng(await location.read(item.pseudoLabel), item.pseudoLabel);
  const superpixels = await decodeSuperpixelPng(await location.read(item.superpixels), item.superpixels);
  return {
    item,
    width: info.width,
    height: info.height,
    rgb,
    groundTruth: groundTruth.data,
    pseudoLabels: pseudoLabels.data,
    superpixels: superpixels.data,
  };
}

/**
 * Data mIoU of labels against ground truth, written here from the spec's definition (a label 255
 * is a miss of the true class), independently of the generator's own helper.
 */
export function meanIou(pairs: Iterable<{ groundTruth: Uint8Array; labels: Uint8Array }>, classCount: number): number {
  const intersection = new Float64Array(classCount);
  const truth = new Float64Array(classCount);
  const labelled = new Float64Array(classCount);
  for (const { groundTruth, labels } of pairs) {
    for (let p = 0; p < groundTruth.length; p++) {
      const t = groundTruth[p];
      const l = labels[p];
      truth[t]++;
      if (l !== 255) labelled[l]++;
      if (l === t) intersection[t]++;
    }
  }
  let sum = 0;
  let defined = 0;
  for (let c = 0; c < classCount; c++) {
    const union = truth[c] + labelled[c] - intersection[c];
    if (union > 0) {
      sum += intersection[c] / union;
      defined++;
    }
  }
  return sum / defined;
}
