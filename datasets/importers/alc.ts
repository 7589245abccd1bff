/**
 * The project's own layout, which every importer also writes:
 *
 *     classes.json                 [{id, name, color: [r, g, b]}]
 *     splits/train.txt, val.txt    item ids, one a line
 *     images/<id>.jpg | .png
 *     pseudo/<id>.png              pseudo labels: class ids, 8-bit grey or palette, 255 = ignore
 *     superpixels/<id>.png         8- or 16-bit grey ids, 0 = none
 *     gt/<id>.png                  optional ground truth, like the pseudo labels
 */
import type { Location } from '../../storage/location.js';
import { parseClassesJson } from '../class-presets.js';
import type { ClassDef } from '../manifest.js';
import { decodeLabelPng } from '../png.js';
import { InvalidFileError, type DatasetProblem } from '../problems.js';
import { firstPresent, type LayoutReader, type SourceScan } from './layout.js';
import { readSplitLists } from './split-lists.js';

export const CLASSES_FILE = 'classes.json';
export const SPLIT_FILES = { train: 'splits/train.txt', val: 'splits/val.txt' } as const;

export const alcLayout: LayoutReader = {
  async scan(from: Location, files: ReadonlySet<string>): Promise<SourceScan> {
    const { classes, problems } = await readClasses(from, files);
    const listed = await readSplitLists(from, files, SPLIT_FILES);
    const items = listed.items.map(({ id, split }) => ({
      id,
      split,
      files: {
        image: firstPresent(files, [`images/${id}.jpg`, `images/${id}.png`]),
        pseudoLabel: `pseudo/${id}.png`,
        superpixels: `superpixels/${id}.png`,
        groundTruth: files.has(`gt/${id}.png`) ? `gt/${id}.png` : undefined,
      },
    }));
    return { classes, items, problems: [...problems, ...listed.problems] };
  },
  decodeGroundTruth: decodeLabelPng,
};

async function readClasses(from: Location, files: ReadonlySet<string>): Promise<{ classes?: ClassDef[]; problems: DatasetProblem[] }> {
  const file = from.describe(CLASSES_FILE);
  if (!files.has(CLASSES_FILE)) return { problems: [{ item: null, file, reason: 'missing file' }] };
  try {
    return { classes: parseClassesJson(await from.read(CLASSES_FILE), file), problems: [] };
  } catch (error) {
    if (!(error instanceof InvalidFileError)) throw error;
    return { problems: [{ item: null, file, reason: error.reason }] };
  }
}
