/**
 * The WebAssembly SIMD kernel behind scoreImage (engine-wasm/): its committed build is what the
 * sources compile to; on images shaped to take each of its paths (groups of eight pixels of one
 * superpixel and one predicted class, mixed groups, image tails, C = 1 and odd and even C, zero
 * vectors and 255 labels inside groups, 8-, 16- and 32-bit superpixel maps) it matches the NumPy
 * reference bit for bit; its errors name the first bad pixel in row-major order; one workspace
 * serves images of any size in any order.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { abcScores, addUnqueriedLabelCounts, classBalancedWeights } from '../../../engine/class-weights.js';
import { encodeFloat32Npy } from '../../../engine/npy.js';
import { Prng } from '../../../engine/prng.js';
import { ScoringWorkspace, scoreImage, scoredSuperpixels, type ImageScores } from '../../../engine/score-image.js';
import { selectByScore } from '../../../engine/select.js';
import { randomImage } from './helpers.js';
import { referenceScores } from './score-reference.js';
import { DEFAULT_SCORE, type ImageInput, type Mode, type RankedSuperpixel, type SuperpixelMap, type SuperpixelScore } from '../../../engine/types.js';

const root = path.resolve(import.meta.dirname, '../../..');
const python = path.join(root, '.venv/bin/python');
const missingPython = existsSync(python) ? false : `${python} is missing: create the venv (requirements.txt) to run the NumPy cross-check`;
const workDir = mkdtempSync(path.join(tmpdir(), 'alc-kernel-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

/**
 * An image of rectangular superpixels over coarser class regions, as segmentation outputs are:
 * most groups of eight pixels are one superpixel with one predicted class. Soft labels mix eighths
 * (exact ties in cosines), argmax ties and arbitrary floats of very different magnitudes; some
 * pixels are zero vectors, some labels 255 or noise, a few blocks are superpixel 0.
 */
function blockImage(prng: Prng, classes: number, height: number, width: number): ImageInput {
  const hw = height * width;
  const side = 3 + prng.nextBelow(14);
  const regionSide = side * (1 + prng.nextBelow(3));
  const blocksPerRow = Math.ceil(width / side);
  const blockId = Array.from({ length: Math.ceil(height / side) * blocksPerRow }, () => (prng.nextFloat() < 0.1 ? 0 : 1 + prng.nextBelow(200)));
  const regionsPerRow = Math.ceil(width / regionSide);
  const regionClass = Array.from({ length: Math.ceil(height / regionSide) * regionsPerRow }, () => prng.nextBelow(classes));
  const zeroRate = [0, 0.002, 0.02][prng.nextBelow(3)];
  const noiseRate = [0, 0.01, 0.1][prng.nextBelow(3)];
  const softLabels = new Float32Array(classes * hw);
  const labels = new Uint8Array(hw);
  const superpixels = new Uint32Array(hw);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const pixel = y * width + x;
      superpixels[pixel] = blockId[Math.floor(y / side) * blocksPerRow + Math.floor(x / side)];
      const region = regionClass[Math.floor(y / regionSide) * regionsPerRow + Math.floor(x / regionSide)];
      const peak = prng.nextFloat() < noiseRate ? prng.nextBelow(classes) : region;
      const zero = prng.nextFloat() < zeroRate;
      const eighths = prng.nextFloat() < 0.4;
      const tie = classes > 1 && prng.nextFloat() < 0.05 ? (peak + 1 + prng.nextBelow(classes - 1)) % classes : -1;
      // Values of very different magnitudes make float64 sums round, so that only the specified
      // order of additions gives the reference's bits.
      const scale = prng.nextFloat() < 0.5 ? 2 ** -prng.nextBelow(50) : 1;
      const topValue = 2 + prng.nextFloat();
      for (let c = 0; c < classes; c++) {
        const tiny = prng.nextFloat() < 0.3 ? 2 ** -(20 + prng.nextBelow(40)) : 1;
        const top = c === peak || c === tie;
        const value = eighths ? (prng.nextBelow(2) + (top ? 3 : 0)) / 8 : top ? topValue : prng.nextFloat() * tiny;
        softLabels[c * hw + pixel] = zero ? 0 : value * scale;
      }
      const r = prng.nextFloat();
      labels[pixel] = r < 0.04 ? 255 : r < 0.04 + noiseRate ? prng.nextBelow(classes) : region;
    }
  }
  return { classes, height, width, softLabels, labels, superpixels };
}

/** The same image with its superpixel ids in an 8-, 16- or 32-bit map. */
function withMapType(image: ImageInput, bits: 8 | 16 | 32): ImageInput {
  const ids = image.superpixels;
  const map: SuperpixelMap = bits === 8 ? Uint8Array.from(ids) : bits === 16 ? Uint16Array.from(ids) : Uint32Array.from(ids);
  return { ...image, superpixels: map };
}

interface ReferenceOutput {
  superpixels: SuperpixelScore[];
  selected: RankedSuperpixel[];
}

function runReference(run: string, images: readonly ImageInput[], mode: Mode, tau: number): ReferenceOutput {
  const entries = images.map((image, i) => {
    const base = path.join(workDir, `${run}-${i}`);
    writeFileSync(`${base}.npy`, encodeFloat32Npy(image.softLabels, [image.classes, image.height, image.width]));
    writeFileSync(`${base}.u8`, image.labels);
    writeFileSync(`${base}.u32`, new Uint8Array(Uint32Array.from(image.superpixels).buffer));
    return { id: `img${i}`, height: image.height, width: image.width, softLabels: `${base}.npy`, labels: `${base}.u8`, superpixels: `${base}.u32` };
  });
  const manifest = path.join(workDir, `${run}.json`);
  const out = path.join(workDir, `${run}-out.json`);
  writeFileSync(manifest, JSON.stringify({ classes: images[0].classes, mode, tau, score: DEFAULT_SCORE[mode], budget: 30, images: entries }));
  execFileSync(python, [path.join(root, 'bench/reference/alc_numpy.py'), manifest, out], { stdio: ['ignore', 'inherit', 'inherit'] });
  return JSON.parse(readFileSync(out, 'utf8')) as ReferenceOutput;
}

describe('WebAssembly build', () => {
  it('compiles engine-wasm/assembly to the committed engine-wasm/*.wasm, byte for byte', () => {
    const rebuilt = mkdtempSync(path.join(workDir, 'wasm-'));
    execFileSync('bash', [path.join(root, 'scripts/build-wasm.sh'), rebuilt], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    for (const file of ['score-kernel.wasm', 'softmax.wasm']) {
      const committed = readFileSync(path.join(root, 'engine-wasm', file));
      assert.ok(readFileSync(path.join(rebuilt, file)).equals(committed), `engine-wasm/${file} is stale: run scripts/build-wasm.sh`);
    }
  });
});

describe('score kernel vs NumPy reference on block images', { skip: missingPython }, () => {
  // Three images per case: enough that swapping two additions in any of the kernel's sums (class
  // sums for the mean over D, squared norms, dot products, the sums of e and of cos * e) changes
  // bits the comparison sees.
  const cases: { seed: number; classes: number; height: number; width: number; mode: Mode; tau: number; bits: 8 | 16 | 32 }[] = [
    { seed: 1, classes: 21, height: 60, width: 125, mode: 'alc', tau: 0, bits: 16 },
    { seed: 2, classes: 21, height: 59, width: 83, mode: 'a2lc', tau: 0, bits: 8 },
    { seed: 3, classes: 19, height: 41, width: 72, mode: 'alc', tau: 0.9, bits: 32 },
    { seed: 4, classes: 2, height: 23, width: 101, mode: 'a2lc', tau: 0.95, bits: 16 },
    { seed: 5, classes: 1, height: 17, width: 43, mode: 'alc', tau: 0, bits: 8 },
    { seed: 6, classes: 8, height: 50, width: 61, mode: 'a2lc', tau: 0.5, bits: 32 },
    { seed: 7, classes: 33, height: 21, width: 48, mode: 'alc', tau: 0.3, bits: 16 },
    { seed: 8, classes: 3, height: 1, width: 203, mode: 'a2lc', tau: 0, bits: 32 },
  ];
  for (const { seed, classes, height, width, mode, tau, bits } of cases) {
    it(`C ${classes}, ${height}x${width}, ${mode}, tau ${tau}, ${bits}-bit superpixels`, () => {
      const prng = new Prng(seed);
      const images = Array.from({ length: 3 }, () => withMapType(blockImage(prng, classes, height, width), bits));
      const expected = runReference(`block-${seed}`, images, mode, tau);
      const scored = images.map((image) => scoreImage(image, { mode, tau }));
      const totals = new Float64Array(classes);
      for (const scores of scored) addUnqueriedLabelCounts(totals, scores);
      const weights = classBalancedWeights(totals);
      const records = scored.flatMap((scores, i) => scoredSuperpixels(`img${i}`, scores, abcScores(scores, weights)));
      assert.ok(records.length > 10, 'enough scored superpixels to compare');
      assert.equal(records.length, expected.superpixels.length, 'scored superpixels');
      records.forEach((record, i) => {
        const ref = expected.superpixels[i];
        const where = `${record.image} superpixel ${record.superpixel}`;
        assert.deepEqual(
          [record.image, record.superpixel, record.pixels, record.expansion, record.dominant, record.rep, record.label],
          [ref.image, ref.superpixel, ref.pixels, ref.expansion, ref.dominant, ref.rep, ref.label],
          where,
        );
        for (const key of ['pixel', 'cil', 'sim'] as const) assert.equal(record[key], ref[key], `${where}: ${key} differs from the reference in its bits`);
        assert.ok(Math.abs((record.abc ?? NaN) - (ref.abc ?? NaN)) <= 1e-9, `${where}: abc ${record.abc} vs ${ref.abc}`);
      });
      const selected = selectByScore(records, DEFAULT_SCORE[mode], { budget: 30, queried: new Map() });
      assert.deepEqual(selected.map((r) => [r.image, r.superpixel]), expected.selected.map((r) => [r.image, r.superpixel]), 'selection');
    });
  }
});

/** Every bit of every array of `actual` equals `expected`'s (Float64Array equality alone would take -0 for 0). */
function assertSameBits(actual: ImageScores, expected: ImageScores, where: string): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), where);
  for (const [key, value] of Object.entries(actual) as [keyof ImageScores, unknown][]) {
    const other = expected[key];
    if (!ArrayBuffer.isView(value) || !ArrayBuffer.isView(other)) {
      assert.equal(value, other, `${where}: ${key}`);
      continue;
    }
    assert.equal(value.constructor, other.constructor, `${where}: type of ${key}`);
    const bytes = (view: ArrayBufferView) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);
    assert.ok(bytes(value).equals(bytes(other)), `${where}: ${key} differs from the scalar reference`);
  }
}

describe('score kernel vs the scalar reference, every bit of every output', () => {
  it('on block images and run-length random images, with the expansion map', () => {
    const prng = new Prng(2026);
    const workspace = new ScoringWorkspace();
    for (let trial = 0; trial < 60; trial++) {
      const classes = [1, 2, 3, 5, 8, 19, 21, 33][trial % 8];
      const height = 1 + prng.nextBelow(50);
      const width = 1 + prng.nextBelow(90);
      const image = trial % 3 === 2
        ? randomImage(prng, { classes, height, width, superpixels: 1 + prng.nextBelow(30) })
        : withMapType(blockImage(prng, classes, height, width), ([8, 16, 32] as const)[trial % 3]);
      for (const mode of ['alc', 'a2lc'] as const) {
        const tau = [0, 0.3, 0.9, -1][prng.nextBelow(4)];
        const where = `trial ${trial}, C ${classes}, ${height}x${width}, ${mode}, tau ${tau}`;
        const expansion = new Int32Array(height * width);
        const referenceExpansion = new Int32Array(height * width);
        assertSameBits(scoreImage(image, { mode, tau, expansionOut: expansion }, workspace), referenceScores(image, mode, tau, referenceExpansion), where);
        assert.deepEqual(expansion, referenceExpansion, `${where}: expansion map`);
      }
    }
  });
});

describe('score kernel: ALC representative among near ties, at extreme magnitudes', () => {
  // Pixels of one superpixel close to their mean, so that cosines differ in their last bits, where
  // the kernel's float32 pre-test cannot decide and only float64 arithmetic picks r; scaled so that
  // |P(x)| |m| falls inside and outside the pre-test's range, and so that |m| is below 1e-30.
  it('picks the same r as the scalar reference', () => {
    const prng = new Prng(99);
    const classes = 6;
    const height = 8;
    const width = 40;
    const hw = height * width;
    for (const scale of [1, 1e-25, 1e-18, 1e-12, 1e17, 1e19]) {
      for (const spread of [2 ** -20, 2 ** -30, 2 ** -45]) {
        const softLabels = new Float32Array(classes * hw);
        for (let x = 0; x < hw; x++) {
          for (let c = 0; c < classes; c++) softLabels[c * hw + x] = ((c === 2 ? 4 : 1) + spread * prng.nextFloat()) * scale;
        }
        const image: ImageInput = { classes, height, width, softLabels, labels: new Uint8Array(hw).fill(2), superpixels: new Uint16Array(hw).fill(1) };
        const where = `scale ${scale}, spread ${spread}`;
        assertSameBits(scoreImage(image, { mode: 'alc' }), referenceScores(image, 'alc', 0), where);
      }
      // Every class but the peak equal, and the pixels closer and closer to the mean in row-major
      // order: each one beats the one before by less than the pre-test's margin.
      const tight = new Float32Array(classes * hw);
      for (let x = 0; x < hw; x++) {
        tight[x] = (2 + (x % 2 === 0 ? 1 : -1) * 2 ** -12 * (1 - x / hw)) * scale;
        for (let c = 1; c < classes; c++) tight[c * hw + x] = scale;
      }
      const image: ImageInput = { classes, height, width, softLabels: tight, labels: new Uint8Array(hw), superpixels: new Uint16Array(hw).fill(1) };
      assertSameBits(scoreImage(image, { mode: 'alc' }), referenceScores(image, 'alc', 0), `tight, scale ${scale}`);
    }
  });
});

describe('score kernel: expansion map', () => {
  it('marks exactly E of each superpixel, on vector and pixel-by-pixel groups alike', () => {
    const prng = new Prng(77);
    for (const mode of ['alc', 'a2lc'] as const) {
      const image = blockImage(prng, 5, 30, 45);
      const expansion = new Int32Array(image.height * image.width);
      const scores = scoreImage(image, { mode, tau: 0.8, expansionOut: expansion });
      const counted = new Uint32Array(scores.superpixelIds.length);
      expansion.forEach((i, x) => {
        if (i < 0) return;
        counted[i]++;
        assert.equal(image.superpixels[x], scores.superpixelIds[i], `pixel ${x} is marked for a superpixel it is not in`);
      });
      assert.deepEqual(counted, scores.expansion);
    }
  });
});

describe('score kernel: errors name the first bad pixel in row-major order', () => {
  // One superpixel over 4 x 16 pixels, one predicted class: every group of eight takes the vector path.
  const uniform = (): ImageInput => {
    const hw = 64;
    const softLabels = new Float32Array(3 * hw);
    softLabels.fill(0.75, 0, hw);
    softLabels.fill(0.125, hw);
    return { classes: 3, height: 4, width: 16, softLabels, labels: new Uint8Array(hw), superpixels: new Uint16Array(hw).fill(1) };
  };

  it('a label out of range inside a group of one superpixel', () => {
    const image = uniform();
    image.labels[21] = 3;
    assert.throws(() => scoreImage(image, { mode: 'alc', image: 'u' }), /^InputError: u: label 3 at \(row 1, col 5\) is out of range/);
  });

  it('a non-finite soft label inside such a group', () => {
    const image = uniform();
    image.softLabels[64 + 42] = Infinity;
    assert.throws(() => scoreImage(image, { mode: 'a2lc', image: 'u' }), /^InputError: u: soft labels at \(row 2, col 10\) are not finite/);
  });

  it('whichever comes first, and labels are checked outside superpixels too', () => {
    const image = uniform();
    image.softLabels[30] = NaN;
    image.labels[33] = 200;
    assert.throws(() => scoreImage(image, { mode: 'alc' }), /soft labels at \(row 1, col 14\) are not finite/);
    const outside = uniform();
    outside.superpixels.fill(0, 0, 16);
    outside.labels[9] = 9;
    outside.softLabels[40] = NaN;
    assert.throws(() => scoreImage(outside, { mode: 'alc' }), /label 9 at \(row 0, col 9\) is out of range/);
  });

  it('non-finite soft labels outside every superpixel change nothing', () => {
    const image = uniform();
    image.superpixels.fill(0, 16, 32);
    const withNaN = { ...image, softLabels: image.softLabels.slice() };
    for (const x of [16, 20, 31]) withNaN.softLabels[64 + x] = NaN;
    for (const mode of ['alc', 'a2lc'] as const) assert.deepEqual(scoreImage(withNaN, { mode }), scoreImage(image, { mode }));
  });
});

describe('score kernel: one workspace for images of any size, in any order', () => {
  it('gives what a fresh workspace gives while its memory grows', () => {
    const prng = new Prng(5);
    const workspace = new ScoringWorkspace();
    const sizes: [number, number, number][] = [[4, 12, 20], [21, 120, 160], [3, 7, 9], [2, 200, 150], [21, 120, 160]];
    for (const [classes, height, width] of sizes) {
      const image = blockImage(prng, classes, height, width);
      for (const mode of ['alc', 'a2lc'] as const) assert.deepEqual(scoreImage(image, { mode, tau: 0.2 }, workspace), scoreImage(image, { mode, tau: 0.2 }));
    }
  });
});
