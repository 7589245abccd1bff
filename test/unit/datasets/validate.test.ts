import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { DatasetManifest } from '../../../datasets/manifest.js';
import type { Progress } from '../../../datasets/progress.js';
import { validateDataset } from '../../../datasets/validate.js';
import { LocalDirLocation } from '../../../storage/local-location.js';
import {
  alcLayoutFiles,
  FIXTURE_CLASSES,
  FIXTURE_HEIGHT,
  FIXTURE_ITEMS,
  FIXTURE_WIDTH,
  greyPng,
  rgbPngImage,
  tempDir,
  writeFiles,
} from './dataset-fixtures.js';

const manifest: DatasetManifest = {
  version: 1,
  name: 'fixture',
  classes: FIXTURE_CLASSES.map((c) => ({ ...c, color: [...c.color] })),
  items: FIXTURE_ITEMS.map((item) => ({
    id: item.id,
    image: `images/${item.id}.${item.image}`,
    pseudoLabel: `pseudo/${item.id}.png`,
    superpixels: `superpixels/${item.id}.png`,
    ...(item.groundTruth ? { groundTruth: `gt/${item.id}.png` } : {}),
    split: item.split,
  })),
  provenance: { importer: 'test', source: 'test', createdAt: '2024-01-01T00:00:00Z' },
};

async function dataset(t: TestContext, change: (files: Record<string, Buffer | string>) => Promise<void> | void = () => undefined) {
  const root = await tempDir(t);
  const files = await alcLayoutFiles();
  await change(files);
  await writeFiles(root, files);
  return { root, location: new LocalDirLocation(root) };
}

describe('validateDataset', () => {
  it('finds nothing wrong with a good dataset, and reports progress item by item', async (t) => {
    const { location } = await dataset(t);
    const progress: Progress[] = [];
    assert.deepEqual(await validateDataset(location, manifest, { onProgress: (p) => progress.push(p) }), []);
    assert.deepEqual(progress, [1, 2, 3].map((done) => ({ done, total: 3 })));
  });

  it('reports every problem with its item, file and reason, in manifest order', async (t) => {
    const { root, location } = await dataset(t, async (files) => {
      files['pseudo/a.png'] = greyPng(FIXTURE_WIDTH - 1, FIXTURE_HEIGHT, new Array<number>((FIXTURE_WIDTH - 1) * FIXTURE_HEIGHT).fill(0));
      files['pseudo/b.png'] = 'not a png';
      delete files['superpixels/b.png'];
      files['gt/c.png'] = greyPng(FIXTURE_WIDTH, FIXTURE_HEIGHT, new Array<number>(FIXTURE_WIDTH * FIXTURE_HEIGHT).fill(1).fill(3, 0, 2).fill(254, 5, 6));
      files['superpixels/c.png'] = await rgbPngImage(FIXTURE_WIDTH, FIXTURE_HEIGHT);
    });
    const file = (name: string) => path.join(root, name);
    assert.deepEqual(await validateDataset(location, manifest, { concurrency: 2 }), [
      { item: 'a', file: file('pseudo/a.png'), reason: 'size 5x4 differs from 6x4 of images/a.jpg' },
      { item: 'b', file: file('pseudo/b.png'), reason: 'not a PNG file' },
      { item: 'b', file: file('superpixels/b.png'), reason: 'missing file' },
      { item: 'c', file: file('superpixels/c.png'), reason: '8-bit RGB PNG; expected an 8- or 16-bit grey PNG of superpixel ids' },
      { item: 'c', file: file('gt/c.png'), reason: 'label values 3, 254 are not class ids (0–2) nor 255 (ignore)' },
    ]);
  });

  it('reports an undecodable image and a missing optional ground truth the manifest names', async (t) => {
    const { root, location } = await dataset(t, (files) => {
      files['images/a.jpg'] = Buffer.from('truncated');
      delete files['gt/c.png'];
    });
    const problems = await validateDataset(location, manifest);
    assert.deepEqual(
      problems.map(({ item, file, reason }) => ({ item, file, reason: reason.replace(/ \(.*\)$/, '') })),
      [
        { item: 'a', file: path.join(root, 'images/a.jpg'), reason: 'undecodable image' },
        { item: 'c', file: path.join(root, 'gt/c.png'), reason: 'missing file' },
      ],
    );
  });
});
