import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { decode } from 'fast-png';
import { classPreset, vocColor } from '../../../datasets/class-presets.js';
import { LocalDirLocation } from '../../../storage/local-location.js';
import { VocPngWriter, vocLabelmap } from '../../../exports/voc-png.js';

const dir = mkdtempSync(path.join(tmpdir(), 'alc-voc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('VOC palette PNG export', () => {
  it('writes palette PNGs whose indices are the class ids, coloured by the VOC map (255 = border colour)', async () => {
    const classes = classPreset('voc');
    const out = new LocalDirLocation(dir);
    const writer = new VocPngWriter(out, classes);
    const width = 23;
    const height = 11;
    const data = new Uint8Array(width * height);
    // Every VOC class and the ignore value, in a pattern that is not constant along rows or columns.
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 23 < 21 ? (i * 7) % 23 : 255;
    const items = [
      { id: 'b', split: 'val' as const, imageName: 'b.jpg', imageBytes: Buffer.from('jpeg b'), labels: { width, height, data } },
      { id: 'a', split: 'train' as const, imageName: 'a.png', imageBytes: Buffer.from('png a'), labels: { width, height, data: data.map((v) => (v === 255 ? 0 : v)) } },
    ];
    for (const item of items) await writer.append(await writer.prepare(item));
    const files = await writer.finish();
    assert.deepEqual(files, ['ImageSets/Segmentation/train.txt', 'ImageSets/Segmentation/val.txt', 'ImageSets/Segmentation/trainval.txt', 'labelmap.txt']);

    const png = decode(readFileSync(path.join(dir, 'SegmentationClass/b.png')));
    assert.equal(png.width, width);
    assert.equal(png.height, height);
    assert.equal(png.channels, 1);
    assert.equal(png.depth, 8);
    assert.deepEqual(Array.from(png.data), Array.from(data));
    const palette = png.palette!;
    for (let c = 0; c < 21; c++) assert.deepEqual(palette[c], vocColor(c), `class ${c}`);
    assert.deepEqual(palette[15], [192, 128, 128], 'person, as in the VOC devkit');
    assert.deepEqual(palette[255], [224, 224, 192], 'the VOC border/ignore colour');

    assert.equal(readFileSync(path.join(dir, 'JPEGImages/b.jpg'), 'utf8'), 'jpeg b');
    assert.equal(readFileSync(path.join(dir, 'JPEGImages/a.png'), 'utf8'), 'png a');
    assert.equal(readFileSync(path.join(dir, 'ImageSets/Segmentation/train.txt'), 'utf8'), 'a\n');
    assert.equal(readFileSync(path.join(dir, 'ImageSets/Segmentation/val.txt'), 'utf8'), 'b\n');
    assert.equal(readFileSync(path.join(dir, 'ImageSets/Segmentation/trainval.txt'), 'utf8'), 'a\nb\n');
  });

  it("writes CVAT's labelmap with VOC colours, by class id", () => {
    const text = vocLabelmap([
      { id: 2, name: 'bicycle', color: vocColor(2) },
      { id: 0, name: 'background', color: vocColor(0) },
      { id: 1, name: 'aeroplane', color: vocColor(1) },
    ]);
    assert.equal(text, '# label:color_rgb:parts:actions\nbackground:0,0,0::\naeroplane:128,0,0::\nbicycle:0,128,0::\n');
  });
});
