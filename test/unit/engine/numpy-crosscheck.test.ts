/**
 * The TypeScript engine against the NumPy reference (bench/reference/alc_numpy.py) on random inputs:
 * same scored superpixels, same fields, scores equal to 1e-9 (pixel, cil and sim bit for bit, as
 * both follow the same float64 summation order), same class weights, identical selection.
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
import { scoreImage, scoredSuperpixels } from '../../../engine/score-image.js';
import { queriedSetOf, selectByScore } from '../../../engine/select.js';
import { DEFAULT_SCORE, type ImageInput, type Mode, type RankedSuperpixel, type ScoreName, type SuperpixelRef, type SuperpixelScore } from '../../../engine/types.js';
import { randomImage } from './helpers.js';

const root = path.resolve(import.meta.dirname, '../../..');
const python = path.join(root, '.venv/bin/python');
const reference = path.join(root, 'bench/reference/alc_numpy.py');
const missingPython = existsSync(python) ? false : `${python} is missing: create the venv (requirements.txt) to run the NumPy cross-check`;

interface ReferenceOutput {
  weights: number[];
  superpixels: SuperpixelScore[];
  selected: RankedSuperpixel[];
}

const workDir = mkdtempSync(path.join(tmpdir(), 'alc-crosscheck-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

/** Ids chosen so that code-point order differs from UTF-16 order (U+FFFF sorts before U+1F600). */
const IMAGE_IDS = ['img-b', 'img-a', '\u{1F600}-x', '\uFFFF-y', 'ü'];

function runReference(run: string, images: Map<string, ImageInput>, config: { mode: Mode; tau: number; score: ScoreName; budget: number; queried: SuperpixelRef[] }): ReferenceOutput {
  const entries = [...images].map(([id, image], i) => {
    const base = path.join(workDir, `${run}-${i}`);
    writeFileSync(`${base}.npy`, encodeFloat32Npy(image.softLabels, [image.classes, image.height, image.width]));
    writeFileSync(`${base}.u8`, image.labels);
    writeFileSync(`${base}.u32`, new Uint8Array(Uint32Array.from(image.superpixels).buffer));
    return { id, height: image.height, width: image.width, softLabels: `${base}.npy`, labels: `${base}.u8`, superpixels: `${base}.u32` };
  });
  const classes = [...images.values()][0].classes;
  const manifest = path.join(workDir, `${run}.json`);
  const out = path.join(workDir, `${run}-out.json`);
  writeFileSync(manifest, JSON.stringify({ classes, ...config, skipQueried: true, images: entries }));
  execFileSync(python, [reference, manifest, out], { stdio: ['ignore', 'inherit', 'inherit'] });
  return JSON.parse(readFileSync(out, 'utf8')) as ReferenceOutput;
}

function runEngine(images: Map<string, ImageInput>, config: { mode: Mode; tau: number; score: ScoreName; budget: number; queried: SuperpixelRef[] }) {
  const queried = queriedSetOf(config.queried);
  const scored = [...images].map(([id, image]) => ({ id, scores: scoreImage(image, { mode: config.mode, tau: config.tau, image: id }) }));
  const totals = new Float64Array([...images.values()][0].classes);
  for (const { id, scores } of scored) addUnqueriedLabelCounts(totals, scores, queried.get(id));
  const weights = classBalancedWeights(totals);
  const records = scored.flatMap(({ id, scores }) => scoredSuperpixels(id, scores, abcScores(scores, weights)));
  return { weights, records, selected: selectByScore(records, config.score, { budget: config.budget, queried }) };
}

describe('engine vs NumPy reference', { skip: missingPython }, () => {
  const configs: { seed: number; mode: Mode; tau: number; score?: ScoreName }[] = [];
  for (const seed of [11, 12, 13]) {
    for (const mode of ['alc', 'a2lc'] as const) {
      for (const tau of [0, 0.62]) configs.push({ seed, mode, tau });
    }
  }
  configs.push({ seed: 14, mode: 'alc', tau: 0, score: 'cil' }, { seed: 15, mode: 'a2lc', tau: 0.3, score: 'pixel' }, { seed: 16, mode: 'alc', tau: 0, score: 'abc' });

  for (const { seed, mode, tau, score = DEFAULT_SCORE[mode] } of configs) {
    it(`seed ${seed}, ${mode}, tau ${tau}, score ${score}`, () => {
      const prng = new Prng(seed);
      const classes = 2 + prng.nextBelow(7);
      const images = new Map<string, ImageInput>();
      for (const id of IMAGE_IDS) {
        images.set(id, randomImage(prng, { classes, height: 1 + prng.nextBelow(40), width: 1 + prng.nextBelow(45), superpixels: 3 + prng.nextBelow(30) }));
      }
      const queried: SuperpixelRef[] = [];
      for (const [id, image] of images) for (const sp of new Set(image.superpixels)) if (sp !== 0 && prng.nextFloat() < 0.2) queried.push({ image: id, superpixel: sp });
      const config = { mode, tau, score, budget: 25, queried };

      const expected = runReference(`s${seed}-${mode}-${tau}-${score}`, images, config);
      const actual = runEngine(images, config);

      assert.equal(actual.weights.length, expected.weights.length);
      actual.weights.forEach((w, c) => assert.ok(Math.abs(w - expected.weights[c]) <= 1e-12 * Math.max(1, Math.abs(w)), `weight ${c}: ${w} vs ${expected.weights[c]}`));
      assert.equal(actual.records.length, expected.superpixels.length, 'scored superpixels');
      actual.records.forEach((record, i) => {
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
      assert.deepEqual(
        actual.selected.map((r) => [r.rank, r.image, r.superpixel]),
        expected.selected.map((r) => [r.rank, r.image, r.superpixel]),
        'selection',
      );
      assert.ok(actual.selected.length > 0);
    });
  }
});
