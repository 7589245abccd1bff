/**
 * PASCAL VOC segmentation layout, as VOC loaders (torchvision, MMSegmentation) and CVAT's
 * "Segmentation mask 1.1" read it:
 *
 *   SegmentationClass/<id>.png      8-bit palette PNG, pixel index = class id, 255 = ignore,
 *                                   palette = VOC's colour map (255 is its border colour)
 *   JPEGImages/<id>.<ext>           the dataset's image, byte for byte (its own format)
 *   ImageSets/Segmentation/{train,val,trainval}.txt   one id per line
 *   labelmap.txt                    CVAT's `name:r,g,b::` lines
 */
import { vocColor } from '../datasets/class-presets.js';
import type { ClassDef } from '../datasets/manifest.js';
import { encodeLabelPng } from '../datasets/png.js';
import type { Location } from '../storage/location.js';
import type { ExportItem, ExportWriter } from './export-item.js';

export const VOC_LABELS_DIR = 'SegmentationClass';
export const VOC_IMAGES_DIR = 'JPEGImages';
export const VOC_SETS_DIR = 'ImageSets/Segmentation';
export const VOC_LABELMAP = 'labelmap.txt';

interface Prepared {
  id: string;
  split: ExportItem['split'];
}

export class VocPngWriter implements ExportWriter<Prepared> {
  private readonly vocClasses: ClassDef[];
  private readonly ids: Record<ExportItem['split'], string[]> = { train: [], val: [] };

  constructor(
    private readonly out: Location,
    classes: readonly ClassDef[],
  ) {
    // The dataset's own colours give way to VOC's map: the file is indexed either way, and VOC tools expect these colours.
    this.vocClasses = classes.map((c) => ({ ...c, color: vocColor(c.id) }));
  }

  async prepare(item: ExportItem): Promise<Prepared> {
    await Promise.all([
      this.out.write(`${VOC_LABELS_DIR}/${item.id}.png`, await encodeLabelPng(item.labels, this.vocClasses)),
      this.out.write(`${VOC_IMAGES_DIR}/${item.imageName}`, item.imageBytes),
    ]);
    return { id: item.id, split: item.split };
  }

  append(prepared: Prepared): Promise<void> {
    this.ids[prepared.split].push(prepared.id);
    return Promise.resolve();
  }

  async finish(): Promise<string[]> {
    const list = (ids: readonly string[]) => (ids.length === 0 ? '' : `${ids.join('\n')}\n`);
    const files: [string, string][] = [
      [`${VOC_SETS_DIR}/train.txt`, list(this.ids.train)],
      [`${VOC_SETS_DIR}/val.txt`, list(this.ids.val)],
      [`${VOC_SETS_DIR}/trainval.txt`, list([...this.ids.train, ...this.ids.val])],
      [VOC_LABELMAP, vocLabelmap(this.vocClasses)],
    ];
    for (const [name, text] of files) await this.out.write(name, text);
    return files.map(([name]) => name);
  }

  abort(): Promise<void> {
    return Promise.resolve();
  }
}

/** CVAT's VOC labelmap: `# label:color_rgb:parts:actions`, then one `name:r,g,b::` line per class. */
export function vocLabelmap(classes: readonly ClassDef[]): string {
  const lines = [...classes].sort((a, b) => a.id - b.id).map((c) => `${c.name}:${c.color.join(',')}::`);
  return `# label:color_rgb:parts:actions\n${lines.join('\n')}\n`;
}
