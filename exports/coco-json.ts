/**
 * COCO "stuff"-style segmentation JSON: one annotation per class present in each image, its mask
 * as RLE (`iscrowd: 1`, the convention for region masks, which COCO tools decode with
 * pycocotools), with `area` and `bbox`. Layout:
 *
 *   annotations.json   {"info", "licenses", "categories", "annotations", "images"}
 *   images/<id>.<ext>  the dataset's images, byte for byte (`file_name` is relative to images/)
 *
 * Category ids are the dataset's class ids (255 = ignore is left out). Images get ids 1..N in the
 * export's order and carry their split (`"split": "train" | "val"`, which COCO tools ignore).
 * The JSON is streamed: annotations go out as images are done, so memory holds only the small
 * image entries, not the masks.
 */
import { IGNORE_INDEX, type ClassDef } from '../datasets/manifest.js';
import type { Location } from '../storage/location.js';
import { encodeClassRles, rleToString } from './coco-rle.js';
import type { ExportItem, ExportWriter } from './export-item.js';
import { openOutputStream, type OutputStream } from './output-stream.js';

export const COCO_JSON = 'annotations.json';
export const COCO_IMAGES_DIR = 'images';

export type RleForm = 'compressed' | 'uncompressed';

interface CocoImage {
  file_name: string;
  width: number;
  height: number;
  split: ExportItem['split'];
}

interface Prepared {
  image: CocoImage;
  /** Annotations without their ids, which are given in export order. */
  annotations: { category_id: number; segmentation: { size: [number, number]; counts: string | number[] }; area: number; bbox: number[] }[];
}

export interface CocoInfo {
  description: string;
  dateCreated: Date;
}

export class CocoRleWriter implements ExportWriter<Prepared> {
  private readonly images: (CocoImage & { id: number })[] = [];
  private annotations = 0;

  private constructor(
    private readonly out: Location,
    private readonly stream: OutputStream,
    private readonly rle: RleForm,
  ) {}

  static async open(out: Location, classes: readonly ClassDef[], rle: RleForm, info: CocoInfo): Promise<CocoRleWriter> {
    const stream = await openOutputStream(out, COCO_JSON);
    const header = {
      info: { description: info.description, version: '1.0', year: info.dateCreated.getUTCFullYear(), contributor: 'alc export', date_created: info.dateCreated.toISOString() },
      licenses: [],
      categories: [...classes].sort((a, b) => a.id - b.id).map((c) => ({ id: c.id, name: c.name, supercategory: 'class', color: c.color })),
    };
    const text = JSON.stringify(header);
    // The header object, left open for the streamed arrays.
    await stream.write(`${text.slice(0, -1)},\n"annotations": [`);
    return new CocoRleWriter(out, stream, rle);
  }

  /** Number of annotations written so far. */
  get annotationCount(): number {
    return this.annotations;
  }

  async prepare(item: ExportItem): Promise<Prepared> {
    await this.out.write(`${COCO_IMAGES_DIR}/${item.imageName}`, item.imageBytes);
    const { width, height } = item.labels;
    const annotations = encodeClassRles(item.labels, IGNORE_INDEX).map((mask) => ({
      category_id: mask.classId,
      segmentation: { size: [height, width] as [number, number], counts: this.rle === 'compressed' ? rleToString(mask.counts) : mask.counts },
      area: mask.area,
      bbox: mask.bbox,
    }));
    return { image: { file_name: item.imageName, width, height, split: item.split }, annotations };
  }

  async append(prepared: Prepared, index: number): Promise<void> {
    const imageId = index + 1;
    this.images.push({ id: imageId, ...prepared.image });
    let text = '';
    for (const annotation of prepared.annotations) {
      const id = ++this.annotations;
      text += `${id === 1 ? '\n' : ',\n'}${JSON.stringify({ id, image_id: imageId, ...annotation, iscrowd: 1 })}`;
    }
    if (text !== '') await this.stream.write(text);
  }

  async finish(): Promise<string[]> {
    await this.stream.write('\n],\n"images": [\n');
    for (let start = 0; start < this.images.length; start += 1000) {
      const chunk = this.images.slice(start, start + 1000).map((image) => JSON.stringify(image));
      await this.stream.write(`${start === 0 ? '' : ',\n'}${chunk.join(',\n')}`);
    }
    await this.stream.write('\n]\n}\n');
    await this.stream.close();
    return [COCO_JSON];
  }

  abort(error: Error): Promise<void> {
    return this.stream.abort(error);
  }
}
