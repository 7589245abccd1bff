/**
 * The campaign benchmark's stand-ins: the scripted oracle, fed from query records and an expansion
 * map, answers exactly as the engine's oracle fed from the full scores; and the simulated soft
 * labels are distributions, seeded by the image id.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { QueryRecord } from '../../../activities/round/records.js';
import { oracleAnswersForImage } from '../../../bench/campaign-oracle.js';
import { simulatedSoftLabels } from '../../../bench/campaign-simulated-scoring.js';
import { syntheticImage } from '../../../bench/synthetic.js';
import { oracleAnswers } from '../../../engine/oracle.js';
import { scoreImage } from '../../../engine/score-image.js';
import { IGNORE_LABEL, type Mode } from '../../../engine/types.js';

describe('the scripted oracle', () => {
  for (const mode of ['alc', 'a2lc'] as const satisfies readonly Mode[]) {
    it(`answers from query records as the engine's oracle does from the scores (${mode})`, () => {
      const image = 'img-7';
      const input = syntheticImage({ classes: 6, height: 48, width: 64, superpixels: 40 }, 7);
      const { width, height, classes } = input;
      // Ground truth: the labels, but another class on every third superpixel (so some answers are relabels).
      const truth = Uint8Array.from(input.labels, (label, x) => {
        const base = label === IGNORE_LABEL ? 0 : label;
        return input.superpixels[x] % 3 === 0 ? (base + 1) % classes : base;
      });
      const expansionIndex = new Int32Array(width * height);
      const scores = scoreImage(input, { mode, tau: 0, image, expansionOut: expansionIndex }, undefined);
      const askable = Array.from(scores.superpixelIds.keys()).filter((i) => scores.expansion[i] > 0 && scores.representative[i] >= 0);
      const asked = askable.reverse().map((i) => scores.superpixelIds[i]);
      assert.ok(asked.length >= 10, `enough superpixels to ask (${asked.length})`);

      const reference = oracleAnswers(image, input.labels, truth, scores, expansionIndex, asked, { mode, tau: 0 });
      const records: QueryRecord[] = asked.map((superpixel, rank) => {
        const i = scores.superpixelIds.indexOf(superpixel);
        const r = scores.representative[i];
        return {
          queryId: `${image}/${superpixel}`,
          image,
          superpixel,
          rank: rank + 1,
          rep: [Math.floor(r / width), r % width],
          label: scores.label[i],
          labelName: `class ${scores.label[i]}`,
          expansion: scores.expansion[i],
          assetKey: 'unused',
          bbox: { left: 0, top: 0, width, height },
        };
      });
      const expansionMap = Uint32Array.from(expansionIndex, (i) => (i >= 0 ? scores.superpixelIds[i] : 0));
      const answers = oracleAnswersForImage(image, records, { width, height, data: input.labels }, truth, expansionMap, { classes, mode, tau: 0, annotator: 'bench' });

      assert.deepEqual(
        answers,
        reference.map((a) => ({ queryId: `${image}/${a.superpixel}`, answer: a.answer, ...(a.answer === 'relabel' ? { class: a.class } : {}), annotator: 'bench' })),
      );
      const kinds = new Set(answers.map((a) => a.answer));
      assert.ok(kinds.has('correct') && kinds.has('relabel'), `both kinds of answer occur (${[...kinds].join(', ')})`);
    });
  }
});

describe('simulated soft labels', () => {
  const shape = { classes: 6, height: 96, width: 128, superpixels: 120 };
  const { labels, superpixels, classes, height, width } = syntheticImage(shape, 11);
  const plane = height * width;

  it('give each pixel a distribution, peaked mostly on its label, and depend on the seed and image id alone', () => {
    const soft = simulatedSoftLabels('a', 1, classes, labels, superpixels);
    assert.equal(soft.length, classes * plane);
    let agree = 0;
    let labelled = 0;
    for (let x = 0; x < plane; x++) {
      let sum = 0;
      let best = 0;
      for (let c = 0; c < classes; c++) {
        const p = soft[c * plane + x];
        assert.ok(p > 0 && p < 1, `P[${c}, ${x}] = ${p}`);
        sum += p;
        if (p > soft[best * plane + x]) best = c;
      }
      assert.ok(Math.abs(sum - 1) < 1e-5, `pixel ${x} sums to ${sum}`);
      if (labels[x] !== IGNORE_LABEL) {
        labelled++;
        if (best === labels[x]) agree++;
      }
    }
    const agreement = agree / labelled;
    assert.ok(agreement > 0.6 && agreement < 0.99, `the model agrees with the labels on ${(agreement * 100).toFixed(1)}% of the pixels`);

    assert.deepEqual(simulatedSoftLabels('a', 1, classes, labels, superpixels), soft, 'same seed and id: same soft labels');
    assert.notDeepEqual(simulatedSoftLabels('b', 1, classes, labels, superpixels), soft, 'another image id');
    assert.notDeepEqual(simulatedSoftLabels('a', 2, classes, labels, superpixels), soft, 'another seed');
    const reused = new Float32Array(classes * plane);
    assert.equal(simulatedSoftLabels('a', 1, classes, labels, superpixels, reused), reused, 'a buffer of the right size is filled in place');
    assert.deepEqual(reused, soft);
  });
});
