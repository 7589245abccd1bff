import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compareCodePoints } from '../../../common/order.js';
import { abcScores, addUnqueriedLabelCounts, classBalancedWeights } from '../../../engine/class-weights.js';
import { Prng } from '../../../engine/prng.js';
import { scoreImage, scoredSuperpixels } from '../../../engine/score-image.js';
import { queriedSetOf, selectByScore, selectRandom, type QueriedSet } from '../../../engine/select.js';
import type { Mode, RankedSuperpixel, SuperpixelRef, SuperpixelScore } from '../../../engine/types.js';
import { randomImage } from '../engine/helpers.js';
import { alcOk, inputArgs, readJsonl, tempDir, toJsonl, viaJson, writeImages, type TestImage } from './fixtures.js';

/** Ids whose code-point order differs from JavaScript's UTF-16 order (U+FFFD < U+1F600). */
const IDS = ['x\u{1F600}', 'x\uFFFD', 'b', 'a'];
const CODE_POINT_ORDER = ['a', 'b', 'x\uFFFD', 'x\u{1F600}'];

function testImages(seed: number): TestImage[] {
  const prng = new Prng(seed);
  return IDS.map((id) => ({ id, input: randomImage(prng, { classes: 4, height: 9 + prng.nextBelow(6), width: 11 + prng.nextBelow(6), superpixels: 12 }) }));
}

/** What acquire must write, computed with the engine directly. */
function expectedRecords(images: readonly TestImage[], mode: Mode, abc: { queried: QueriedSet } | undefined): SuperpixelScore[] {
  const sorted = [...images].sort((a, b) => compareCodePoints(a.id, b.id));
  const scored = sorted.map(({ input }) => scoreImage(input, { mode }));
  let weights: Float64Array | undefined;
  if (abc !== undefined) {
    const totals = new Float64Array(sorted[0].input.classes);
    scored.forEach((scores, i) => addUnqueriedLabelCounts(totals, scores, abc.queried.get(sorted[i].id)));
    weights = classBalancedWeights(totals);
  }
  return sorted.flatMap(({ id }, i) => scoredSuperpixels(id, scored[i], weights && abcScores(scored[i], weights)));
}

const FIELDS = ['image', 'superpixel', 'pixels', 'expansion', 'dominant', 'rep', 'label', 'pixel', 'cil', 'sim'];

describe('alc acquire', () => {
  it('alc mode: writes every scored superpixel with the spec fields, images by code point, and the budget best by sim', async (t) => {
    const root = await tempDir(t);
    const images = testImages(1);
    await writeImages(root, images);
    const out = path.join(root, 'round1');
    const run = await alcOk('acquire', ...inputArgs(root), '--out', out, '--budget', '7', '--threads', '2', '--json');

    const records = await readJsonl(path.join(out, 'superpixels.jsonl'));
    const expected = expectedRecords(images, 'alc', undefined);
    assert.deepEqual(records, viaJson(expected));
    for (const record of records) assert.deepEqual(Object.keys(record as object), FIELDS);
    assert.deepEqual([...new Set(expected.map((r) => r.image))], CODE_POINT_ORDER);

    const selected = (await readJsonl(path.join(out, 'selected.jsonl'))) as RankedSuperpixel[];
    assert.deepEqual(selected, viaJson(selectByScore(expected, 'sim', { budget: 7 })));
    assert.deepEqual(selected.map((r) => r.rank), [1, 2, 3, 4, 5, 6, 7]);
    for (let i = 1; i < selected.length; i++) assert.ok(selected[i - 1].sim >= selected[i].sim, 'ranked by sim, descending');
    assert.deepEqual(Object.keys(selected[0]), [...FIELDS, 'rank']);

    assert.deepEqual(JSON.parse(run.stdout), {
      images: 4,
      superpixels: expected.length,
      selected: 7,
      mode: 'alc',
      score: 'sim',
      tau: 0,
      superpixelsFile: path.join(out, 'superpixels.jsonl'),
      selectedFile: path.join(out, 'selected.jsonl'),
    });
    assert.match(run.stderr, /^acquire: 4\/4 images$/m);
  });

  it('ranks by another score, over the images of --images only, at a tau', async (t) => {
    const root = await tempDir(t);
    const images = testImages(2);
    await writeImages(root, images);
    await writeFile(path.join(root, 'ids.txt'), 'b\n\na\n');
    const out = path.join(root, 'out');
    await alcOk('acquire', ...inputArgs(root), '--out', out, '--images', path.join(root, 'ids.txt'), '--score', 'cil', '--tau', '0.5');

    const chosen = images.filter((image) => image.id === 'a' || image.id === 'b');
    const expected = [...chosen]
      .sort((x, y) => compareCodePoints(x.id, y.id))
      .flatMap(({ id, input }) => scoredSuperpixels(id, scoreImage(input, { mode: 'alc', tau: 0.5 })));
    assert.deepEqual(await readJsonl(path.join(out, 'superpixels.jsonl')), viaJson(expected));
    assert.deepEqual(await readJsonl(path.join(out, 'selected.jsonl')), viaJson(selectByScore(expected, 'cil', { budget: expected.length })));
  });

  it('a2lc mode: abc with the class weights of the superpixels not queried before; --queried skips them unless --no-skip-queried', async (t) => {
    const root = await tempDir(t);
    const images = testImages(3);
    await writeImages(root, images);
    const first = path.join(root, 'first');
    await alcOk('acquire', ...inputArgs(root), '--mode', 'a2lc', '--out', first, '--budget', '5');

    const noQueried = expectedRecords(images, 'a2lc', { queried: new Map() });
    assert.deepEqual(await readJsonl(path.join(first, 'superpixels.jsonl')), viaJson(noQueried));
    const firstSelected = (await readJsonl(path.join(first, 'selected.jsonl'))) as RankedSuperpixel[];
    assert.deepEqual(firstSelected, viaJson(selectByScore(noQueried, 'abc', { budget: 5 })));
    assert.ok(firstSelected.every((r) => typeof r.abc === 'number'));

    // The round's answers as --queried: the skipped one does not count as queried.
    const answers = firstSelected.map(({ image, superpixel }, i) => ({ image, superpixel, answer: i === 4 ? 'skip' : 'correct' }));
    await writeFile(path.join(root, 'queried.jsonl'), toJsonl(answers));
    const queried = queriedSetOf(firstSelected.slice(0, 4) as SuperpixelRef[]);
    const second = path.join(root, 'second');
    await alcOk('acquire', ...inputArgs(root), '--mode', 'a2lc', '--out', second, '--budget', '5', '--queried', path.join(root, 'queried.jsonl'));
    const withQueried = expectedRecords(images, 'a2lc', { queried });
    assert.notDeepEqual(withQueried.map((r) => r.abc), noQueried.map((r) => r.abc), 'the weights changed');
    assert.deepEqual(await readJsonl(path.join(second, 'superpixels.jsonl')), viaJson(withQueried));
    const secondSelected = (await readJsonl(path.join(second, 'selected.jsonl'))) as RankedSuperpixel[];
    assert.deepEqual(secondSelected, viaJson(selectByScore(withQueried, 'abc', { budget: 5, queried })));
    const asked = new Set(firstSelected.slice(0, 4).map((r) => `${r.image}/${r.superpixel}`));
    assert.ok(secondSelected.every((r) => !asked.has(`${r.image}/${r.superpixel}`)));

    const third = path.join(root, 'third');
    await alcOk('acquire', ...inputArgs(root), '--mode', 'a2lc', '--out', third, '--budget', '5', '--queried', path.join(root, 'queried.jsonl'), '--no-skip-queried');
    assert.deepEqual(await readJsonl(path.join(third, 'selected.jsonl')), viaJson(selectByScore(withQueried, 'abc', { budget: 5, queried, skipQueried: false })));
  });

  it('random: the seeded baseline, the same for the same seed', async (t) => {
    const root = await tempDir(t);
    const images = testImages(4);
    await writeImages(root, images);
    const run = (seed: string, out: string) => alcOk('acquire', ...inputArgs(root), '--out', path.join(root, out), '--budget', '6', '--score', 'random', '--seed', seed);
    await run('11', 'r1');
    await run('11', 'r2');
    await run('12', 'r3');
    const read = (out: string) => readFile(path.join(root, out, 'selected.jsonl'), 'utf8');
    const expected = selectRandom(expectedRecords(images, 'alc', undefined), 11, { budget: 6 });
    assert.deepEqual(await readJsonl(path.join(root, 'r1', 'selected.jsonl')), viaJson(expected));
    assert.equal(await read('r1'), await read('r2'));
    assert.notEqual(await read('r1'), await read('r3'));
  });

  it('gives byte-identical files on 1 and 2 threads', async (t) => {
    const root = await tempDir(t);
    await writeImages(root, testImages(5));
    for (const threads of ['1', '2']) await alcOk('acquire', ...inputArgs(root), '--mode', 'a2lc', '--out', path.join(root, `t${threads}`), '--budget', '9', '--threads', threads);
    for (const file of ['superpixels.jsonl', 'selected.jsonl']) {
      assert.equal(await readFile(path.join(root, 't1', file), 'utf8'), await readFile(path.join(root, 't2', file), 'utf8'));
    }
  });
});
