import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../common/errors.js';
import { queriedSetOf, selectByScore, selectRandom } from '../../../engine/select.js';
import type { SuperpixelScore } from '../../../engine/types.js';

function record(image: string, superpixel: number, sim: number, extra: Partial<SuperpixelScore> = {}): SuperpixelScore {
  return { image, superpixel, pixels: 10, expansion: 5, dominant: 0, rep: [0, 0], label: 0, pixel: 0.5, cil: 0.5, sim, ...extra };
}

const ids = (selected: readonly { image: string; superpixel: number }[]): string[] => selected.map((r) => `${r.image}#${r.superpixel}`);

describe('selectByScore', () => {
  it('ranks by score, descending, and numbers ranks from 1', () => {
    const selected = selectByScore([record('a', 1, 0.2), record('a', 2, 0.9), record('b', 1, 0.5)], 'sim', { budget: 3 });
    assert.deepEqual(ids(selected), ['a#2', 'b#1', 'a#1']);
    assert.deepEqual(selected.map((r) => r.rank), [1, 2, 3]);
  });

  it('breaks ties by image id in code-point order, then superpixel id numerically', () => {
    // Code points: 'B' (U+42) < 'a' (U+61) < U+FFFF < U+1F600, though UTF-16 puts U+1F600's surrogates before U+FFFF.
    const tied = ['\u{1F600}', '\uFFFF', 'a', 'B'].flatMap((image) => [record(image, 10, 1), record(image, 2, 1)]);
    assert.deepEqual(ids(selectByScore(tied, 'sim', { budget: 8 })), ['B#2', 'B#10', 'a#2', 'a#10', '\uFFFF#2', '\uFFFF#10', '\u{1F600}#2', '\u{1F600}#10']);
  });

  it('uses the chosen score', () => {
    const records = [record('a', 1, 0.9, { cil: 0.1, pixel: 0.3, abc: 0.2 }), record('a', 2, 0.1, { cil: 0.9, pixel: 0.1, abc: 0.7 })];
    assert.deepEqual(ids(selectByScore(records, 'cil', { budget: 1 })), ['a#2']);
    assert.deepEqual(ids(selectByScore(records, 'pixel', { budget: 1 })), ['a#1']);
    assert.deepEqual(ids(selectByScore(records, 'abc', { budget: 1 })), ['a#2']);
  });

  it('skips superpixels queried in earlier rounds unless non-redundancy is switched off', () => {
    const records = [record('a', 1, 0.9), record('a', 2, 0.8), record('b', 1, 0.7)];
    const queried = queriedSetOf([{ image: 'a', superpixel: 1 }]);
    assert.deepEqual(ids(selectByScore(records, 'sim', { budget: 2, queried })), ['a#2', 'b#1']);
    assert.deepEqual(ids(selectByScore(records, 'sim', { budget: 2, queried, skipQueried: false })), ['a#1', 'a#2']);
  });

  it('takes at most the budget, and everything when the budget is larger', () => {
    const records = [record('a', 1, 0.9), record('a', 2, 0.8)];
    assert.equal(selectByScore(records, 'sim', { budget: 1 }).length, 1);
    assert.equal(selectByScore(records, 'sim', { budget: 10 }).length, 2);
    assert.equal(selectByScore(records, 'sim', { budget: 0 }).length, 0);
  });

  it('rejects a bad budget and abc without class weights', () => {
    assert.throws(() => selectByScore([], 'sim', { budget: -1 }), InputError);
    assert.throws(() => selectByScore([], 'sim', { budget: 1.5 }), InputError);
    assert.throws(() => selectByScore([record('a', 1, 0.5)], 'abc', { budget: 1 }), /abc needs the class weights/);
  });
});

describe('selectRandom', () => {
  const records = Array.from({ length: 40 }, (_, i) => record(`img${i % 7}`, i, i / 40));

  it('draws budget distinct candidates, reproducibly for a seed', () => {
    const first = selectRandom(records, 5, { budget: 12 });
    assert.equal(new Set(ids(first)).size, 12);
    assert.deepEqual(ids(selectRandom(records, 5, { budget: 12 })), ids(first));
    assert.notDeepEqual(ids(selectRandom(records, 6, { budget: 12 })), ids(first));
    assert.deepEqual(first.map((r) => r.rank), Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('does not depend on the order the records come in', () => {
    assert.deepEqual(ids(selectRandom([...records].reverse(), 9, { budget: 10 })), ids(selectRandom(records, 9, { budget: 10 })));
  });

  it('skips queried superpixels and stops at the number of candidates', () => {
    const queried = queriedSetOf(records.slice(0, 30));
    const picked = selectRandom(records, 1, { budget: 20, queried });
    assert.deepEqual(ids(picked).sort(), ids(records.slice(30)).sort());
  });
});
