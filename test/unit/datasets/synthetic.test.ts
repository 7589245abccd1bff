import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { InputError } from '../../../common/errors.js';
import { MANIFEST_NAME, ManifestSchema } from '../../../datasets/manifest.js';
import { readManifest } from '../../../datasets/manifest-file.js';
import { generateSyntheticDataset, type SyntheticDatasetSummary } from '../../../datasets/synthetic/generate.js';
import { isValidationIndex } from '../../../datasets/synthetic/layout.js';
import { validateDataset } from '../../../datasets/validate.js';
import { LocalDirLocation } from '../../../storage/local-location.js';
import { tempDir } from './dataset-fixtures.js';
import { decodeItem, DigestLocation, meanIou, MemoryLocation, readGeneratedManifest, readJson, type DecodedItem } from './synthetic-fixtures.js';

const CREATED_AT = new Date('2026-01-02T03:04:05.000Z');

async function generateInMemory(options: Parameters<typeof generateSyntheticDataset>[0], concurrency?: number): Promise<MemoryLocation> {
  const location = new MemoryLocation();
  await generateSyntheticDataset(options, location, undefined, { createdAt: CREATED_AT, concurrency });
  return location;
}

describe('synthetic dataset: determinism', () => {
  it('gives byte-identical files for the same options and seed, whatever the concurrency', async () => {
    const first = await generateInMemory({ images: 24, seed: 7 }, 1);
    const second = await generateInMemory({ images: 24, seed: 7 }, 5);
    assert.deepEqual([...second.files.keys()].sort(), [...first.files.keys()].sort());
    for (const [name, bytes] of first.files) assert.ok(bytes.equals(second.files.get(name) ?? Buffer.alloc(0)), `${name} differs`);
  });

  it('gives different images, labels and superpixels for a different seed', async () => {
    const a = await generateInMemory({ images: 10, seed: 1 });
    const b = await generateInMemory({ images: 10, seed: 2 });
    for (const folder of ['images', 'pseudo', 'superpixels', 'gt']) {
      const name = `${folder}/syn-000001.png`;
      assert.ok(!a.files.get(name)?.equals(b.files.get(name) ?? Buffer.alloc(0)), `${name} is the same for seeds 1 and 2`);
    }
  });

  it('renders an image the same whether or not other images come before it', async () => {
    const small = await generateInMemory({ images: 10, seed: 5, valFraction: 0 });
    const large = await generateInMemory({ images: 30, seed: 5, valFraction: 0 });
    // Same scene and appearance, so the same photograph and ground truth; only the calibrated noise may differ.
    for (const name of ['images/syn-000004.png', 'gt/syn-000004.png', 'superpixels/syn-000004.png']) {
      assert.ok(small.files.get(name)?.equals(large.files.get(name) ?? Buffer.alloc(0)), `${name} depends on the image count`);
    }
  });
});

describe('synthetic dataset: layout and manifest', () => {
  it('writes a valid alc-layout dataset to a local directory', async (t) => {
    const dir = await tempDir(t);
    const location = new LocalDirLocation(dir);
    const progress: number[] = [];
    const summary = await generateSyntheticDataset({ images: 12, seed: 3, width: 64, height: 48 }, location, ({ done }) => progress.push(done), {
      createdAt: CREATED_AT,
    });
    assert.deepEqual(progress, Array.from({ length: 12 }, (_, i) => i + 1));

    const manifest = await readManifest(location);
    assert.deepEqual(await validateDataset(location, manifest), []);
    assert.equal(manifest.items.length, 12);
    assert.equal(manifest.provenance.importer, 'synthetic');
    assert.match(manifest.provenance.source, /"seed":3/);
    assert.equal(manifest.provenance.createdAt, CREATED_AT.toISOString());
    assert.deepEqual(await readJson(location, 'classes.json'), manifest.classes);
    assert.equal(manifest.classes[0].name, 'background');

    const ids = manifest.items.map((item) => item.id);
    assert.equal(ids[0], 'syn-000001');
    assert.deepEqual([...ids].sort(), ids);
    for (const item of manifest.items) {
      assert.deepEqual(
        [item.image, item.pseudoLabel, item.superpixels, item.groundTruth],
        [`images/${item.id}.png`, `pseudo/${item.id}.png`, `superpixels/${item.id}.png`, `gt/${item.id}.png`],
      );
    }
    const split = async (name: string) => (await location.read(`splits/${name}.txt`)).toString('utf8').split('\n').filter(Boolean);
    assert.deepEqual(await split('train'), manifest.items.filter((i) => i.split === 'train').map((i) => i.id));
    assert.deepEqual(await split('val'), manifest.items.filter((i) => i.split === 'val').map((i) => i.id));
    assert.equal(summary.train + summary.val, 12);
    assert.equal(summary.val, Math.round(12 * 0.2));
    assert.equal(summary.manifest, location.describe(MANIFEST_NAME));

    // Manifest last: every file it names was there before it.
    const files = await location.list();
    for (const item of manifest.items) for (const name of [item.image, item.pseudoLabel, item.superpixels]) assert.ok(files.includes(name));
  });

  it('keeps sizes and values in range in every file', async () => {
    const location = await generateInMemory({ images: 10, seed: 11, width: 80, height: 56, classes: 4 });
    const manifest = await readGeneratedManifest(location);
    assert.ok(ManifestSchema.safeParse(manifest).success);
    let zeroSuperpixelPixels = 0;
    for (const item of manifest.items) {
      const decoded = await decodeItem(location, item);
      assert.deepEqual([decoded.width, decoded.height], [80, 56]);
      for (const map of [decoded.groundTruth, decoded.pseudoLabels, decoded.superpixels]) assert.equal(map.length, 80 * 56);
      assert.ok(decoded.groundTruth.every((v) => v < 4));
      assert.ok(decoded.pseudoLabels.every((v) => v < 4 || v === 255));
      assert.ok(decoded.superpixels.every((v) => v <= 0xffff));
      assert.ok(new Set(decoded.superpixels).size > 3, `${item.id}: too few superpixels`);
      zeroSuperpixelPixels += decoded.superpixels.filter((v) => v === 0).length;
    }
    assert.ok(zeroSuperpixelPixels > 0, 'some pixels have no superpixel');
  });

  it('spreads an exact number of validation images evenly over the ids', () => {
    for (const [images, valCount] of [
      [10, 2],
      [100, 20],
      [997, 331],
      [50, 0],
    ]) {
      const val = Array.from({ length: images }, (_, i) => i).filter((i) => isValidationIndex(i, images, valCount));
      assert.equal(val.length, valCount);
      if (valCount > 1) assert.ok(val[1] - val[0] >= Math.floor(images / valCount) - 1);
    }
  });

  it('refuses bad options with every problem named', async () => {
    const error = await generateSyntheticDataset({ images: 5, seed: -1, width: 8, targetMiou: 2 }, new MemoryLocation()).catch((e: unknown) => e);
    assert.ok(error instanceof InputError);
    for (const field of ['images', 'seed', 'width', 'targetMiou']) assert.match(error.message, new RegExp(`options: ${field}:`));
    await assert.rejects(generateSyntheticDataset({ images: 10, seed: 1, minObjects: 6, maxObjects: 3 }, new MemoryLocation()), InputError);
    await assert.rejects(
      generateSyntheticDataset({ images: 10, seed: 1, width: 2048, height: 2048, superpixels: { backgroundCellSize: 4 } }, new MemoryLocation()),
      /16-bit/,
    );
    await assert.rejects(generateSyntheticDataset({ images: 10, seed: 1 }, new MemoryLocation(), undefined, { concurrency: 0 }), InputError);
  });
});

describe('synthetic dataset: content of the defaults', () => {
  let location: MemoryLocation;
  let summary: SyntheticDatasetSummary;
  let items: DecodedItem[];
  const classCount = 6;

  before(async () => {
    location = new MemoryLocation();
    // More train images than the calibration sample, so the measure is not only the sample's.
    summary = await generateSyntheticDataset({ images: 400, seed: 2024 }, location, undefined, { createdAt: CREATED_AT });
    const manifest = await readGeneratedManifest(location);
    items = await Promise.all(manifest.items.map((item) => decodeItem(location, item)));
  });

  it('has pseudo labels whose train data mIoU is about the default target of 0.60', () => {
    const train = items.filter((i) => i.item.split === 'train').map((i) => ({ groundTruth: i.groundTruth, labels: i.pseudoLabels }));
    const miou = meanIou(train, classCount);
    assert.ok(Math.abs(miou - 0.6) <= 0.08, `initial data mIoU ${miou}`);
    assert.ok(Math.abs(miou - summary.initialDataMiou) < 1e-9, `reported ${summary.initialDataMiou}, measured ${miou}`);
  });

  it('has every kind of pseudo-label noise', () => {
    let confusedObjects = 0;
    let ignoredPixels = 0;
    let falsePositivePixels = 0;
    let missedObjectPixels = 0;
    for (const { groundTruth, pseudoLabels } of items) {
      const votes = new Map<number, number[]>();
      for (let p = 0; p < groundTruth.length; p++) {
        const truth = groundTruth[p];
        const label = pseudoLabels[p];
        if (label === 255) ignoredPixels++;
        if (truth === 0 && label !== 0 && label !== 255) falsePositivePixels++;
        if (truth !== 0 && label === 0) missedObjectPixels++;
        if (truth !== 0 && label !== 255) {
          const row = votes.get(truth) ?? new Array<number>(classCount).fill(0);
          row[label]++;
          votes.set(truth, row);
        }
      }
      for (const [truth, row] of votes) if (row.indexOf(Math.max(...row)) !== truth && row.indexOf(Math.max(...row)) !== 0) confusedObjects++;
    }
    assert.ok(confusedObjects > 10, `whole-object confusions: ${confusedObjects}`);
    assert.ok(ignoredPixels > 0, 'missed objects labelled 255');
    assert.ok(falsePositivePixels > 0, 'false positives and bleed onto the background');
    assert.ok(missedObjectPixels > 0, 'missed objects and eroded boundaries');
  });

  it('has superpixels that mostly follow object boundaries, with some under-segmentation', () => {
    let superpixels = 0;
    let pure = 0;
    for (const { groundTruth, superpixels: map } of items) {
      const classCounts = new Map<number, number[]>();
      for (let p = 0; p < map.length; p++) {
        if (map[p] === 0) continue;
        const row = classCounts.get(map[p]) ?? new Array<number>(classCount).fill(0);
        row[groundTruth[p]]++;
        classCounts.set(map[p], row);
      }
      for (const row of classCounts.values()) {
        superpixels++;
        if (Math.max(...row) >= 0.8 * row.reduce((a, b) => a + b, 0)) pure++;
      }
    }
    assert.ok(pure / superpixels > 0.9, `superpixels with one class over >= 80% of their pixels: ${pure}/${superpixels}`);
    assert.ok(pure < superpixels, 'some superpixels span two classes (under-segmentation)');
  });

  it('has images whose colours alone already separate the classes well above chance', () => {
    // Nearest class-mean colour, fitted on the even images and scored on the odd ones.
    const sums = new Float64Array(classCount * 3);
    const counts = new Float64Array(classCount);
    items.forEach(({ rgb, groundTruth }, index) => {
      if (index % 2 === 1) return;
      for (let p = 0; p < groundTruth.length; p++) {
        counts[groundTruth[p]]++;
        for (let c = 0; c < 3; c++) sums[groundTruth[p] * 3 + c] += rgb[p * 3 + c];
      }
    });
    const means = Array.from({ length: classCount }, (_, k) => [0, 1, 2].map((c) => sums[k * 3 + c] / counts[k]));
    const correct = new Float64Array(classCount);
    const total = new Float64Array(classCount);
    items.forEach(({ rgb, groundTruth }, index) => {
      if (index % 2 === 0) return;
      for (let p = 0; p < groundTruth.length; p++) {
        let best = 0;
        let bestDistance = Infinity;
        for (let k = 0; k < classCount; k++) {
          const distance = (rgb[p * 3] - means[k][0]) ** 2 + (rgb[p * 3 + 1] - means[k][1]) ** 2 + (rgb[p * 3 + 2] - means[k][2]) ** 2;
          if (distance < bestDistance) {
            bestDistance = distance;
            best = k;
          }
        }
        total[groundTruth[p]]++;
        if (best === groundTruth[p]) correct[groundTruth[p]]++;
      }
    });
    const balancedAccuracy = Array.from(correct).reduce((sum, c, k) => sum + c / total[k], 0) / classCount;
    assert.ok(balancedAccuracy > 3 / classCount, `balanced accuracy ${balancedAccuracy} (chance ${1 / classCount})`);
  });

  it('has every object class, with a mild imbalance', () => {
    const pixels = new Float64Array(classCount);
    for (const { groundTruth } of items) for (const v of groundTruth) pixels[v]++;
    for (let c = 1; c < classCount; c++) assert.ok(pixels[c] > 0, `class ${c} absent`);
    assert.ok(pixels[1] > pixels[classCount - 1], 'class 1 more frequent than the last class');
  });
});

describe('synthetic dataset: other targets and memory', () => {
  it('reaches other target mIoUs', async () => {
    for (const targetMiou of [0.4, 0.85]) {
      const location = new MemoryLocation();
      const summary = await generateSyntheticDataset({ images: 60, seed: 9, targetMiou, width: 64, height: 64 }, location, undefined, {
        createdAt: CREATED_AT,
      });
      assert.ok(Math.abs(summary.initialDataMiou - targetMiou) <= 0.05, `target ${targetMiou}, got ${summary.initialDataMiou}`);
    }
    const clean = await generateSyntheticDataset({ images: 10, seed: 9, targetMiou: 1 }, new MemoryLocation());
    assert.equal(clean.noiseScale, 0);
    assert.equal(clean.initialDataMiou, 1);
  });

  it('keeps memory bounded while generating hundreds of images', async () => {
    const rssAt = new Map<number, number>();
    const location = new DigestLocation();
    await generateSyntheticDataset({ images: 300, seed: 4 }, location, ({ done }) => {
      if (done % 50 === 0) rssAt.set(done, process.memoryUsage().rss);
    });
    assert.equal(location.digests.size, 300 * 4 + 4);
    const growth = (rssAt.get(300) ?? 0) - (rssAt.get(50) ?? 0);
    assert.ok(growth < 64 * 1024 * 1024, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB from image 50 to 300`);
  });
});
