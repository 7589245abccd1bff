/** The class lists of the datasets the importers know, and `classes.json` files for the rest. */
import { ClassListSchema, type ClassDef } from './manifest.js';
import { InvalidFileError } from './problems.js';

type Rgb = ClassDef['color'];

const VOC_NAMES = [
  'background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
];

/**
 * PASCAL VOC's colour map (the devkit's `labelcolormap`): the bits of the index, three at a time,
 * spread over the high bits of R, G and B.
 */
export function vocColor(index: number): Rgb {
  const color: Rgb = [0, 0, 0];
  let rest = index;
  for (let bit = 7; rest > 0; bit--, rest >>= 3) {
    color[0] |= (rest & 1) << bit;
    color[1] |= ((rest >> 1) & 1) << bit;
    color[2] |= ((rest >> 2) & 1) << bit;
  }
  return color;
}

/** The 19 Cityscapes training classes, by train id, with the colours of the official scripts. */
const CITYSCAPES: readonly (readonly [string, Rgb])[] = [
  ['road', [128, 64, 128]],
  ['sidewalk', [244, 35, 232]],
  ['building', [70, 70, 70]],
  ['wall', [102, 102, 156]],
  ['fence', [190, 153, 153]],
  ['pole', [153, 153, 153]],
  ['traffic light', [250, 170, 30]],
  ['traffic sign', [220, 220, 0]],
  ['vegetation', [107, 142, 35]],
  ['terrain', [152, 251, 152]],
  ['sky', [70, 130, 180]],
  ['person', [220, 20, 60]],
  ['rider', [255, 0, 0]],
  ['car', [0, 0, 142]],
  ['truck', [0, 0, 70]],
  ['bus', [0, 60, 100]],
  ['train', [0, 80, 100]],
  ['motorcycle', [0, 0, 230]],
  ['bicycle', [119, 11, 32]],
];

const CLASS_PRESETS = {
  voc: VOC_NAMES.map((name, id) => ({ id, name, color: vocColor(id) })),
  cityscapes: CITYSCAPES.map(([name, color], id) => ({ id, name, color: [...color] as Rgb })),
  kvasir: [
    { id: 0, name: 'background', color: [0, 0, 0] },
    { id: 1, name: 'polyp', color: [255, 255, 255] },
  ],
} satisfies Record<string, ClassDef[]>;

export type ClassPresetName = keyof typeof CLASS_PRESETS;

/** A fresh copy of a preset, so callers may change theirs. */
export function classPreset(name: ClassPresetName): ClassDef[] {
  return CLASS_PRESETS[name].map((c) => ({ ...c, color: [...c.color] as Rgb }));
}

/** A `classes.json` (`[{id, name, color}]`), validated by the manifest's class schema. */
export function parseClassesJson(bytes: Uint8Array | string, source: string): ClassDef[] {
  let json: unknown;
  try {
    json = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new InvalidFileError(source, `not JSON (${(error as Error).message})`);
  }
  const parsed = ClassListSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`);
    throw new InvalidFileError(source, `not a class list [{id, name, color: [r, g, b]}] (${issues.join('; ')})`);
  }
  return parsed.data;
}
