import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { encodeLabelPng } from '../../../datasets/png.js';
import { alcOk, tempDir, writeTestFile } from './fixtures.js';

interface Metrics {
  overallAcc: number;
  meanAcc: number;
  freqWAcc: number;
  meanIoU: number;
  classIoU: (number | null)[];
}

function assertClose(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} != ${expected}`);
}

describe('alc evaluate', () => {
  it('computes the metrics of a hand-made case, with a class absent from both maps', async (t) => {
    const root = await tempDir(t);
    // Truth x label over the non-void pixels: (0,0) (1,0) (1,1) (1,1) (2,2) (2,miss) (0,1); one void pixel.
    const labels = [0, 0, 1, 1, 2, 255, 0, 1];
    const truth = [0, 1, 1, 1, 2, 2, 255, 0];
    await writeTestFile(path.join(root, 'labels', 'a.png'), await encodeLabelPng({ width: 4, height: 2, data: Uint8Array.from(labels) }));
    await writeTestFile(path.join(root, 'gt', 'a.png'), await encodeLabelPng({ width: 4, height: 2, data: Uint8Array.from(truth) }));
    const out = path.join(root, 'metrics.json');
    const run = await alcOk('evaluate', '--labels', path.join(root, 'labels'), '--gt', path.join(root, 'gt'), '--classes', '4', '--out', out);

    const metrics = JSON.parse(await readFile(out, 'utf8')) as Metrics;
    assert.deepEqual(Object.keys(metrics), ['overallAcc', 'meanAcc', 'freqWAcc', 'meanIoU', 'classIoU']);
    assertClose(metrics.overallAcc, 4 / 7, 'overallAcc');
    assertClose(metrics.meanAcc, (1 / 2 + 2 / 3 + 1 / 2) / 3, 'meanAcc');
    assertClose(metrics.freqWAcc, (2 / 7) * (1 / 3) + (3 / 7) * (1 / 2) + (2 / 7) * (1 / 2), 'freqWAcc');
    assertClose(metrics.meanIoU, (1 / 3 + 1 / 2 + 1 / 2) / 3, 'meanIoU');
    assert.equal(metrics.classIoU.length, 4);
    [1 / 3, 1 / 2, 1 / 2].forEach((iou, c) => assertClose(metrics.classIoU[c], iou, `IoU ${c}`));
    assert.equal(metrics.classIoU[3], null);

    assert.match(run.stdout, /^class {2}IoU %$/m);
    assert.match(run.stdout, /^0 {6}33\.33$/m);
    assert.match(run.stdout, /^3 {6}-$/m);
    assert.match(run.stdout, /^mean IoU {16}44\.44$/m);
  });

  it('names the classes of a preset, evaluates the images of --images, and prints JSON', async (t) => {
    const root = await tempDir(t);
    const perfect = await encodeLabelPng({ width: 2, height: 1, data: Uint8Array.from([0, 1]) });
    const wrong = await encodeLabelPng({ width: 2, height: 1, data: Uint8Array.from([1, 1]) });
    await writeTestFile(path.join(root, 'labels', 'a.png'), perfect);
    await writeTestFile(path.join(root, 'labels', 'b.png'), wrong);
    await writeTestFile(path.join(root, 'gt', 'a.png'), perfect);
    await writeTestFile(path.join(root, 'gt', 'b.png'), perfect);
    await writeFile(path.join(root, 'ids.txt'), 'a\n');
    const args = ['evaluate', '--labels', path.join(root, 'labels'), '--gt', path.join(root, 'gt'), '--classes', 'kvasir', '--out', path.join(root, 'm.json')];

    const human = await alcOk(...args, '--images', path.join(root, 'ids.txt'));
    assert.match(human.stdout, /^polyp {7}100\.00$/m);
    const json = await alcOk(...args, '--json');
    assert.deepEqual(JSON.parse(json.stdout), {
      images: 2,
      classes: 2,
      metricsFile: path.join(root, 'm.json'),
      overallAcc: 0.75,
      meanAcc: 0.75,
      freqWAcc: 0.5 * 0.5 + 0.5 * (2 / 3),
      meanIoU: (0.5 + 2 / 3) / 2,
      classIoU: [0.5, 2 / 3],
    });
  });
});
