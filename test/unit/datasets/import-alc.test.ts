import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { InputError } from '../../../common/errors.js';
import { importDataset } from '../../../datasets/importers/import-dataset.js';
import { readManifest } from '../../../datasets/manifest-file.js';
import { decodeLabelPng } from '../../../datasets/png.js';
import type { Progress } from '../../../datasets/progress.js';
import { validateDataset } from '../../../datasets/validate.js';
import { LocalDirLocation } from '../../../storage/local-location.js';
import {
  alcLayoutFiles,
  FIXTURE_CLASSES,
  FIXTURE_HEIGHT,
  FIXTURE_WIDTH,
  fixtureLabels,
  fixtureTruth,
  greyPng,
  refusal,
  tempDir,
  writeFiles,
} from './dataset-fixtures.js';

type Files = Record<string, Buffer | string>;

async function source(t: TestContext, change: (files: Files) => void = () => undefined) {
  const root = await tempDir(t);
  const files = await alcLayoutFiles();
  change(files);
  await writeFiles(root, files);
  return { root, files, from: new LocalDirLocation(root) };
}

async function destination(t: TestContext) {
  const root = await tempDir(t);
  return { root, to: new LocalDirLocation(root) };
}

describe('import alc layout', () => {
  it('copies images and superpixels byte for byte, converts labels to palette PNGs and publishes a manifest', async (t) => {
    const { root, files, from } = await source(t);
    const { root: out, to } = await destination(t);
    const progress: Progress[] = [];
    const result = await importDataset({ layout: 'alc', from, to, onProgress: (p) => progress.push(p) });

    assert.deepEqual(result.skippedItems, []);
    assert.deepEqual(result.problems, []);
    assert.equal(progress.at(-1)?.done, 3);
    const { manifest } = result;
    assert.deepEqual(await readManifest(to), manifest);
    assert.equal(manifest.name, path.basename(root));
    assert.deepEqual(manifest.classes, FIXTURE_CLASSES);
    assert.equal(manifest.provenance.importer, 'import:alc');
    assert.equal(manifest.provenance.source, root);
    assert.deepEqual(manifest.items, [
      { id: 'a', image: 'images/a.jpg', pseudoLabel: 'pseudo/a.png', superpixels: 'superpixels/a.png', groundTruth: 'gt/a.png', split: 'train' },
      { id: 'b', image: 'images/b.png', pseudoLabel: 'pseudo/b.png', superpixels: 'superpixels/b.png', split: 'train' },
      { id: 'c', image: 'images/c.jpg', pseudoLabel: 'pseudo/c.png', superpixels: 'superpixels/c.png', groundTruth: 'gt/c.png', split: 'val' },
    ]);

    const written = (name: string) => readFile(path.join(out, name));
    for (const name of ['images/a.jpg', 'images/b.png', 'superpixels/a.png', 'superpixels/c.png']) {
      assert.deepEqual(await written(name), files[name], name);
    }
    for (const [n, id] of ['a', 'b', 'c'].entries()) {
      const pseudo = await written(`pseudo/${id}.png`);
      assert.equal(pseudo[25], 3, 'palette colour type');
      assert.deepEqual(await decodeLabelPng(pseudo, id), { width: FIXTURE_WIDTH, height: FIXTURE_HEIGHT, data: Uint8Array.from(fixtureLabels(n)) });
    }
    assert.deepEqual((await decodeLabelPng(await written('gt/c.png'), 'c')).data, Uint8Array.from(fixtureTruth(2)));
    assert.equal((await written('splits/train.txt')).toString(), 'a\nb\n');
    assert.equal((await written('splits/val.txt')).toString(), 'c\n');
    assert.deepEqual(JSON.parse((await written('classes.json')).toString()), FIXTURE_CLASSES);
    assert.deepEqual(await validateDataset(to, manifest), []);

    // The copy is itself in the alc layout.
    const again = await destination(t);
    assert.deepEqual((await importDataset({ layout: 'alc', from: to, to: again.to })).manifest.items, manifest.items);
  });

  function breakTwoItems(files: Files): void {
    files['pseudo/a.png'] = greyPng(FIXTURE_WIDTH, FIXTURE_HEIGHT, fixtureLabels(0).map((v) => (v === 2 ? 7 : v)));
    delete files['superpixels/c.png'];
  }

  it('refuses a dataset with bad items, listing every problem, and publishes nothing', async (t) => {
    const { root, from } = await source(t, breakTwoItems);
    const { to } = await destination(t);
    assert.deepEqual(await refusal(importDataset({ layout: 'alc', from, to })), [
      { item: 'a', file: path.join(root, 'pseudo/a.png'), reason: 'label values 7 are not class ids (0–2) nor 255 (ignore)' },
      { item: 'c', file: path.join(root, 'superpixels/c.png'), reason: 'missing file' },
    ]);
    assert.equal(await to.exists('manifest.json'), false);
  });

  it('with skipBad, leaves the bad items out and lists them', async (t) => {
    const { root, from } = await source(t, breakTwoItems);
    const { root: out, to } = await destination(t);
    const result = await importDataset({ layout: 'alc', from, to, skipBad: true });
    assert.deepEqual(result.skippedItems, ['a', 'c']);
    assert.deepEqual(result.problems.map((p) => p.file), [path.join(root, 'pseudo/a.png'), path.join(root, 'superpixels/c.png')]);
    assert.deepEqual(result.manifest.items.map((item) => item.id), ['b']);
    assert.deepEqual((await readManifest(to)).items.map((item) => item.id), ['b']);
    assert.equal((await readFile(path.join(out, 'splits/val.txt'))).toString(), '');
  });

  it('refuses a dataset without a split file or a valid classes.json, even with skipBad', async (t) => {
    const { root, from } = await source(t, (files) => {
      delete files['splits/val.txt'];
      files['classes.json'] = JSON.stringify([{ id: 0, name: 'bg', color: [0, 0] }]);
    });
    const { to } = await destination(t);
    assert.deepEqual(await refusal(importDataset({ layout: 'alc', from, to, skipBad: true })), [
      { item: null, file: path.join(root, 'classes.json'), reason: 'not a class list [{id, name, color: [r, g, b]}] (0.color: Too small: expected array to have >=3 items)' },
      { item: null, file: path.join(root, 'splits/val.txt'), reason: 'missing split file' },
    ]);
  });

  it('reports ids listed in both splits or unfit for a manifest', async (t) => {
    const { root, from } = await source(t, (files) => {
      files['splits/val.txt'] = 'c\r\n\n  a  \nx/y\nc\n';
    });
    const { to } = await destination(t);
    assert.deepEqual(await refusal(importDataset({ layout: 'alc', from, to })), [
      { item: 'a', file: path.join(root, 'splits/val.txt'), reason: `also listed in ${path.join(root, 'splits/train.txt')}` },
      { item: 'x/y', file: path.join(root, 'splits/val.txt'), reason: 'an item id cannot contain "/"' },
    ]);
    const skipped = await importDataset({ layout: 'alc', from, to, skipBad: true });
    assert.deepEqual(skipped.manifest.items.map((item) => [item.id, item.split]), [['b', 'train'], ['c', 'val']]);
  });

  it('refuses a destination that already holds a dataset, and a source with no items', async (t) => {
    const { from } = await source(t);
    const { to } = await destination(t);
    await importDataset({ layout: 'alc', from, to });
    await assert.rejects(importDataset({ layout: 'alc', from, to }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /manifest\.json: the destination already holds a dataset/);
      return true;
    });
    const empty = await source(t, (files) => {
      files['splits/train.txt'] = '';
      files['splits/val.txt'] = '';
    });
    const other = await destination(t);
    await assert.rejects(importDataset({ layout: 'alc', from: empty.from, to: other.to }), {
      name: 'InputError',
      message: `${empty.root}: import refused (no manifest written), no items found`,
    });
  });
});
