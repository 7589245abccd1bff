import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { classPreset } from '../../../datasets/class-presets.js';
import { importDataset } from '../../../datasets/importers/import-dataset.js';
import { decodeLabelPng } from '../../../datasets/png.js';
import { LocalDirLocation } from '../../../storage/local-location.js';
import { cycle, greyPng, refusal, rgbPngImage, tempDir, writeFiles } from './dataset-fixtures.js';

const WIDTH = 8;
const HEIGHT = 4;
const PIXELS = WIDTH * HEIGHT;

/** Label ids with their train ids: road, car, unlabeled, person, bicycle, static, guard rail, pole. */
const LABEL_IDS = [7, 26, 0, 24, 33, 4, 14, 17];
const TRAIN_IDS = [0, 13, 255, 11, 18, 255, 255, 5];

const IMAGES = [
  ['train', 'aachen', 'aachen_000000_000019'],
  ['train', 'bremen', 'bremen_000001_000019'],
  ['val', 'frankfurt', 'frankfurt_000000_000294'],
] as const;

async function cityscapesSource(t: TestContext, change: (files: Record<string, Buffer | string>) => void = () => undefined) {
  const root = await tempDir(t);
  const files: Record<string, Buffer | string> = {
    // The test split has no labels and is not imported.
    'leftImg8bit/test/berlin/berlin_000000_000019_leftImg8bit.png': await rgbPngImage(WIDTH, HEIGHT),
    'gtFine/train/aachen/aachen_000000_000019_gtFine_color.png': await rgbPngImage(WIDTH, HEIGHT),
  };
  for (const [split, city, id] of IMAGES) {
    files[`leftImg8bit/${split}/${city}/${id}_leftImg8bit.png`] = await rgbPngImage(WIDTH, HEIGHT);
    files[`gtFine/${split}/${city}/${id}_gtFine_labelIds.png`] = greyPng(WIDTH, HEIGHT, cycle(PIXELS, LABEL_IDS));
    files[`GroundedSAM/mask/${id}.png`] = greyPng(WIDTH, HEIGHT, cycle(PIXELS, [0, 13, 255]));
    files[`GroundedSAM/obj/${id}.png`] = greyPng(WIDTH, HEIGHT, cycle(PIXELS, [3, 4]));
  }
  change(files);
  await writeFiles(root, files);
  return { root, from: new LocalDirLocation(root) };
}

describe('import Cityscapes', () => {
  it('imports train and val with ground truth mapped to the 19 train ids', async (t) => {
    const { from } = await cityscapesSource(t);
    const out = await tempDir(t);
    const { manifest } = await importDataset({ layout: 'cityscapes', from, to: new LocalDirLocation(out) });
    assert.deepEqual(manifest.classes, classPreset('cityscapes'));
    assert.deepEqual(
      manifest.items.map((item) => [item.id, item.split, item.image]),
      [
        ['aachen_000000_000019', 'train', 'images/aachen_000000_000019.png'],
        ['bremen_000001_000019', 'train', 'images/bremen_000001_000019.png'],
        ['frankfurt_000000_000294', 'val', 'images/frankfurt_000000_000294.png'],
      ],
    );
    const gt = await decodeLabelPng(await readFile(path.join(out, 'gt/bremen_000001_000019.png')), 'gt');
    assert.deepEqual(gt.data, Uint8Array.from(cycle(PIXELS, TRAIN_IDS)));
  });

  it('refuses values that are no Cityscapes label id and pseudo labels outside the train ids', async (t) => {
    const { root, from } = await cityscapesSource(t, (files) => {
      files['gtFine/train/aachen/aachen_000000_000019_gtFine_labelIds.png'] = greyPng(WIDTH, HEIGHT, cycle(PIXELS, [7, 40, 34, 255]));
      files['GroundedSAM/mask/frankfurt_000000_000294.png'] = greyPng(WIDTH, HEIGHT, cycle(PIXELS, [0, 19]));
    });
    const to = new LocalDirLocation(await tempDir(t));
    assert.deepEqual(await refusal(importDataset({ layout: 'cityscapes', from, to })), [
      { item: 'aachen_000000_000019', file: path.join(root, 'gtFine/train/aachen/aachen_000000_000019_gtFine_labelIds.png'), reason: 'values 34, 40, 255 are not Cityscapes label ids (0–33)' },
      { item: 'frankfurt_000000_000294', file: path.join(root, 'GroundedSAM/mask/frankfurt_000000_000294.png'), reason: 'label values 19 are not class ids (0–18) nor 255 (ignore)' },
    ]);
  });

  it('refuses a Cityscapes folder without a val split', async (t) => {
    const { root, from } = await cityscapesSource(t, (files) => {
      for (const name of Object.keys(files)) if (name.includes('/val/')) delete files[name];
    });
    const to = new LocalDirLocation(await tempDir(t));
    assert.deepEqual(await refusal(importDataset({ layout: 'cityscapes', from, to, skipBad: true })), [
      { item: null, file: path.join(root, 'leftImg8bit/val'), reason: 'no images (expected leftImg8bit/val/<city>/<id>_leftImg8bit.png)' },
    ]);
  });
});
