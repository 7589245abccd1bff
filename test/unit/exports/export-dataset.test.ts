/**
 * The whole export on local directories: a synthetic dataset, a label version of its train split,
 * then both formats read back and compared pixel for pixel with what they should hold.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InputError } from '../../../common/errors.js';
import { compareCodePoints } from '../../../common/order.js';
import { readManifest } from '../../../datasets/manifest-file.js';
import type { DatasetManifest } from '../../../datasets/manifest.js';
import { decodeLabelPng, encodeLabelPng, type LabelMap } from '../../../datasets/png.js';
import { generateSyntheticDataset } from '../../../datasets/synthetic/generate.js';
import { decodeRle, rleFromString } from '../../../exports/coco-rle.js';
import { exportDataset } from '../../../exports/export-dataset.js';
import { LocalDirLocation } from '../../../storage/local-location.js';

interface CocoJson {
  info: { description: string };
  categories: { id: number; name: string }[];
  images: { id: number; file_name: string; width: number; height: number; split: string }[];
  annotations: { id: number; image_id: number; category_id: number; segmentation: { size: [number, number]; counts: string | number[] }; area: number; bbox: number[]; iscrowd: number }[];
}

const root = mkdtempSync(path.join(tmpdir(), 'alc-export-'));
const dataset = new LocalDirLocation(path.join(root, 'dataset'));
const labels = new LocalDirLocation(path.join(root, 'labels'));
let manifest: DatasetManifest;
/** The labels each exported image must carry: the label version (train) or the ground truth (val). */
const expected = new Map<string, LabelMap>();
const pseudo = new Map<string, LabelMap>();

before(async () => {
  await generateSyntheticDataset({ images: 10, seed: 7, width: 40, height: 32 }, dataset);
  manifest = await readManifest(dataset);
  for (const item of manifest.items) {
    const pseudoLabels = await decodeLabelPng(await dataset.read(item.pseudoLabel), item.pseudoLabel);
    pseudo.set(item.id, pseudoLabels);
    if (item.split === 'val') {
      expected.set(item.id, await decodeLabelPng(await dataset.read(item.groundTruth!), item.groundTruth!));
      continue;
    }
    // A "corrected" version: the top row relabelled 1, one pixel set to ignore.
    const corrected = { ...pseudoLabels, data: pseudoLabels.data.slice() };
    corrected.data.fill(1, 0, corrected.width);
    corrected.data[corrected.width + 1] = 255;
    expected.set(item.id, corrected);
    await labels.write(`${item.id}.png`, await encodeLabelPng(corrected));
  }
});
after(() => rmSync(root, { recursive: true, force: true }));

const sortedIds = () => manifest.items.map((i) => i.id).sort(compareCodePoints);

describe('exportDataset', () => {
  it('voc-png: label PNGs, images, image sets and label map', async () => {
    const outDir = path.join(root, 'voc');
    const progress: number[] = [];
    const summary = await exportDataset({ dataset, labels, out: new LocalDirLocation(outDir), format: 'voc-png', description: 'test', concurrency: 3, onProgress: (p) => progress.push(p.done) });
    const train = manifest.items.filter((i) => i.split === 'train').map((i) => i.id).sort(compareCodePoints);
    const val = manifest.items.filter((i) => i.split === 'val').map((i) => i.id).sort(compareCodePoints);
    assert.deepEqual([summary.images, summary.train, summary.val, summary.annotations], [10, train.length, val.length, undefined]);
    assert.deepEqual(progress, Array.from({ length: 10 }, (_, i) => i + 1));
    assert.equal(readFileSync(path.join(outDir, 'ImageSets/Segmentation/train.txt'), 'utf8'), `${train.join('\n')}\n`);
    assert.equal(readFileSync(path.join(outDir, 'ImageSets/Segmentation/val.txt'), 'utf8'), `${val.join('\n')}\n`);
    assert.match(readFileSync(path.join(outDir, 'labelmap.txt'), 'utf8'), /^# label:color_rgb:parts:actions\nbackground:0,0,0::\n/);
    for (const item of manifest.items) {
      const file = path.join(outDir, 'SegmentationClass', `${item.id}.png`);
      const written = await decodeLabelPng(readFileSync(file), file);
      assert.deepEqual(written, expected.get(item.id), `${item.id} (${item.split})`);
      assert.ok(readFileSync(path.join(outDir, 'JPEGImages', `${item.id}.png`)).equals(await dataset.read(item.image)));
    }
  });

  for (const rle of ['compressed', 'uncompressed'] as const) {
    it(`coco-rle (${rle}): every image's class masks decode back to its labels`, async () => {
      const outDir = path.join(root, `coco-${rle}`);
      const summary = await exportDataset({ dataset, labels, out: new LocalDirLocation(outDir), format: 'coco-rle', rle, description: 'campaign c round 2' });
      const coco = JSON.parse(readFileSync(path.join(outDir, 'annotations.json'), 'utf8')) as CocoJson;
      assert.equal(coco.info.description, 'campaign c round 2');
      assert.deepEqual(coco.categories.map((c) => [c.id, c.name]), manifest.classes.map((c) => [c.id, c.name]));
      assert.deepEqual(coco.images.map((i) => [i.id, i.file_name]), sortedIds().map((id, k) => [k + 1, `${id}.png`]));
      assert.deepEqual(readdirSync(path.join(outDir, 'images')).sort(), sortedIds().map((id) => `${id}.png`).sort());
      assert.deepEqual(coco.annotations.map((a) => a.id), coco.annotations.map((_, k) => k + 1));
      assert.equal(summary.annotations, coco.annotations.length);
      for (const image of coco.images) {
        const id = image.file_name.replace(/\.png$/, '');
        const want = expected.get(id)!;
        assert.equal(image.split, manifest.items.find((i) => i.id === id)!.split);
        const rebuilt = new Uint8Array(want.data.length).fill(255);
        for (const a of coco.annotations.filter((x) => x.image_id === image.id)) {
          assert.equal(a.iscrowd, 1);
          assert.deepEqual(a.segmentation.size, [want.height, want.width]);
          assert.equal(typeof a.segmentation.counts, rle === 'compressed' ? 'string' : 'object');
          const counts = typeof a.segmentation.counts === 'string' ? rleFromString(a.segmentation.counts) : a.segmentation.counts;
          const mask = decodeRle(counts, want.height, want.width);
          let area = 0;
          for (let i = 0; i < mask.length; i++) {
            if (mask[i] === 0) continue;
            assert.equal(rebuilt[i], 255, `${id}: two categories claim pixel ${i}`);
            rebuilt[i] = a.category_id;
            area++;
          }
          assert.equal(a.area, area);
        }
        assert.deepEqual(rebuilt, want.data, `${id}: the masks rebuild its labels`);
      }
    });
  }

  it('without a label version the train split carries the pseudo labels', async () => {
    const outDir = path.join(root, 'round0');
    await exportDataset({ dataset, out: new LocalDirLocation(outDir), format: 'voc-png', description: 'round 0' });
    const train = manifest.items.find((i) => i.split === 'train')!;
    const file = path.join(outDir, 'SegmentationClass', `${train.id}.png`);
    assert.deepEqual(await decodeLabelPng(readFileSync(file), file), pseudo.get(train.id));
  });

  it('refuses a label that is not a class, naming the file, and leaves no COCO JSON behind', async () => {
    const bad = new LocalDirLocation(path.join(root, 'bad-labels'));
    for (const item of manifest.items.filter((i) => i.split === 'train')) {
      const map = expected.get(item.id)!;
      await bad.write(`${item.id}.png`, await encodeLabelPng({ ...map, data: map.data.map((v, i) => (i === 5 ? 77 : v)) }));
    }
    const outDir = path.join(root, 'coco-bad');
    await assert.rejects(
      exportDataset({ dataset, labels: bad, out: new LocalDirLocation(outDir), format: 'coco-rle', description: 'bad' }),
      (error: unknown) => error instanceof InputError && /bad-labels\/.*\.png: pixel \(5, 0\) has label 77, which is not a class/.test(error.message),
    );
    assert.equal(existsSync(path.join(outDir, 'annotations.json')), false);
    assert.deepEqual(readdirSync(outDir).filter((name) => name.includes('annotations')), []);
  });
});
