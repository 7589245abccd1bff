import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeLabelPng } from '../../../datasets/png.js';
import { applyAnswers, type Answer } from '../../../engine/apply-answers.js';
import { Prng } from '../../../engine/prng.js';
import { scoreImage } from '../../../engine/score-image.js';
import { randomImage } from '../engine/helpers.js';
import { alcOk, dirs, handImage, inputArgs, readJsonl, tempDir, toJsonl, viaJson, writeImages, type TestImage } from './fixtures.js';

async function readLabels(file: string): Promise<number[]> {
  return [...(await decodeLabelPng(await readFile(file), file)).data];
}

describe('alc apply-answers', () => {
  it('relabels exactly E of a relabel answer, leaves correct and skip alone, and writes every image and changes.jsonl', async (t) => {
    const root = await tempDir(t);
    const { input } = handImage();
    const untouched = randomImage(new Prng(2), { classes: 3, height: 3, width: 5, superpixels: 4 });
    await writeImages(root, [{ id: 'a', input }, { id: 'b', input: untouched }]);
    await writeFile(path.join(root, 'answers.jsonl'), toJsonl([{ image: 'a', superpixel: 1, answer: 'relabel', class: 1 }, { image: 'a', superpixel: 2, answer: 'skip' }]));
    const apply = async (out: string, ...options: string[]) => {
      const run = await alcOk('apply-answers', '--answers', path.join(root, 'answers.jsonl'), ...inputArgs(root), '--out', path.join(root, out), '--json', ...options);
      return JSON.parse(run.stdout) as { relabelled: number; changedPixels: number };
    };

    // tau 0.5: E of superpixel 1 is (row 0, col 1), (row 1, col 0), (row 1, col 1); (row 0, col 0) keeps its 2.
    const summary = await apply('tau', '--tau', '0.5');
    assert.deepEqual(await readLabels(path.join(root, 'tau', 'a.png')), [2, 1, 2, 2, 1, 1, 2, 2]);
    assert.deepEqual(await readJsonl(path.join(root, 'tau', 'changes.jsonl')), [
      { image: 'a', superpixel: 1, class: 1, expansion: 3, changed: 3, previous: [{ label: 0, pixels: 1 }, { label: 2, pixels: 2 }] },
    ]);
    assert.equal(summary.relabelled, 1);
    assert.equal(summary.changedPixels, 3);
    // An image without answers is written unchanged, byte for byte.
    assert.deepEqual(await readFile(path.join(root, 'tau', 'b.png')), await readFile(path.join(dirs(root).labels, 'b.png')));

    // tau 0: E is the whole superpixel.
    await apply('all');
    assert.deepEqual(await readLabels(path.join(root, 'all', 'a.png')), [1, 1, 2, 2, 1, 1, 2, 2]);
  });

  it('colours changed label maps with --classes', async (t) => {
    const root = await tempDir(t);
    await writeImages(root, [{ id: 'a', input: handImage().input }]);
    await writeFile(path.join(root, 'answers.jsonl'), toJsonl([{ image: 'a', superpixel: 2, answer: 'relabel', class: 0 }]));
    await alcOk('apply-answers', '--answers', path.join(root, 'answers.jsonl'), ...inputArgs(root), '--out', path.join(root, 'out'), '--classes', '3');
    const png = await readFile(path.join(root, 'out', 'a.png'));
    assert.equal(png[25], 3, 'colour type 3: a palette PNG');
    assert.deepEqual(await readLabels(path.join(root, 'out', 'a.png')), [2, 2, 0, 0, 2, 0, 0, 0]);
  });

  it('gives the engine\'s labels and changes on random images, in both modes', async (t) => {
    const prng = new Prng(17);
    const images: TestImage[] = ['p', 'q', 'r'].map((id) => ({ id, input: randomImage(prng, { classes: 4, height: 10, width: 13, superpixels: 9 }) }));
    const root = await tempDir(t);
    await writeImages(root, images);
    for (const mode of ['alc', 'a2lc'] as const) {
      const answers: Answer[] = [];
      const expectedLabels = new Map<string, Uint8Array>();
      const expectedChanges: unknown[] = [];
      for (const { id, input } of images) {
        const expansion = new Int32Array(input.height * input.width);
        const scores = scoreImage(input, { mode, tau: 0.3, expansionOut: expansion });
        const ofImage: Answer[] = [];
        scores.superpixelIds.forEach((superpixel, i) => {
          if (scores.expansion[i] === 0) return;
          const kind = prng.nextBelow(4);
          if (kind === 0) return;
          ofImage.push(kind === 1 ? { image: id, superpixel, answer: 'correct' } : kind === 2 ? { image: id, superpixel, answer: 'skip' } : { image: id, superpixel, answer: 'relabel', class: prng.nextBelow(4) });
        });
        const applied = applyAnswers(id, input.labels, scores, expansion, ofImage);
        expectedLabels.set(id, applied.labels);
        expectedChanges.push(...applied.changes);
        answers.push(...ofImage);
      }
      await writeFile(path.join(root, `answers-${mode}.jsonl`), toJsonl(answers.reverse()));
      const out = path.join(root, mode);
      await alcOk('apply-answers', '--answers', path.join(root, `answers-${mode}.jsonl`), ...inputArgs(root), '--mode', mode, '--tau', '0.3', '--out', out);
      for (const { id } of images) assert.deepEqual(await readLabels(path.join(out, `${id}.png`)), [...(expectedLabels.get(id) ?? [])], `${mode} ${id}`);
      assert.deepEqual(await readJsonl(path.join(out, 'changes.jsonl')), viaJson(expectedChanges));
    }
  });
});
