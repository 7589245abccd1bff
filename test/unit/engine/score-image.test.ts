import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../common/errors.js';
import { Prng } from '../../../engine/prng.js';
import { ScoringWorkspace, scoreImage, scoredSuperpixels, type ImageScores } from '../../../engine/score-image.js';
import type { ImageInput, Mode } from '../../../engine/types.js';
import { imageFrom, randomImage } from './helpers.js';

/** Index of superpixel `id` in the result arrays. */
function at(scores: ImageScores, id: number): number {
  const i = scores.superpixelIds.indexOf(id);
  assert.ok(i >= 0, `superpixel ${id} missing`);
  return i;
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12, `${what}: ${actual} != ${expected}`);
}

// A recurring example, worked by hand: C = 2, one row of three pixels, one superpixel.
//   x0 = [0.75, 0.25] (A = 0), x1 = [0.75, 0.25] (A = 0), x2 = [0.25, 0.75] (A = 1); L = [0, 1, 255].
//   d = 0 (two votes to one), D = {x0, x1}, m = [0.75, 0.25]; x0 and x1 tie on cos(., m), so r = x0.
//   ALC: v = P(x0), q = u(x0) = 0, pixel = 1 - 0.75 = 0.25.
//   u = [0, 1, A(x2) = 1], e = [0.25, 0.75, 0.25]; cos(., v) = [1, 1, 0.375 / 0.625 = 0.6].
const worked = imageFrom({
  height: 1,
  width: 3,
  vectors: [[0.75, 0.25], [0.75, 0.25], [0.25, 0.75]],
  labels: [0, 1, 255],
  superpixels: [7, 7, 7],
});

describe('scoreImage: per-pixel rules', () => {
  it('breaks argmax ties towards the smallest class', () => {
    const scores = scoreImage(
      imageFrom({ height: 1, width: 2, vectors: [[0.5, 0.5, 0], [0, 0.25, 0.25]], labels: [255, 255], superpixels: [1, 2] }),
      { mode: 'alc' },
    );
    assert.deepEqual([...scores.dominant], [0, 1]);
    // With L = 255, q = u(r) = A(r); pixel = 1 - P[A(r), r].
    assert.deepEqual([...scores.label], [0, 1]);
    assert.deepEqual([...scores.pixelScore], [0.5, 0.75]);
  });

  it('uses L where known and A where L is 255 for e(x)', () => {
    const scores = scoreImage(worked, { mode: 'alc' });
    // cil = mean of e = (0.25 + 0.75 + 0.25) / 3.
    close(scores.cil[0], 1.25 / 3, 'cil');
  });
});

describe('scoreImage: dominant class and representative', () => {
  it('takes the most frequent A as d, ties to the smallest class', () => {
    const scores = scoreImage(
      imageFrom({
        height: 1,
        width: 4,
        vectors: [[0.25, 0.75], [0.75, 0.25], [0.25, 0.75], [0.75, 0.25]],
        labels: [0, 0, 0, 0],
        superpixels: [1, 1, 1, 1],
      }),
      { mode: 'alc' },
    );
    assert.equal(scores.dominant[0], 0);
    // D = {x1, x3}, identical vectors: the tie on cos(., m) goes to the first in row-major order.
    assert.equal(scores.representative[0], 1);
  });

  it('picks the pixel of D closest to the mean, not the first one', () => {
    // m = [(0.5 + 0.75 + 1) / 3, (0.25 + 0.125 + 0) / 3] = [0.75, 0.125] = P(x1), so cos(x1, m) is the highest.
    const scores = scoreImage(
      imageFrom({ height: 1, width: 3, vectors: [[0.5, 0.25], [0.75, 0.125], [1, 0]], labels: [0, 0, 0], superpixels: [4, 4, 4] }),
      { mode: 'alc' },
    );
    assert.equal(scores.representative[0], 1);
  });

  it('reports r as [row, col] in the records', () => {
    const scores = scoreImage(
      imageFrom({
        height: 2,
        width: 2,
        vectors: [[1, 0], [0.25, 0.75], [0.25, 0.75], [0, 1]],
        labels: [0, 0, 0, 0],
        superpixels: [3, 3, 3, 3],
      }),
      { mode: 'alc' },
    );
    // A = [0, 1, 1, 1], d = 1, D = {x1, x2, x3}; m = [1/6, 5/6]; x1 and x2 tie and beat x3.
    const [record] = scoredSuperpixels('img', scores);
    assert.deepEqual(record.rep, [0, 1]);
  });
});

describe('scoreImage: ALC scores of the worked example', () => {
  it('gives pixel, cil, sim and class terms at tau = 0', () => {
    const s = scoreImage(worked, { mode: 'alc' });
    assert.deepEqual([...s.superpixelIds], [7]);
    assert.equal(s.pixels[0], 3);
    assert.equal(s.expansion[0], 3);
    assert.equal(s.dominant[0], 0);
    assert.equal(s.representative[0], 0);
    assert.equal(s.label[0], 0);
    assert.equal(s.pixelScore[0], 0.25);
    close(s.sim[0], 1 * 0.25 + 1 * 0.75 + 0.6 * 0.25, 'sim');
    // T[c] groups cos * e by u(x): u = [0, 1, 1].
    close(s.classTerms[0], 0.25, 'T[0]');
    close(s.classTerms[1], 0.75 + 0.6 * 0.25, 'T[1]');
    // Label counts over R for the class weights: L = [0, 1, 255], 255 not counted.
    assert.deepEqual([...s.labelCounts], [1, 1]);
  });

  it('keeps only pixels with cos >= tau in E', () => {
    const s = scoreImage(worked, { mode: 'alc', tau: 0.7 });
    assert.equal(s.expansion[0], 2);
    close(s.cil[0], (0.25 + 0.75) / 2, 'cil');
    close(s.sim[0], 1.0, 'sim');
    close(s.classTerms[1], 0.75, 'T[1]');
    assert.equal(s.pixels[0], 3, '|R| does not depend on tau');
  });

  it('fills the expansion map with the superpixel index on E and -1 elsewhere', () => {
    const expansionOut = new Int32Array(3);
    scoreImage(worked, { mode: 'alc', tau: 0.7, expansionOut });
    assert.deepEqual([...expansionOut], [0, 0, -1]);
  });
});

describe('scoreImage: tau is inclusive and ALC expands around P(r), A2LC around m', () => {
  // x0 = [1, 0], x1 = [0.5, 0.5] (A = 0 by the tie rule), x2 = [0, 1]. d = 0, D = {x0, x1},
  // m = [0.75, 0.25]; cos(x0, m) = 0.75 / |m| = 0.9487 > cos(x1, m) = 0.8944, so r = x0.
  // ALC, v = [1, 0]: cos = [1, 0.7071, 0]. A2LC, v = m: cos = [0.9487, 0.8944, 0.3162].
  const image = imageFrom({ height: 1, width: 3, vectors: [[1, 0], [0.5, 0.5], [0, 1]], labels: [0, 0, 1], superpixels: [1, 1, 1] });
  const expansionAt = (mode: Mode, tau: number): number => scoreImage(image, { mode, tau }).expansion[0];

  it('ALC', () => {
    assert.equal(expansionAt('alc', 0), 3, 'cos exactly 0 is >= tau 0');
    assert.equal(expansionAt('alc', 0.8), 1);
    assert.equal(expansionAt('alc', 1), 1, 'cos exactly 1 is >= tau 1');
  });

  it('A2LC', () => {
    assert.equal(expansionAt('a2lc', 0.8), 2);
    assert.equal(expansionAt('a2lc', 0.9), 1);
    assert.equal(scoreImage(image, { mode: 'a2lc' }).representative[0], 0, 'r as in ALC');
  });

  it('a tau above every cosine leaves E empty: no score, not a candidate', () => {
    const s = scoreImage(image, { mode: 'alc', tau: 1.5 });
    assert.equal(s.expansion[0], 0);
    assert.ok(Number.isNaN(s.sim[0]) && Number.isNaN(s.cil[0]) && Number.isNaN(s.pixelScore[0]));
    assert.deepEqual(scoredSuperpixels('img', s), []);
    assert.equal(s.pixels[0], 3);
  });
});

describe('scoreImage: A2LC queried label', () => {
  const flat = (vector: number[], labels: number[]): ImageInput =>
    imageFrom({ height: 1, width: 4, vectors: [vector, vector, vector, vector], labels, superpixels: [2, 2, 2, 2] });

  it('is the most frequent L over D, ties to the smallest id', () => {
    const s = scoreImage(flat([0.75, 0.25], [1, 0, 1, 0]), { mode: 'a2lc' });
    assert.equal(s.label[0], 0);
    assert.equal(s.pixelScore[0], 0.25, 'pixel = 1 - P[q, r]');
  });

  it('lets 255 win only outright', () => {
    const s = scoreImage(flat([0.75, 0.25], [255, 255, 1, 1]), { mode: 'a2lc' });
    assert.equal(s.label[0], 1);
    assert.equal(s.pixelScore[0], 0.75);
    // ALC on the same image: q = u(r) = A(x0) = 0 since L(x0) = 255.
    assert.equal(scoreImage(flat([0.75, 0.25], [255, 255, 1, 1]), { mode: 'alc' }).label[0], 0);
  });

  it('falls back to the most frequent A over D (= d) when 255 wins', () => {
    const s = scoreImage(flat([0.25, 0.75], [255, 255, 255, 0]), { mode: 'a2lc' });
    assert.equal(s.dominant[0], 1);
    assert.equal(s.label[0], 1);
    assert.equal(s.pixelScore[0], 0.25);
  });
});

describe('scoreImage: zero vectors and superpixel 0', () => {
  it('counts zero vectors in |R| and the votes but leaves them out of m and E', () => {
    // A = [0 (zero vector), 1, 1]: d = 1, D = {x1, x2}; E = {x1, x2}.
    const s = scoreImage(
      imageFrom({ height: 1, width: 3, vectors: [[0, 0], [0.25, 0.75], [0.25, 0.75]], labels: [0, 1, 1], superpixels: [5, 5, 5] }),
      { mode: 'alc' },
    );
    assert.equal(s.pixels[0], 3);
    assert.equal(s.expansion[0], 2);
    assert.equal(s.representative[0], 1);
    close(s.cil[0], 0.25, 'cil over E');
  });

  it('gives no score when D holds only zero vectors', () => {
    // Two zero vectors vote for class 0 and win; D has no vector to average.
    const s = scoreImage(
      imageFrom({ height: 1, width: 3, vectors: [[0, 0], [0, 0], [0.25, 0.75]], labels: [0, 0, 0], superpixels: [5, 5, 5] }),
      { mode: 'a2lc' },
    );
    assert.equal(s.dominant[0], 0);
    assert.equal(s.representative[0], -1);
    assert.equal(s.expansion[0], 0);
  });

  it('never scores superpixel 0 and lists ids ascending', () => {
    const s = scoreImage(
      imageFrom({ height: 1, width: 4, vectors: [[1, 0], [1, 0], [0, 1], [0, 1]], labels: [0, 0, 1, 1], superpixels: [0, 900, 0, 3] }),
      { mode: 'alc' },
    );
    assert.deepEqual([...s.superpixelIds], [3, 900]);
    assert.deepEqual([...s.pixels], [1, 1]);
  });
});

describe('scoreImage: bad input', () => {
  it('rejects a label out of range, naming the image and the pixel', () => {
    const image = imageFrom({ height: 2, width: 2, vectors: [[1, 0], [1, 0], [1, 0], [1, 0]], labels: [0, 1, 0, 7], superpixels: [1, 1, 1, 1] });
    assert.throws(() => scoreImage(image, { mode: 'alc', image: 'cat_01' }), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, /cat_01: label 7 at \(row 1, col 1\) is out of range/);
      return true;
    });
  });

  it('rejects maps of different sizes', () => {
    const image = imageFrom({ height: 1, width: 2, vectors: [[1, 0], [1, 0]], labels: [0, 0], superpixels: [1, 1] });
    assert.throws(() => scoreImage({ ...image, superpixels: new Uint16Array(3) }, { mode: 'alc', image: 'x' }), /x: superpixel map has 3 pixels, expected 1x2/);
    assert.throws(() => scoreImage({ ...image, labels: new Uint8Array(1) }, { mode: 'alc' }), InputError);
    assert.throws(() => scoreImage({ ...image, softLabels: new Float32Array(5) }, { mode: 'alc' }), /soft labels have 5 values/);
  });

  it('rejects non-finite soft labels inside superpixels', () => {
    const image = imageFrom({ height: 1, width: 2, vectors: [[1, 0], [NaN, 0]], labels: [0, 0], superpixels: [1, 1] });
    assert.throws(() => scoreImage(image, { mode: 'alc', image: 'y' }), /y: soft labels at \(row 0, col 1\) are not finite/);
  });

  it('rejects a non-finite tau', () => {
    assert.throws(() => scoreImage(worked, { mode: 'alc', tau: NaN }), InputError);
  });
});

describe('scoreImage: properties on random images', () => {
  const modes: Mode[] = ['alc', 'a2lc'];

  it('renumbering the superpixels changes no score', () => {
    const prng = new Prng(20260101);
    for (let trial = 0; trial < 12; trial++) {
      const image = randomImage(prng, { classes: 2 + prng.nextBelow(6), height: 3 + prng.nextBelow(20), width: 3 + prng.nextBelow(23), superpixels: 12 });
      // A random injective renumbering, with ids large enough to take the sparse lookup path.
      const newId = new Map<number, number>([[0, 0]]);
      const used = new Set<number>();
      for (const id of image.superpixels) {
        if (newId.has(id)) continue;
        let candidate: number;
        do candidate = 1 + prng.nextBelow(trial % 2 === 0 ? 50 : 4_000_000_000);
        while (used.has(candidate));
        used.add(candidate);
        newId.set(id, candidate);
      }
      const renumbered = { ...image, superpixels: Uint32Array.from(image.superpixels, (id) => newId.get(id) ?? -1) };
      for (const mode of modes) {
        const tau = trial % 3 === 0 ? 0.5 : 0;
        const before = scoreImage(image, { mode, tau });
        const after = scoreImage(renumbered, { mode, tau });
        before.superpixelIds.forEach((id, i) => {
          const j = at(after, newId.get(id) ?? -1);
          for (const key of ['pixels', 'expansion', 'dominant', 'representative', 'label', 'pixelScore', 'cil', 'sim'] as const) {
            assert.ok(Object.is(before[key][i], after[key][j]), `${mode} superpixel ${id}: ${key} ${before[key][i]} != ${after[key][j]}`);
          }
          const C = image.classes;
          assert.deepEqual([...after.classTerms.subarray(j * C, j * C + C)], [...before.classTerms.subarray(i * C, i * C + C)]);
          assert.deepEqual([...after.labelCounts.subarray(j * C, j * C + C)], [...before.labelCounts.subarray(i * C, i * C + C)]);
        });
      }
    }
  });

  it('shifting pixels against the groups the kernels process them in changes no score', () => {
    // A column of superpixel 0 on the left moves every pixel relative to the four-pixel groups but
    // keeps each superpixel's row-major pixel order, so every score must stay identical.
    const prng = new Prng(404);
    for (let trial = 0; trial < 12; trial++) {
      const image = randomImage(prng, { classes: 2 + prng.nextBelow(5), height: 2 + prng.nextBelow(15), width: 3 + prng.nextBelow(20), superpixels: 6 });
      const { classes: C, height: H, width: W } = image;
      const pad = 1 + prng.nextBelow(3);
      const wide = W + pad;
      const labels = new Uint8Array(H * wide);
      const superpixels = new Uint32Array(H * wide);
      const softLabels = new Float32Array(C * H * wide);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const from = y * W + x;
          const to = y * wide + x + pad;
          labels[to] = image.labels[from];
          superpixels[to] = image.superpixels[from];
          for (let c = 0; c < C; c++) softLabels[c * H * wide + to] = image.softLabels[c * H * W + from];
        }
      }
      const shifted: ImageInput = { classes: C, height: H, width: wide, softLabels, labels, superpixels };
      for (const mode of modes) {
        const tau = trial % 2 ? 0.4 : 0;
        const strip = (s: ImageScores) => scoredSuperpixels('img', s).map((r) => ({ ...r, rep: [r.rep[0], r.rep[1] - (s.width - W)] }));
        assert.deepEqual(strip(scoreImage(shifted, { mode, tau })), strip(scoreImage(image, { mode, tau })));
      }
    }
  });

  it('a reused workspace gives the same results as a fresh one, whatever was scored before', () => {
    const prng = new Prng(7);
    const workspace = new ScoringWorkspace();
    for (let trial = 0; trial < 10; trial++) {
      const image = randomImage(prng, { classes: 2 + prng.nextBelow(9), height: 1 + prng.nextBelow(30), width: 1 + prng.nextBelow(30), superpixels: 1 + prng.nextBelow(40) });
      for (const mode of modes) assert.deepEqual(scoreImage(image, { mode }, workspace), scoreImage(image, { mode }));
    }
  });

  it('scores soft labels written to the workspace area in place, with the results of a copy', () => {
    const prng = new Prng(11);
    const workspace = new ScoringWorkspace();
    for (let trial = 0; trial < 8; trial++) {
      // Sizes that grow and shrink, so that some scorings grow the kernel's memory.
      const image = randomImage(prng, { classes: 2 + prng.nextBelow(20), height: 1 + prng.nextBelow(60), width: 1 + prng.nextBelow(60), superpixels: 1 + prng.nextBelow(40) });
      const count = image.softLabels.length;
      workspace.softLabelsArea(count).set(image.softLabels);
      for (const mode of modes) {
        // A fresh view each time: scoring may have grown the memory, which empties older views.
        const inPlace = scoreImage({ ...image, softLabels: workspace.softLabelsArea(count) }, { mode, tau: 0.3 }, workspace);
        assert.deepEqual(inPlace, scoreImage(image, { mode, tau: 0.3 }));
      }
    }
  });

  it('the area is where scoring reads P from: soft labels scored from elsewhere are copied there', () => {
    const prng = new Prng(12);
    const workspace = new ScoringWorkspace();
    const first = randomImage(prng, { classes: 3, height: 5, width: 7, superpixels: 4 });
    const second = randomImage(prng, { classes: 3, height: 5, width: 7, superpixels: 4 });
    workspace.softLabelsArea(first.softLabels.length).set(first.softLabels);
    scoreImage(second, { mode: 'alc' }, workspace);
    assert.deepEqual([...workspace.softLabelsArea(second.softLabels.length)], [...second.softLabels]);
    // So the first image's values are gone, and a view of the area now scores the second image.
    assert.deepEqual(scoreImage({ ...first, softLabels: workspace.softLabelsArea(first.softLabels.length) }, { mode: 'alc' }, workspace), scoreImage({ ...first, softLabels: second.softLabels }, { mode: 'alc' }));
  });

  it('a view emptied by the memory growing is rejected, not scored', () => {
    const prng = new Prng(13);
    const workspace = new ScoringWorkspace();
    const small = randomImage(prng, { classes: 2, height: 2, width: 2, superpixels: 2 });
    const view = workspace.softLabelsArea(small.softLabels.length);
    view.set(small.softLabels);
    scoreImage(randomImage(prng, { classes: 20, height: 300, width: 300, superpixels: 50 }), { mode: 'alc' }, workspace);
    assert.equal(view.length, 0);
    assert.throws(() => scoreImage({ ...small, softLabels: view }, { mode: 'alc' }, workspace), (e: unknown) => e instanceof InputError && /soft labels have 0 values, expected 2x2x2/.test(e.message));
  });
});
