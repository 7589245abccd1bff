/**
 * The pure parts of A2LC's automatic-correction step: loss weights from relabel counts, the
 * classifier's softmax judgement, the .npy arrays handed to the trainer (read back by real numpy),
 * the labels of training examples, and the campaign setting's defaults.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { judgeLogits, type Judgements } from '../../../activities/round/auto-correct-classifier.js';
import { lossWeightsOf } from '../../../activities/round/auto-correct-prepare.js';
import { VENV_DIR } from '../../../common/paths.js';
import { InputError } from '../../../common/errors.js';
import { CampaignConfigSchema, resolveCampaignConfig } from '../../../configs/campaign.js';
import { superpixelFeatures, superpixelLabels } from '../../../engine/auto-correction.js';
import { decodeFloat32Matrix, encodeFloat32Npy, encodeUint8Npy } from '../../../engine/npy.js';
import { imageFrom } from '../engine/helpers.js';

describe('loss weights from this round\'s relabel counts', () => {
  it('are inverse counts normalised to sum 1, and 0 for a class never relabelled', () => {
    const weights = lossWeightsOf([2, 0, 1, 4]);
    // 1/2, 1, 1/4 over their sum 7/4.
    assert.deepEqual([...weights].map((w) => Math.round(w * 1e12) / 1e12), [2 / 7, 0, 4 / 7, 1 / 7].map((w) => Math.round(w * 1e12) / 1e12));
    assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  });

  it('are all 0 when nothing was relabelled', () => {
    assert.deepEqual([...lossWeightsOf([0, 0, 0])], [0, 0, 0]);
  });
});

describe('judging the classifier\'s logits', () => {
  const judge = (logits: number[], rows: number, classes: number): Judgements => {
    const out: Judgements = { predicted: new Uint8Array(rows), confidence: new Float64Array(rows) };
    judgeLogits(Float32Array.from(logits), rows, classes, out);
    return out;
  };

  it('takes the argmax and its softmax probability per row', () => {
    const out = judge([0, Math.log(3), 0, 5, 1, 1], 2, 3);
    assert.deepEqual([...out.predicted], [1, 0]);
    assert.ok(Math.abs(out.confidence[0] - 3 / 5) < 1e-7);
    assert.ok(Math.abs(out.confidence[1] - 1 / (1 + 2 * Math.exp(-4))) < 1e-7);
  });

  it('breaks ties towards the smallest class id and stays finite for huge logits', () => {
    const out = judge([2, 7, 7, 1e30, 1e30, -1e30], 2, 3);
    assert.deepEqual([...out.predicted], [1, 0]);
    assert.ok(Math.abs(out.confidence[0] - 1 / (2 + Math.exp(-5))) < 1e-7);
    assert.equal(out.confidence[1], 0.5);
  });

  it('refuses non-finite logits and a wrong size', () => {
    assert.throws(() => judge([0, Number.NaN], 1, 2), InputError);
    assert.throws(() => judge([0, 1, 2], 2, 2), /3 values, expected 2 x 2/);
  });
});

describe('the trainer\'s .npy inputs', () => {
  it('round-trip through the reader and are what numpy reads', () => {
    const features = Float32Array.from([0.25, 0.75, 1, 0, 0.5, 0.5]);
    const featureBytes = encodeFloat32Npy(features, [3, 2]);
    const matrix = decodeFloat32Matrix(featureBytes, 'f.npy');
    assert.deepEqual([matrix.rows, matrix.cols, [...matrix.data]], [3, 2, [...features]]);
    assert.deepEqual(decodeFloat32Matrix(encodeFloat32Npy(new Float32Array(0), [0, 6]), 'empty.npy').rows, 0);
    assert.throws(() => decodeFloat32Matrix(encodeFloat32Npy(features, [6]), 'one-d.npy'), /one-d\.npy: expected a 2-D shape/);
    assert.throws(() => decodeFloat32Matrix(encodeUint8Npy(new Uint8Array(4), [2, 2]), 'u1.npy'), /u1\.npy: expected little-endian float32/);

    const dir = mkdtempSync(path.join(os.tmpdir(), 'alc-npy-'));
    try {
      writeFileSync(path.join(dir, 'f.npy'), featureBytes);
      writeFileSync(path.join(dir, 'l.npy'), encodeUint8Npy(Uint8Array.from([3, 255, 0]), [3]));
      const script = "import numpy as np, sys, json; f = np.load(sys.argv[1]); l = np.load(sys.argv[2]); print(json.dumps([str(f.dtype), list(f.shape), f.tolist(), str(l.dtype), l.tolist()]))";
      const printed = execFileSync(path.join(VENV_DIR, 'bin', 'python'), ['-c', script, path.join(dir, 'f.npy'), path.join(dir, 'l.npy')], { encoding: 'utf8' });
      assert.deepEqual(JSON.parse(printed), ['float32', [3, 2], [[0.25, 0.75], [1, 0], [0.5, 0.5]], 'uint8', [3, 255, 0]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('training labels from L and S alone', () => {
  it('agree with the features\' labels: most frequent L over R, ties to the smallest id, 255 only outright', () => {
    const image = imageFrom({
      height: 2,
      width: 4,
      vectors: Array.from({ length: 8 }, () => [0.5, 0.5]),
      labels: [1, 0, 255, 255, 1, 1, 255, 0],
      superpixels: [3, 3, 5, 5, 3, 7, 5, 7],
    });
    const labels = superpixelLabels(image.labels, image.superpixels, image.classes, image.width, 'im');
    const features = superpixelFeatures(image, 'im');
    assert.deepEqual([...labels.superpixelIds], [3, 5, 7]);
    assert.deepEqual([...labels.pixels], [3, 3, 2]);
    assert.deepEqual([...labels.labels], [1, 255, 0]);
    assert.deepEqual([...labels.labels], [...features.labels]);
    assert.throws(() => superpixelLabels(image.labels, image.superpixels.subarray(0, 4), image.classes, image.width, 'im'), /im: label and superpixel maps differ in size/);
  });
});

describe('the autoCorrection setting', () => {
  const resolve = (input: Record<string, unknown>) => resolveCampaignConfig(CampaignConfigSchema.parse({ name: 'c', datasetPrefix: 'd/', classes: 4, ...input }));

  it('is on by default in mode a2lc with the spec\'s parameters, off in alc', () => {
    const a2lc = resolve({ mode: 'a2lc' }).autoCorrection;
    assert.deepEqual(a2lc, { enabled: true, minConfidence: 0.99, hyperparameters: { epochs: 100, batchSize: 8, learningRate: 1e-4, weightDecay: 0 }, seed: 0 });
    assert.equal(resolve({ mode: 'alc' }).autoCorrection.enabled, false);
    assert.equal(resolve({ mode: 'a2lc', autoCorrection: { enabled: false } }).autoCorrection.enabled, false);
  });

  it('rejects automatic correction in mode alc and unknown or out-of-range fields, naming them', () => {
    const issues = (input: Record<string, unknown>) =>
      CampaignConfigSchema.safeParse({ name: 'c', datasetPrefix: 'd/', ...input }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    assert.match(issues({ mode: 'alc', autoCorrection: { enabled: true } }).join('\n'), /autoCorrection\.enabled: automatic correction is A2LC's: use mode a2lc/);
    assert.match(issues({ mode: 'a2lc', autoCorrection: { minConfidence: 1.5 } }).join('\n'), /autoCorrection\.minConfidence/);
    assert.match(issues({ mode: 'a2lc', autoCorrection: { hyperparameters: { momentum: 0.9 } } }).join('\n'), /autoCorrection\.hyperparameters/);
  });
});
