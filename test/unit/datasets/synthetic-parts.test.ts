import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { ClassListSchema } from '../../../datasets/manifest.js';
import { calibrateNoiseScale } from '../../../datasets/synthetic/calibrate.js';
import { confusablePartner, syntheticClassDefs } from '../../../datasets/synthetic/classes.js';
import { LabelConfusion } from '../../../datasets/synthetic/confusion.js';
import { renderPseudoLabels } from '../../../datasets/synthetic/noise.js';
import { MAX_SYNTHETIC_CLASSES, SyntheticDatasetOptionsSchema } from '../../../datasets/synthetic/options.js';
import { deriveSeed, Prng, Stream } from '../../../datasets/synthetic/prng.js';
import { SYNTHETIC_GENERATOR_VERSION } from '../../../datasets/synthetic/generate.js';
import { designDataset, ImageCanvas, pseudoLabelDrawsOf, renderSyntheticImage, sceneOf } from '../../../datasets/synthetic/render.js';
import { renderGroundTruth } from '../../../datasets/synthetic/shapes.js';
import { renderSuperpixels } from '../../../datasets/synthetic/superpixels.js';

describe('synthetic PRNG', () => {
  it('repeats its sequence for a seed and stays in range', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    for (let i = 0; i < 1000; i++) {
      const x = a.next();
      assert.equal(x, b.next());
      assert.ok(x >= 0 && x < 1);
      const k = a.int(3, 7);
      b.int(3, 7);
      assert.ok(Number.isInteger(k) && k >= 3 && k <= 7);
    }
  });

  it('keeps its first values, which every generated dataset depends on', () => {
    const seed = deriveSeed(1, 0, Stream.scene);
    const prng = new Prng(seed);
    assert.deepEqual([seed, prng.next(), prng.next()], [2205277777, 0.034800549037754536, 0.7896579657681286]);
  });

  it('derives unrelated seeds for neighbouring datasets, images and streams, seeds above 2^32 included', () => {
    const seeds = new Set<number>();
    for (const datasetSeed of [0, 1, 2, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER]) {
      for (let index = 0; index < 50; index++) {
        for (const stream of Object.values(Stream)) seeds.add(deriveSeed(datasetSeed, index, stream));
      }
    }
    assert.equal(seeds.size, 6 * 50 * Object.values(Stream).length);
  });

  it('draws weighted indices in proportion to the weights', () => {
    const prng = new Prng(7);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[prng.weighted([1, 2, 0])]++;
    assert.equal(counts[2], 0);
    assert.ok(Math.abs(counts[1] / counts[0] - 2) < 0.15, `ratio ${counts[1] / counts[0]}`);
  });
});

describe('synthetic rasters', () => {
  it(`are those of generator version ${SYNTHETIC_GENERATOR_VERSION}`, () => {
    // A change here changes every dataset: if it is meant, bump SYNTHETIC_GENERATOR_VERSION and update the digests.
    const design = designDataset(SyntheticDatasetOptionsSchema.parse({ images: 10, seed: 1 }));
    const canvas = new ImageCanvas(design.options.width, design.options.height);
    renderSyntheticImage(design, 3, 1, canvas);
    const digest = (a: Uint8Array | Uint32Array) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex').slice(0, 16);
    assert.deepEqual([canvas.rgb, canvas.groundTruth, canvas.pseudoLabels, canvas.superpixels].map(digest), [
      '77f7a805174f01ea',
      '48e8426f13c003be',
      '020493fb0d08fe61',
      '1a4957d448dad36c',
    ]);
  });
});

describe('synthetic classes', () => {
  it('are a valid class list with unique names for every class count', () => {
    for (let count = 2; count <= MAX_SYNTHETIC_CLASSES; count++) {
      const classes = syntheticClassDefs(count);
      assert.ok(ClassListSchema.safeParse(classes).success);
      assert.deepEqual(classes.map((c) => c.id), Array.from({ length: count }, (_, i) => i));
      assert.equal(new Set(classes.map((c) => c.name)).size, count, `names for ${count} classes`);
    }
  });

  it('pair confusable classes symmetrically, leaving background alone', () => {
    for (let count = 3; count <= MAX_SYNTHETIC_CLASSES; count++) {
      assert.equal(confusablePartner(0, count), undefined);
      for (let c = 1; c < count; c++) {
        const partner = confusablePartner(c, count);
        assert.ok(partner !== undefined && partner >= 1 && partner < count && partner !== c);
        // An odd class out pairs one way only.
        if (!(count % 2 === 0 && c === count - 1)) assert.equal(confusablePartner(partner, count), c);
      }
    }
    assert.equal(confusablePartner(1, 2), undefined);
  });
});

describe('synthetic pseudo-label noise', () => {
  const design = designDataset(SyntheticDatasetOptionsSchema.parse({ images: 10, seed: 123 }));
  const { width, height, classes, noise } = design.options;
  const images = Array.from({ length: 40 }, (_, index) => {
    const scene = sceneOf(design, index, new Uint8Array(width * height));
    const groundTruth = new Uint8Array(width * height);
    renderGroundTruth(scene, groundTruth);
    return { scene, groundTruth, draws: pseudoLabelDrawsOf(design, index, scene) };
  });
  const miouAt = (noiseScale: number): number => {
    const confusion = new LabelConfusion(classes);
    const labels = new Uint8Array(width * height);
    const distances = new Uint16Array(width * height);
    for (const image of images) {
      renderPseudoLabels(image.scene, image.draws, noiseScale, noise, classes, distances, labels);
      confusion.add(image.groundTruth, labels);
    }
    return confusion.meanIou();
  };

  it('is the ground truth at noise scale 0', () => {
    const labels = new Uint8Array(width * height);
    for (const image of images) {
      renderPseudoLabels(image.scene, image.draws, 0, noise, classes, new Uint16Array(width * height), labels);
      assert.deepEqual(labels, image.groundTruth);
    }
    assert.equal(miouAt(0), 1);
  });

  it('lowers the data mIoU as the noise scale grows', () => {
    const curve = [0, 0.5, 1, 2, 4, 8].map(miouAt);
    for (let i = 1; i < curve.length; i++) assert.ok(curve[i] < curve[i - 1], `mIoU curve ${curve.join(', ')}`);
  });

  it('is calibrated to the scale whose mIoU is closest to the target', () => {
    const calibration = calibrateNoiseScale(design, Array.from({ length: 40 }, (_, i) => i));
    assert.equal(calibration.sampleImages, 40);
    assert.ok(Math.abs(calibration.sampleMiou - design.options.targetMiou) < 0.02, `sample mIoU ${calibration.sampleMiou}`);
    assert.equal(miouAt(calibration.noiseScale), calibration.sampleMiou);
  });
});

describe('synthetic superpixels', () => {
  const options = SyntheticDatasetOptionsSchema.parse({ images: 10, seed: 77 });
  const design = designDataset(options);
  const { width, height } = options;

  /** Superpixel id -> the instances (0 = background) its pixels belong to, and the pieces of each object. */
  function partition(superpixelOptions: typeof options.superpixels, index: number) {
    const scene = sceneOf(design, index, new Uint8Array(width * height));
    const map = new Uint32Array(width * height);
    const count = renderSuperpixels(scene, new Prng(index), superpixelOptions, new Int32Array(width * height), map);
    const instancesOf = new Map<number, Set<number>>();
    const piecesOf = new Map<number, Set<number>>();
    for (let p = 0; p < map.length; p++) {
      if (map[p] === 0) continue;
      instancesOf.set(map[p], (instancesOf.get(map[p]) ?? new Set()).add(scene.instances[p]));
      if (scene.instances[p] !== 0) piecesOf.set(scene.instances[p], (piecesOf.get(scene.instances[p]) ?? new Set()).add(map[p]));
    }
    return { count, map, instancesOf, piecesOf };
  }

  it('numbers superpixels 1..n in order of first appearance', () => {
    const { count, map } = partition(options.superpixels, 0);
    let highest = 0;
    for (const id of map) {
      assert.ok(id <= highest + 1);
      highest = Math.max(highest, id);
    }
    assert.equal(highest, count);
  });

  it('never cross an object boundary without under-segmentation, and split objects into pieces', () => {
    let splitObjects = 0;
    for (let index = 0; index < 30; index++) {
      const { instancesOf, piecesOf } = partition({ ...options.superpixels, mergeProbability: 0 }, index);
      for (const [id, instances] of instancesOf) assert.equal(instances.size, 1, `image ${index}: superpixel ${id} spans ${[...instances].join(', ')}`);
      for (const pieces of piecesOf.values()) if (pieces.size > 1) splitObjects++;
    }
    assert.ok(splitObjects >= 5, `over-segmented objects: ${splitObjects}`);
  });

  it('merges objects with a neighbour at the merge probability', () => {
    let merged = 0;
    for (let index = 0; index < 10; index++) {
      const { instancesOf } = partition({ ...options.superpixels, mergeProbability: 1, outlineGapProbability: 0 }, index);
      for (const instances of instancesOf.values()) if (instances.size > 1) merged++;
    }
    assert.ok(merged >= 10, `superpixels spanning two instances: ${merged}`);
  });

  it('leaves no pixel without a superpixel when gaps and unsegmented cells are off', () => {
    const { map } = partition({ ...options.superpixels, unsegmentedProbability: 0, outlineGapProbability: 0 }, 3);
    assert.ok(map.every((id) => id > 0));
  });
});

describe('synthetic label confusion', () => {
  it('counts a 255 label as a miss of the true class and skips void ground truth', () => {
    const confusion = new LabelConfusion(2);
    confusion.add(Uint8Array.from([0, 0, 1, 1, 255]), Uint8Array.from([0, 1, 1, 255, 0]));
    // class 0: tp 1, fn 1, fp 0 -> 1/2; class 1: tp 1, fn 1 (the 255), fp 1 -> 1/3
    assert.ok(Math.abs(confusion.meanIou() - (1 / 2 + 1 / 3) / 2) < 1e-12);
  });
});
