/**
 * Kvasir-SEG, from the folder that holds `images/` and `masks/`:
 *
 *     train.txt, val.txt           item ids (file names without extension), one a line
 *     images/<id>.jpg | .png
 *     masks/<id>.jpg | .png        binary masks, black background, white polyp (grey or RGB)
 *     GroundedSAM/mask/<id>.png    pseudo labels: 0 background, 1 polyp, 255 ignore
 *     GroundedSAM/obj/<id>.png     SAM object ids, 8- or 16-bit grey, 0 = none
 *
 * Kvasir-SEG ships no split; the two split files are the user's choice (e.g. the common 880/120).
 */
import { classPreset } from '../class-presets.js';
import { decodeBinaryMask } from '../image.js';
import { firstPresent, groundedSamFiles, type LayoutReader } from './layout.js';
import { readSplitLists } from './split-lists.js';

export const kvasirLayout: LayoutReader = {
  async scan(from, files) {
    const listed = await readSplitLists(from, files, { train: 'train.txt', val: 'val.txt' });
    const items = listed.items.map(({ id, split }) => ({
      id,
      split,
      files: {
        image: firstPresent(files, [`images/${id}.jpg`, `images/${id}.png`]),
        groundTruth: firstPresent(files, [`masks/${id}.jpg`, `masks/${id}.png`]),
        ...groundedSamFiles(id),
      },
    }));
    return { classes: classPreset('kvasir'), items, problems: listed.problems };
  },
  decodeGroundTruth: decodeBinaryMask,
};
