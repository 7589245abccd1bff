/**
 * Every kind of bad input gets exit code 2 and one line naming the file and what is wrong.
 * Each case starts from the valid hand-made image and breaks one thing.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { encodeLabelPng, encodeSuperpixelPng } from '../../../datasets/png.js';
import { encodeFloat32Npy } from '../../../engine/npy.js';
import { runCli } from '../../support/run-cli.js';
import { alcBadInput, dirs, handImage, inputArgs, tempDir, toJsonl, writeImages, writeTestFile } from './fixtures.js';

/** A valid image `a` (3 classes, 2 x 4) with ground truth under a fresh root. */
async function validRoot(t: TestContext): Promise<string> {
  const root = await tempDir(t);
  const { input, groundTruth } = handImage();
  await writeImages(root, [{ id: 'a', input, groundTruth }]);
  return root;
}

const grey = (width: number, height: number, value = 0) => encodeLabelPng({ width, height, data: new Uint8Array(width * height).fill(value) });

/** RegExp source matching `text` literally. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function acquire(root: string, ...options: string[]): Promise<string> {
  return alcBadInput('acquire', ...inputArgs(root), '--out', path.join(root, 'out'), ...options);
}

function oracle(root: string, selected: readonly object[]): Promise<string> {
  return writeFile(path.join(root, 'selected.jsonl'), toJsonl(selected)).then(() =>
    alcBadInput('oracle', '--selected', path.join(root, 'selected.jsonl'), ...inputArgs(root), '--gt', dirs(root).gt, '--out', path.join(root, 'answers.jsonl')),
  );
}

async function applyAnswers(root: string, answers: string, ...options: string[]): Promise<string> {
  await writeFile(path.join(root, 'answers.jsonl'), answers);
  return alcBadInput('apply-answers', '--answers', path.join(root, 'answers.jsonl'), ...inputArgs(root), '--out', path.join(root, 'out'), ...options);
}

describe('bad input to acquire', { concurrency: 2 }, () => {
  it('labels of another size than the soft labels: both files and sizes', async (t) => {
    const root = await validRoot(t);
    await writeTestFile(path.join(dirs(root).labels, 'a.png'), await grey(4, 3));
    await writeTestFile(path.join(dirs(root).superpixels, 'a.png'), await encodeSuperpixelPng({ width: 4, height: 3, data: new Uint32Array(12).fill(1) }));
    const npy = path.join(dirs(root).soft, 'a.npy');
    const labels = path.join(dirs(root).labels, 'a.png');
    assert.equal(await acquire(root), `${labels} is 3x4 but ${npy} is 2x4 (height x width)`);
  });

  it('superpixels of another size than the labels', async (t) => {
    const root = await validRoot(t);
    await writeTestFile(path.join(dirs(root).superpixels, 'a.png'), await encodeSuperpixelPng({ width: 5, height: 2, data: new Uint32Array(10).fill(1) }));
    const line = await acquire(root);
    assert.equal(line, `${path.join(dirs(root).superpixels, 'a.png')} is 2x5 but ${path.join(dirs(root).labels, 'a.png')} is 2x4 (height x width)`);
  });

  it('a label id out of range', async (t) => {
    const root = await validRoot(t);
    const labels = Uint8Array.from([2, 2, 2, 2, 2, 0, 7, 2]);
    await writeTestFile(path.join(dirs(root).labels, 'a.png'), await encodeLabelPng({ width: 4, height: 2, data: labels }));
    const line = await acquire(root, '--threads', '1');
    assert.equal(line, `${path.join(dirs(root).labels, 'a.png')}: label 7 at (row 1, col 2) is out of range (0..2 or 255: 3 classes in ${path.join(dirs(root).soft, 'a.npy')})`);
  });

  it('an unreadable PNG', async (t) => {
    const root = await validRoot(t);
    await writeTestFile(path.join(dirs(root).superpixels, 'a.png'), 'not a png');
    assert.equal(await acquire(root), `${path.join(dirs(root).superpixels, 'a.png')}: not a PNG file`);
  });

  it('a .npy of the wrong dtype', async (t) => {
    const root = await validRoot(t);
    const npy = Buffer.from(encodeFloat32Npy(new Float32Array(24), [3, 2, 4]));
    npy.write('<f8', npy.indexOf('<f4'), 'latin1');
    await writeTestFile(path.join(dirs(root).soft, 'a.npy'), npy);
    assert.match(await acquire(root), new RegExp(`^${literal(path.join(dirs(root).soft, 'a.npy'))}: soft labels must be .*float32.*got dtype "<f8"$`));
  });

  it('a .npy of the wrong shape', async (t) => {
    const root = await validRoot(t);
    await writeTestFile(path.join(dirs(root).soft, 'a.npy'), encodeFloat32Npy(new Float32Array(8), [2, 4]));
    assert.match(await acquire(root), new RegExp(`^${literal(path.join(dirs(root).soft, 'a.npy'))}: soft labels must have shape C x H x W`));
  });

  it('soft labels that are not finite', async (t) => {
    const root = await validRoot(t);
    const { input } = handImage();
    const soft = input.softLabels.slice();
    soft[5] = NaN;
    await writeTestFile(path.join(dirs(root).soft, 'a.npy'), encodeFloat32Npy(soft, [3, 2, 4]));
    assert.equal(await acquire(root), `${path.join(dirs(root).soft, 'a.npy')}: soft labels at (row 1, col 1) are not finite`);
  });

  it('a missing file for an id', async (t) => {
    const root = await validRoot(t);
    await writeFile(path.join(root, 'ids.txt'), 'a\nzz\n');
    assert.equal(await acquire(root, '--images', path.join(root, 'ids.txt')), `${path.join(dirs(root).soft, 'zz.npy')} does not exist`);
    const other = await validRoot(t);
    await writeTestFile(path.join(dirs(other).soft, 'b.npy'), encodeFloat32Npy(handImage().input.softLabels, [3, 2, 4]));
    assert.equal(await acquire(other), `${path.join(dirs(other).labels, 'b.png')} does not exist`);
  });

  it('an id listed twice, and no soft labels at all', async (t) => {
    const root = await validRoot(t);
    await writeFile(path.join(root, 'ids.txt'), 'a\n\na\n');
    assert.equal(await acquire(root, '--images', path.join(root, 'ids.txt')), `${path.join(root, 'ids.txt')}:3: image id "a" is listed twice (first on line 1)`);
    const empty = await tempDir(t);
    assert.equal(await acquire(empty), `${dirs(empty).soft}: no .npy files`);
  });

  it('a bad line in --queried', async (t) => {
    const root = await validRoot(t);
    await writeFile(path.join(root, 'queried.jsonl'), '{"image":"a","superpixel":1}\n{"image":"a","superpixel":0}\n');
    const queried = path.join(root, 'queried.jsonl');
    assert.equal(await acquire(root, '--queried', queried), `${queried}:2: superpixel: Too small: expected number to be >=1`);
    await writeFile(queried, '{"image":"a","superpixel":1}\n{"image":"a",\n');
    assert.match(await acquire(root, '--queried', queried), new RegExp(`^${literal(queried)}:2: not JSON \\(`));
  });

  it('images with different numbers of classes in a2lc mode', async (t) => {
    const root = await validRoot(t);
    const { input } = handImage();
    await writeImages(root, [{ id: 'b', input: { ...input, classes: 2, softLabels: input.softLabels.slice(0, 16), labels: input.labels.map((l) => Math.min(l, 1)) } }]);
    const line = await acquire(root, '--mode', 'a2lc');
    assert.equal(line, `${path.join(dirs(root).soft, 'b.npy')} has 2 classes but ${path.join(dirs(root).soft, 'a.npy')} has 3`);
  });

  it('a bad option value', async (t) => {
    const root = await validRoot(t);
    const run = await runCli(['acquire', ...inputArgs(root), '--out', path.join(root, 'out'), '--tau', 'high']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /option '--tau <x>' argument 'high' is invalid\. Expected a number\./);
  });
});

describe('bad input to oracle', { concurrency: 2 }, () => {
  it('ground truth of another size than the soft labels', async (t) => {
    const root = await validRoot(t);
    await writeTestFile(path.join(dirs(root).gt, 'a.png'), await grey(3, 2));
    assert.equal(await oracle(root, [{ image: 'a', superpixel: 1 }]), `${path.join(dirs(root).gt, 'a.png')} is 2x3 but ${path.join(dirs(root).soft, 'a.npy')} is 2x4 (height x width)`);
  });

  it('a ground-truth id out of range', async (t) => {
    const root = await validRoot(t);
    await writeTestFile(path.join(dirs(root).gt, 'a.png'), await grey(4, 2, 9));
    assert.match(await oracle(root, [{ image: 'a', superpixel: 1 }]), new RegExp(`^${literal(path.join(dirs(root).gt, 'a.png'))}: ground truth 9 at \\(row 0, col 0\\) is out of range`));
  });

  it('a question about an unknown image, an unknown superpixel, or twice the same', async (t) => {
    const root = await validRoot(t);
    const selected = path.join(root, 'selected.jsonl');
    assert.equal(await oracle(root, [{ image: 'a', superpixel: 1 }, { image: 'c', superpixel: 1 }]), `${selected}:2: image "c" is not among the inputs (the .npy files of ${dirs(root).soft})`);
    assert.equal(await oracle(root, [{ image: 'a', superpixel: 9 }]), `${selected}:1: a has no superpixel 9 in ${path.join(dirs(root).superpixels, 'a.png')}`);
    assert.equal(await oracle(root, [{ image: 'a', superpixel: 2 }, { image: 'a', superpixel: 2 }]), `${selected}:2: a superpixel 2 is asked more than once (first on line 1)`);
  });
});

describe('bad input to apply-answers', { concurrency: 2 }, () => {
  it('an answer about an unknown image or superpixel', async (t) => {
    const root = await validRoot(t);
    const answers = path.join(root, 'answers.jsonl');
    const line = await applyAnswers(root, toJsonl([{ image: 'b', superpixel: 1, answer: 'correct' }]));
    assert.equal(line, `${answers}:1: image "b" is not among the inputs (the .npy files of ${dirs(root).soft})`);
    await writeFile(path.join(root, 'ids.txt'), 'a\n');
    const unlisted = await applyAnswers(root, toJsonl([{ image: 'b', superpixel: 1, answer: 'correct' }]), '--images', path.join(root, 'ids.txt'));
    assert.equal(unlisted, `${answers}:1: image "b" is not among the inputs (--images ${path.join(root, 'ids.txt')})`);
    const unknown = await applyAnswers(root, toJsonl([{ image: 'a', superpixel: 1, answer: 'skip' }, { image: 'a', superpixel: 3, answer: 'correct' }]));
    assert.equal(unknown, `${answers}:2: a has no superpixel 3 in ${path.join(dirs(root).superpixels, 'a.png')}`);
  });

  it('a duplicate answer', async (t) => {
    const root = await validRoot(t);
    const line = await applyAnswers(root, toJsonl([{ image: 'a', superpixel: 1, answer: 'correct' }, { image: 'a', superpixel: 2, answer: 'skip' }, { image: 'a', superpixel: 1, answer: 'relabel', class: 0 }]));
    assert.equal(line, `${path.join(root, 'answers.jsonl')}:3: a superpixel 1 is answered more than once (first on line 1)`);
  });

  it('bad lines: not JSON, relabel without a class, an unknown answer', async (t) => {
    const root = await validRoot(t);
    const answers = path.join(root, 'answers.jsonl');
    assert.match(await applyAnswers(root, '{"image":"a","superpixel":1,"answer":"correct"}\nnope\n'), new RegExp(`^${literal(answers)}:2: not JSON \\(`));
    assert.equal(await applyAnswers(root, '{"image":"a","superpixel":1,"answer":"relabel"}\n'), `${answers}:1: class: a relabel answer needs a class`);
    assert.match(await applyAnswers(root, '\n{"image":"a","superpixel":1,"answer":"maybe"}\n'), new RegExp(`^${literal(answers)}:2: answer: Invalid option`));
  });

  it('a class out of range, and a superpixel that cannot have been asked at this tau', async (t) => {
    const root = await validRoot(t);
    const answers = path.join(root, 'answers.jsonl');
    assert.equal(await applyAnswers(root, toJsonl([{ image: 'a', superpixel: 1, answer: 'relabel', class: 3 }])), `${answers}: a superpixel 1: class 3 is out of range (0..2 or 255)`);
    const line = await applyAnswers(root, toJsonl([{ image: 'a', superpixel: 1, answer: 'correct' }]), '--tau', '1.5');
    assert.equal(line, `${answers}:1: a superpixel 1 has an empty expansion set with --mode alc --tau 1.5, so it cannot have been asked`);
  });
});

describe('bad input to evaluate', { concurrency: 2 }, () => {
  function evaluate(root: string, classes: string): Promise<string> {
    return alcBadInput('evaluate', '--labels', dirs(root).labels, '--gt', dirs(root).gt, '--classes', classes, '--out', path.join(root, 'm.json'));
  }

  it('labels and ground truth of different sizes', async (t) => {
    const root = await validRoot(t);
    await writeTestFile(path.join(dirs(root).gt, 'a.png'), await grey(4, 1));
    assert.equal(await evaluate(root, '3'), `${path.join(dirs(root).gt, 'a.png')} is 1x4 but ${path.join(dirs(root).labels, 'a.png')} is 2x4 (height x width)`);
  });

  it('a label or ground-truth id out of range for --classes', async (t) => {
    const root = await validRoot(t);
    assert.equal(await evaluate(root, '2'), `${path.join(dirs(root).labels, 'a.png')}: label 2 at (row 0, col 0) is out of range (0..1 or 255: 2 classes in --classes 2)`);
    await writeTestFile(path.join(dirs(root).labels, 'a.png'), await grey(4, 2, 1));
    assert.equal(await evaluate(root, 'kvasir'), `${path.join(dirs(root).gt, 'a.png')}: ground truth 2 at (row 0, col 2) is out of range (0..1 or 255: 2 classes in --classes kvasir)`);
  });

  it('a bad --classes', async (t) => {
    const root = await validRoot(t);
    assert.equal(await evaluate(root, '0'), '--classes 0: expected 1..255 classes');
    const classes = path.join(root, 'classes.json');
    await writeFile(classes, '[{"id": 0, "name": "bg"}]');
    assert.match(await evaluate(root, classes), new RegExp(`^${literal(classes)}: not a class list .*color`));
  });
});
