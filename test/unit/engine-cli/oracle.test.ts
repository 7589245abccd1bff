import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { oracleAnswers } from '../../../engine/oracle.js';
import { Prng } from '../../../engine/prng.js';
import { scoreImage } from '../../../engine/score-image.js';
import { randomImage } from '../engine/helpers.js';
import { alcOk, dirs, handImage, inputArgs, readJsonl, tempDir, toJsonl, viaJson, writeImages } from './fixtures.js';

describe('alc oracle', () => {
  it('answers the hand-made case by the spec, in question order: ALC relabels to G(r), A2LC to the most frequent G over E', async (t) => {
    const root = await tempDir(t);
    const { input, groundTruth } = handImage();
    await writeImages(root, [{ id: 'a', input, groundTruth }]);
    // Extra fields, as in selected.jsonl, are allowed.
    await writeFile(path.join(root, 'selected.jsonl'), toJsonl([{ image: 'a', superpixel: 2, rank: 1 }, { image: 'a', superpixel: 1, rank: 2 }]));
    const oracle = async (...options: string[]) => {
      const out = path.join(root, `answers-${options.join('')}.jsonl`);
      await alcOk('oracle', '--selected', path.join(root, 'selected.jsonl'), ...inputArgs(root), '--gt', dirs(root).gt, '--out', out, ...options);
      return readJsonl(out);
    };

    // Superpixel 1, E = all four pixels: L matches G at one pixel (acc 1/4); G(r) = 1; G over E is 1, 1, 0, 0.
    // Superpixel 2: acc 3/4.
    const correct = { image: 'a', superpixel: 2, answer: 'correct' };
    assert.deepEqual(await oracle('--mode', 'alc'), [correct, { image: 'a', superpixel: 1, answer: 'relabel', class: 1 }]);
    assert.deepEqual(await oracle('--mode', 'a2lc'), [correct, { image: 'a', superpixel: 1, answer: 'relabel', class: 0 }]);
    // tau 0.5 leaves (row 0, col 0) out of E: G over E is 1, 0, 0.
    assert.deepEqual(await oracle('--mode', 'a2lc', '--tau', '0.5'), [correct, { image: 'a', superpixel: 1, answer: 'relabel', class: 0 }]);
  });

  it('draws wrong answers at the error rate with the seed, as the engine does', async (t) => {
    const root = await tempDir(t);
    const prng = new Prng(8);
    const input = randomImage(prng, { classes: 5, height: 12, width: 14, superpixels: 10 });
    const groundTruth = Uint8Array.from(input.labels, (l, x) => (x % 7 === 0 ? 255 : (l + (x % 3)) % 5));
    await writeImages(root, [{ id: 'img', input, groundTruth }]);
    const expansion = new Int32Array(input.height * input.width);
    const scores = scoreImage(input, { mode: 'alc', expansionOut: expansion });
    const asked = [...scores.superpixelIds].filter((_, i) => scores.expansion[i] > 0).reverse();
    await writeFile(path.join(root, 'selected.jsonl'), toJsonl(asked.map((superpixel) => ({ image: 'img', superpixel }))));

    const out = path.join(root, 'answers.jsonl');
    await alcOk('oracle', '--selected', path.join(root, 'selected.jsonl'), ...inputArgs(root), '--gt', dirs(root).gt, '--out', out, '--error-rate', '0.5', '--seed', '4');
    const expected = oracleAnswers('img', input.labels, groundTruth, scores, expansion, asked, { mode: 'alc', errorRate: 0.5, seed: 4 });
    assert.deepEqual(await readJsonl(out), viaJson(expected));
    const honest = oracleAnswers('img', input.labels, groundTruth, scores, expansion, asked, { mode: 'alc' });
    assert.notDeepEqual(expected, honest, 'some answers are wrong');
  });
});
