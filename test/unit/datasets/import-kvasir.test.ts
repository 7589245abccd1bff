import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import sharp from 'sharp';
import { classPreset } from '../../../datasets/class-presets.js';
import { importDataset } from '../../../datasets/importers/import-dataset.js';
import { decodeLabelPng } from '../../../datasets/png.js';
import { LocalDirLocation } from '../../../storage/local-location.js';
import { greyPng, jpegImage, refusal, tempDir, writeFiles } from './dataset-fixtures.js';

const WIDTH = 16;
const HEIGHT = 16;

/** A polyp in the middle: an 8x8 white square on black. */
const POLYP = Array.from({ length: WIDTH * HEIGHT }, (_, i) => {
  const x = i % WIDTH;
  const y = Math.floor(i / WIDTH);
  return x >= 4 && x < 12 && y >= 4 && y < 12 ? 1 : 0;
});

/** The mask as Kvasir-SEG ships it: an RGB JPEG, whose edges JPEG blurs. */
function jpegMask(): Promise<Buffer> {
  const rgb = Buffer.from(POLYP.flatMap((v) => [v * 255, v * 255, v * 255]));
  return sharp(rgb, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

const IDS = ['cju0qkwl35piu0993l0dewei2', 'cju0qoxqj9q6s0835b43399p4', 'cju0s690hkp960855tjuaqvv0'];

async function kvasirSource(t: TestContext, change: (files: Record<string, Buffer | string>) => void = () => undefined) {
  const root = await tempDir(t);
  const files: Record<string, Buffer | string> = { 'train.txt': `${IDS[0]}\n${IDS[1]}\n`, 'val.txt': `${IDS[2]}\n` };
  for (const id of IDS) {
    files[`images/${id}.jpg`] = await jpegImage(WIDTH, HEIGHT);
    files[`masks/${id}.jpg`] = await jpegMask();
    files[`GroundedSAM/mask/${id}.png`] = greyPng(WIDTH, HEIGHT, POLYP);
    files[`GroundedSAM/obj/${id}.png`] = greyPng(WIDTH, HEIGHT, POLYP);
  }
  // A mask may also be a grey PNG with 0 and 255.
  delete files[`masks/${IDS[1]}.jpg`];
  files[`masks/${IDS[1]}.png`] = greyPng(WIDTH, HEIGHT, POLYP.map((v) => v * 255));
  change(files);
  await writeFiles(root, files);
  return { root, from: new LocalDirLocation(root) };
}

describe('import Kvasir-SEG', () => {
  it('imports binary masks as background/polyp ground truth', async (t) => {
    const { from } = await kvasirSource(t);
    const out = await tempDir(t);
    const { manifest } = await importDataset({ layout: 'kvasir', from, to: new LocalDirLocation(out) });
    assert.deepEqual(manifest.classes, classPreset('kvasir'));
    assert.deepEqual(manifest.items.map((item) => [item.id, item.split]), [[IDS[0], 'train'], [IDS[1], 'train'], [IDS[2], 'val']]);
    for (const id of IDS) {
      const gt = await decodeLabelPng(await readFile(path.join(out, `gt/${id}.png`)), id);
      assert.deepEqual(gt.data, Uint8Array.from(POLYP), id);
    }
  });

  it('refuses masks of another size than their image, and names the mask it looked for', async (t) => {
    const { root, from } = await kvasirSource(t, (files) => {
      files[`masks/${IDS[0]}.jpg`] = greyPng(WIDTH, HEIGHT - 1, POLYP.slice(WIDTH));
      delete files[`masks/${IDS[2]}.jpg`];
    });
    const to = new LocalDirLocation(await tempDir(t));
    assert.deepEqual(await refusal(importDataset({ layout: 'kvasir', from, to })), [
      { item: IDS[0], file: path.join(root, `masks/${IDS[0]}.jpg`), reason: `size 16x15 differs from 16x16 of images/${IDS[0]}.jpg` },
      { item: IDS[2], file: path.join(root, `masks/${IDS[2]}.jpg`), reason: 'missing file' },
    ]);
  });

  it('refuses a Kvasir folder without split files', async (t) => {
    const { root, from } = await kvasirSource(t, (files) => {
      delete files['val.txt'];
    });
    const to = new LocalDirLocation(await tempDir(t));
    assert.deepEqual(await refusal(importDataset({ layout: 'kvasir', from, to, skipBad: true })), [
      { item: null, file: path.join(root, 'val.txt'), reason: 'missing split file' },
    ]);
  });
});
