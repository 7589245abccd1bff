import type { DatasetItem, DatasetManifest } from '../datasets/manifest.js';
import { readManifest } from '../datasets/manifest-file.js';
import { decodeLabelPng, decodeSuperpixelPng, type LabelMap, type SuperpixelMap } from '../datasets/png.js';
import { InputError } from '../common/errors.js';
import type { Location } from '../storage/location.js';

/**
 * Reads one dataset's items from any location (a local directory or an S3 prefix): the manifest once, then images, working labels (a
 * label version, or the pseudo labels), superpixels and ground truth by item id.
 */
export class DatasetReader {
  private constructor(
    private readonly dataset: Location,
    private readonly labels: Location | undefined,
    readonly manifest: DatasetManifest,
    private readonly items: ReadonlyMap<string, DatasetItem>,
  ) {}

  static async open(dataset: Location, labels?: Location): Promise<DatasetReader> {
    const manifest = await readManifest(dataset);
    return new DatasetReader(
      dataset,
      labels,
      manifest,
      new Map(manifest.items.map((item) => [item.id, item])),
    );
  }

  item(id: string): DatasetItem {
    const item = this.items.get(id);
    if (!item) throw new InputError(`image "${id}" is not in the dataset ${this.dataset.describe('manifest.json')}`);
    return item;
  }

  imageBytes(id: string): Promise<Buffer> {
    return this.dataset.read(this.item(id).image);
  }

  /** The working labels L: the label version when one is given, else the pseudo labels. */
  async workingLabels(id: string): Promise<LabelMap> {
    if (this.labels) return decodeLabelPng(await this.labels.read(`${id}.png`), this.labels.describe(`${id}.png`));
    const file = this.item(id).pseudoLabel;
    return decodeLabelPng(await this.dataset.read(file), this.dataset.describe(file));
  }

  async superpixels(id: string): Promise<SuperpixelMap> {
    const file = this.item(id).superpixels;
    return decodeSuperpixelPng(await this.dataset.read(file), this.dataset.describe(file));
  }

  async groundTruth(id: string): Promise<LabelMap | undefined> {
    const file = this.item(id).groundTruth;
    if (file === undefined) return undefined;
    return decodeLabelPng(await this.dataset.read(file), this.dataset.describe(file));
  }

  idsOf(split: 'train' | 'val'): string[] {
    return this.manifest.items.filter((item) => item.split === split).map((item) => item.id);
  }
}
