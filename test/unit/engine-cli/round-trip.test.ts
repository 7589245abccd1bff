import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Prng } from '../../../engine/prng.js';
import type { RankedSuperpixel } from '../../../engine/types.js';
import { alcOk, dirs, inputArgs, readJsonl, tempDir, writeImages, type TestImage } from './fixtures.js';

const CLASSES = 3;
const SIZE = 16;
const BLOCK = 4;

/**
 * Square superpixels of one true class each; the working labels have some blocks wrong, and the
 * model's soft labels lean to the true class (0.6 to 0.8), so the wrong blocks look most in error.
 */
function syntheticImages(count: number, prng: Prng): { images: TestImage[]; wrongBlocks: number } {
  let wrongBlocks = 0;
  const images = Array.from({ length: count }, (_, n): TestImage => {
    const hw = SIZE * SIZE;
    const softLabels = new Float32Array(CLASSES * hw);
    const labels = new Uint8Array(hw);
    const superpixels = new Uint32Array(hw);
    const groundTruth = new Uint8Array(hw);
    const blocksPerRow = SIZE / BLOCK;
    const truthOf = Array.from({ length: blocksPerRow * blocksPerRow }, () => prng.nextBelow(CLASSES));
    const wrong = truthOf.map(() => prng.nextFloat() < 0.3);
    wrongBlocks += wrong.filter(Boolean).length;
    for (let x = 0; x < hw; x++) {
      const block = Math.floor(x / SIZE / BLOCK) * blocksPerRow + Math.floor((x % SIZE) / BLOCK);
      const truth = truthOf[block];
      superpixels[x] = block + 1;
      groundTruth[x] = truth;
      labels[x] = wrong[block] ? (truth + 1) % CLASSES : truth;
      const peak = 0.6 + 0.2 * prng.nextFloat();
      for (let c = 0; c < CLASSES; c++) softLabels[c * hw + x] = c === truth ? peak : (1 - peak) / (CLASSES - 1);
    }
    return { id: `img${n}`, input: { classes: CLASSES, height: SIZE, width: SIZE, softLabels, labels, superpixels }, groundTruth };
  });
  return { images, wrongBlocks };
}

describe('a round by hand', () => {
  it('acquire -> oracle -> apply-answers -> evaluate raises the data mIoU', async (t) => {
    const root = await tempDir(t);
    const { images, wrongBlocks } = syntheticImages(3, new Prng(5));
    assert.ok(wrongBlocks > 6, 'enough wrong blocks for a budget of 6');
    await writeImages(root, images);
    const d = dirs(root);
    const round = path.join(root, 'round1');
    const common = [...inputArgs(root), '--mode', 'a2lc'];

    await alcOk('acquire', ...common, '--out', round, '--budget', '6', '--threads', '2');
    const answers = path.join(round, 'answers.jsonl');
    await alcOk('oracle', '--selected', path.join(round, 'selected.jsonl'), ...common, '--gt', d.gt, '--out', answers);
    const newLabels = path.join(round, 'labels');
    await alcOk('apply-answers', '--answers', answers, ...common, '--out', newLabels);

    const miou = async (labels: string) => {
      const run = await alcOk('evaluate', '--labels', labels, '--gt', d.gt, '--classes', String(CLASSES), '--out', path.join(round, 'metrics.json'), '--json');
      return (JSON.parse(run.stdout) as { meanIoU: number }).meanIoU;
    };
    const before = await miou(d.labels);
    const after = await miou(newLabels);

    // The look-ahead score finds the wrong blocks first, and the oracle fixes each of them.
    const selected = (await readJsonl(path.join(round, 'selected.jsonl'))) as RankedSuperpixel[];
    assert.equal(selected.length, 6);
    const given = (await readJsonl(answers)) as { answer: string }[];
    assert.deepEqual(given.map((a) => a.answer), Array(6).fill('relabel'));
    assert.ok(after > before + 0.05, `data mIoU ${before} -> ${after}`);
  });
});
