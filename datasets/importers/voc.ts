/**
 * PASCAL VOC 2012, from the folder that holds JPEGImages (`VOCdevkit/VOC2012`):
 *
 *     ImageSets/Segmentation/train.txt, val.txt
 *     JPEGImages/<id>.jpg
 *     SegmentationClass/<id>.png   ground truth: palette PNG, index = class id, 255 = void
 *     GroundedSAM/mask/<id>.png    pseudo labels in the 21 VOC class ids (grey or palette)
 *     GroundedSAM/obj/<id>.png     SAM object ids, 8- or 16-bit grey, 0 = none
 */
import { classPreset } from '../class-presets.js';
import { decodeLabelPng } from '../png.js';
import { groundedSamFiles, type LayoutReader } from './layout.js';
import { readSplitLists } from './split-lists.js';

export const vocLayout: LayoutReader = {
  async scan(from, files) {
    const listed = await readSplitLists(from, files, { train: 'ImageSets/Segmentation/train.txt', val: 'ImageSets/Segmentation/val.txt' });
    const items = listed.items.map(({ id, split }) => ({
      id,
      split,
      files: { image: `JPEGImages/${id}.jpg`, groundTruth: `SegmentationClass/${id}.png`, ...groundedSamFiles(id) },
    }));
    return { classes: classPreset('voc'), items, problems: listed.problems };
  },
  decodeGroundTruth: decodeLabelPng,
};
