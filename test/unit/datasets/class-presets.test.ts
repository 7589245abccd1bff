import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classPreset, parseClassesJson, vocColor } from '../../../datasets/class-presets.js';
import { ClassListSchema } from '../../../datasets/manifest.js';
import { IGNORE_COLOR } from '../../../datasets/png.js';
import { InvalidFileError } from '../../../datasets/problems.js';

describe('class presets', () => {
  it('VOC: the 21 classes in the devkit colour map', () => {
    const voc = classPreset('voc');
    assert.equal(voc.length, 21);
    assert.deepEqual(voc[0], { id: 0, name: 'background', color: [0, 0, 0] });
    assert.deepEqual(voc[1], { id: 1, name: 'aeroplane', color: [128, 0, 0] });
    assert.deepEqual(voc[15], { id: 15, name: 'person', color: [192, 128, 128] });
    assert.deepEqual(voc[20], { id: 20, name: 'tvmonitor', color: [0, 64, 128] });
    assert.deepEqual(vocColor(255), [...IGNORE_COLOR], 'VOC void');
  });

  it('Cityscapes: the 19 train ids with the official colours', () => {
    const cityscapes = classPreset('cityscapes');
    assert.deepEqual(cityscapes.map((c) => c.id), Array.from({ length: 19 }, (_, i) => i));
    assert.deepEqual(cityscapes[0], { id: 0, name: 'road', color: [128, 64, 128] });
    assert.deepEqual(cityscapes[13], { id: 13, name: 'car', color: [0, 0, 142] });
    assert.deepEqual(cityscapes[18], { id: 18, name: 'bicycle', color: [119, 11, 32] });
  });

  it('Kvasir: background and polyp', () => {
    assert.deepEqual(classPreset('kvasir').map((c) => c.name), ['background', 'polyp']);
  });

  it('every preset is a valid class list, and a copy callers may change', () => {
    for (const name of ['voc', 'cityscapes', 'kvasir'] as const) {
      assert.ok(ClassListSchema.safeParse(classPreset(name)).success, name);
      classPreset(name)[0].color[0] = 99;
      assert.notEqual(classPreset(name)[0].color[0], 99);
    }
  });
});

describe('classes.json', () => {
  it('parses a class list', () => {
    const text = JSON.stringify([{ id: 0, name: 'bg', color: [0, 0, 0] }, { id: 3, name: 'cat', color: [1, 2, 3] }]);
    assert.deepEqual(parseClassesJson(Buffer.from(text), 'classes.json'), [
      { id: 0, name: 'bg', color: [0, 0, 0] },
      { id: 3, name: 'cat', color: [1, 2, 3] },
    ]);
  });

  it('names every bad field', () => {
    const text = JSON.stringify([{ id: 0, name: 'bg', color: [0, 0, 0] }, { id: 0, name: '', color: [0, 0, 256] }, { id: 255, name: 'void', color: [1, 1, 1] }]);
    assert.throws(() => parseClassesJson(text, 'c.json'), (error: unknown) => {
      assert.ok(error instanceof InvalidFileError);
      assert.match(error.message, /^c\.json: not a class list/);
      for (const path of ['1.name', '1.color.2', '2.id', '1.id: duplicate class id 0']) assert.ok(error.reason.includes(path), `${path} in ${error.reason}`);
      return true;
    });
  });

  it('rejects what is not JSON', () => {
    assert.throws(() => parseClassesJson('[{', 'c.json'), { name: 'InputError', message: /^c\.json: not JSON/ });
  });
});
