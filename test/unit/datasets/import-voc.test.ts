import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { classPreset, vocColor } from '../../../datasets/class-presets.js';
import { importDataset } from '../../../datasets/importers/import-dataset.js';
import { decodeLabelPng } from '../../../datasets/png.js';
import { validateDataset } from '../../../datasets/validate.js';
import { LocalDirLocation } from '../../../storage/local-location.js';
import { cycle, greyPng, jpegImage, rawPng, refusal, tempDir, writeFiles } from './dataset-fixtures.js';

const WIDTH = 8;
const HEIGHT = 5;
const VOC_PALETTE = Array.from({ length: 256 }, (_, i) => vocColor(i));

/** Ground truth as VOC stores it: a palette PNG whose index is the class, 255 on object borders. */
function segmentationClass(ids: number[]): Buffer {
  return rawPng({ width: WIDTH, height: HEIGHT, colorType: 3, bitDepth: 8, samples: ids, palette: VOC_PALETTE });
}

const TRUTH = {
  '2007_000032': cycle(WIDTH * HEIGHT, [0, 1, 1, 255]),
  '2007_000039': cycle(WIDTH * HEIGHT, [0, 20, 255, 15]),
  '2008_000002': cycle(WIDTH * HEIGHT, [15, 15, 0]),
};

async function vocSource(t: TestContext, change: (files: Record<string, Buffer | string>) => void = () => undefined) {
  const root = await tempDir(t);
  const files: Record<string, Buffer | string> = {
    'ImageSets/Segmentation/train.txt': '2007_000032\n2007_000039\n',
    'ImageSets/Segmentation/val.txt': '2008_000002\n',
    // Images outside the segmentation splits are not imported.
    'JPEGImages/2009_000001.jpg': await jpegImage(WIDTH, HEIGHT),
  };
  for (const [id, truth] of Object.entries(TRUTH)) {
    files[`JPEGImages/${id}.jpg`] = await jpegImage(WIDTH, HEIGHT);
    files[`SegmentationClass/${id}.png`] = segmentationClass(truth);
    files[`GroundedSAM/mask/${id}.png`] = greyPng(WIDTH, HEIGHT, truth.map((v) => (v === 255 ? 0 : v)));
    files[`GroundedSAM/obj/${id}.png`] = greyPng(WIDTH, HEIGHT, cycle(WIDTH * HEIGHT, [1, 2, 0]));
  }
  change(files);
  await writeFiles(root, files);
  return { root, from: new LocalDirLocation(root) };
}

describe('import PASCAL VOC 2012', () => {
  it('imports the segmentation splits with the VOC classes and Grounded-SAM outputs', async (t) => {
    const { from } = await vocSource(t);
    const out = await tempDir(t);
    const to = new LocalDirLocation(out);
    const { manifest } = await importDataset({ layout: 'voc', from, to });
    assert.deepEqual(manifest.classes, classPreset('voc'));
    assert.deepEqual(
      manifest.items.map((item) => [item.id, item.split, item.image, item.groundTruth]),
      [
        ['2007_000032', 'train', 'images/2007_000032.jpg', 'gt/2007_000032.png'],
        ['2007_000039', 'train', 'images/2007_000039.jpg', 'gt/2007_000039.png'],
        ['2008_000002', 'val', 'images/2008_000002.jpg', 'gt/2008_000002.png'],
      ],
    );
    for (const [id, truth] of Object.entries(TRUTH)) {
      const gt = await decodeLabelPng(await readFile(path.join(out, `gt/${id}.png`)), id);
      assert.deepEqual(gt.data, Uint8Array.from(truth), id);
    }
    assert.deepEqual(await validateDataset(to, manifest), []);
  });

  it('refuses ground truth outside the 21 classes and missing Grounded-SAM outputs', async (t) => {
    const { root, from } = await vocSource(t, (files) => {
      files['SegmentationClass/2007_000039.png'] = segmentationClass(cycle(WIDTH * HEIGHT, [0, 21, 254]));
      delete files['GroundedSAM/obj/2008_000002.png'];
    });
    const to = new LocalDirLocation(await tempDir(t));
    assert.deepEqual(await refusal(importDataset({ layout: 'voc', from, to })), [
      { item: '2007_000039', file: path.join(root, 'SegmentationClass/2007_000039.png'), reason: 'label values 21, 254 are not class ids (0–20) nor 255 (ignore)' },
      { item: '2008_000002', file: path.join(root, 'GroundedSAM/obj/2008_000002.png'), reason: 'missing file' },
    ]);
  });

  it('refuses a VOC folder without its split files', async (t) => {
    const { root, from } = await vocSource(t, (files) => {
      delete files['ImageSets/Segmentation/train.txt'];
    });
    const to = new LocalDirLocation(await tempDir(t));
    assert.deepEqual(await refusal(importDataset({ layout: 'voc', from, to, skipBad: true })), [
      { item: null, file: path.join(root, 'ImageSets/Segmentation/train.txt'), reason: 'missing split file' },
    ]);
  });
});
