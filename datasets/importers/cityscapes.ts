/**
 * Cityscapes, from the folder that holds `leftImg8bit/` and `gtFine/`:
 *
 *     leftImg8bit/<split>/<city>/<id>_leftImg8bit.png        split = train | val (test has no labels)
 *     gtFine/<split>/<city>/<id>_gtFine_labelIds.png         ground truth in the 34 label ids
 *     GroundedSAM/mask/<id>.png                              pseudo labels in the 19 train ids, 255 ignore
 *     GroundedSAM/obj/<id>.png                               SAM object ids, 8- or 16-bit grey, 0 = none
 *
 * `<id>` is `<city>_<sequence>_<frame>`, unique across cities. The ground truth is mapped to the
 * 19 train ids of the official scripts; every other label id becomes 255.
 */
import { compareCodePoints } from '../../common/order.js';
import { classPreset } from '../class-presets.js';
import { IGNORE_INDEX } from '../manifest.js';
import { decodeLabelPng, type LabelMap } from '../png.js';
import { InvalidFileError, type DatasetProblem } from '../problems.js';
import { groundedSamFiles, type LayoutReader, type SourceItem } from './layout.js';

const IMAGE_NAME = /^leftImg8bit\/(train|val)\/([^/]+)\/([^/]+)_leftImg8bit\.png$/;

/** Cityscapes stores label ids 0–33; -1, the licence plate, never reaches a PNG. */
const LABEL_ID_COUNT = 34;

/** The label ids that have a train id (cityscapesScripts' labels.py); the others are ignored. */
const TRAIN_ID_OF_LABEL_ID: ReadonlyMap<number, number> = new Map([
  [7, 0], [8, 1], [11, 2], [12, 3], [13, 4], [17, 5], [19, 6], [20, 7], [21, 8], [22, 9],
  [23, 10], [24, 11], [25, 12], [26, 13], [27, 14], [28, 15], [31, 16], [32, 17], [33, 18],
]);

/** A value no label id has, marking the byte values that are not Cityscapes label ids. */
const NOT_A_LABEL_ID = 256;

/** Train id for every byte value of a labelIds PNG, as a table for the per-pixel loop. */
const TRAIN_IDS = Uint16Array.from({ length: 256 }, (_, labelId) =>
  labelId >= LABEL_ID_COUNT ? NOT_A_LABEL_ID : (TRAIN_ID_OF_LABEL_ID.get(labelId) ?? IGNORE_INDEX),
);

export const cityscapesLayout: LayoutReader = {
  scan(from, files) {
    const items: SourceItem[] = [];
    const problems: DatasetProblem[] = [];
    const seen = new Set<string>();
    const duplicated = new Set<string>();
    for (const name of files) {
      const match = IMAGE_NAME.exec(name);
      if (match === null) continue;
      const [, folder, city, id] = match;
      const split = folder === 'train' ? 'train' : 'val';
      if (seen.has(id)) {
        duplicated.add(id);
        problems.push({ item: id, file: from.describe(name), reason: 'another city folder holds an image of the same id' });
        continue;
      }
      seen.add(id);
      items.push({ id, split, files: { image: name, groundTruth: `gtFine/${split}/${city}/${id}_gtFine_labelIds.png`, ...groundedSamFiles(id) } });
    }
    for (const split of ['train', 'val'] as const) {
      if (!items.some((item) => item.split === split)) {
        problems.push({ item: null, file: from.describe(`leftImg8bit/${split}`), reason: `no images (expected leftImg8bit/${split}/<city>/<id>_leftImg8bit.png)` });
      }
    }
    const unique = items.filter((item) => !duplicated.has(item.id));
    return Promise.resolve({ classes: classPreset('cityscapes'), items: unique.sort((a, b) => compareCodePoints(a.id, b.id)), problems });
  },
  decodeGroundTruth: decodeLabelIds,
};

async function decodeLabelIds(bytes: Uint8Array, source: string): Promise<LabelMap> {
  const labelIds = await decodeLabelPng(bytes, source);
  const data = new Uint8Array(labelIds.data.length);
  let invalid = false;
  for (let i = 0; i < data.length; i++) {
    const trainId = TRAIN_IDS[labelIds.data[i]];
    invalid ||= trainId === NOT_A_LABEL_ID;
    data[i] = trainId;
  }
  if (invalid) {
    const values = [...new Set(labelIds.data)].filter((v) => TRAIN_IDS[v] === NOT_A_LABEL_ID).sort((a, b) => a - b);
    throw new InvalidFileError(source, `values ${values.join(', ')} are not Cityscapes label ids (0–${LABEL_ID_COUNT - 1})`);
  }
  return { width: labelIds.width, height: labelIds.height, data };
}
