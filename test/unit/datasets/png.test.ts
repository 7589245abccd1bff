import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { InputError } from '../../../common/errors.js';
import { classPreset, vocColor } from '../../../datasets/class-presets.js';
import { decodeBinaryMask, decodeImageSize } from '../../../datasets/image.js';
import {
  decodeLabelPng,
  decodeSuperpixelPng,
  encodeLabelPng,
  encodeSuperpixelPng,
  IGNORE_COLOR,
  type LabelMap,
  type SuperpixelMap,
} from '../../../datasets/png.js';
import { InvalidFileError } from '../../../datasets/problems.js';
import { cycle, greyPng, jpegImage, rawPng, rgbPngImage, seededValues } from './dataset-fixtures.js';

const SIZES = [
  [1, 1],
  [7, 3],
  [64, 33],
  [250, 190],
] as const;

function labelMap(width: number, height: number, values: number[]): LabelMap {
  return { width, height, data: Uint8Array.from(values) };
}

async function rejection(promise: Promise<unknown>): Promise<InvalidFileError> {
  const error: unknown = await promise.then(
    () => assert.fail('expected a rejection'),
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof InvalidFileError, `expected InvalidFileError, got ${String(error)}`);
  assert.ok(error instanceof InputError);
  return error;
}

describe('label PNG', () => {
  it('round-trips random grey label maps of every byte value', async () => {
    for (const [width, height] of SIZES) {
      const map = labelMap(width, height, seededValues(width * height, 256, width));
      const decoded = await decodeLabelPng(await encodeLabelPng(map), 'grey.png');
      assert.deepEqual(decoded, map);
    }
  });

  it('round-trips palette label maps and colours them with the classes, 255 in the ignore colour', async () => {
    const classes = classPreset('voc');
    for (const [width, height] of SIZES) {
      const ids = seededValues(width * height, 22, height).map((v) => (v === 21 ? 255 : v));
      const map = labelMap(width, height, ids);
      const png = await encodeLabelPng(map, classes);
      assert.deepEqual(await decodeLabelPng(png, 'palette.png'), map);
      // Any viewer (here libvips) shows the class colours.
      const { data: rgb } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      for (let i = 0; i < ids.length; i++) {
        const expected = ids[i] === 255 ? IGNORE_COLOR : classes[ids[i]].color;
        assert.deepEqual([rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]], [...expected], `pixel ${i}`);
      }
    }
  });

  it('reads a VOC-style palette PNG by index', async () => {
    const palette = Array.from({ length: 256 }, (_, i) => vocColor(i));
    const ids = cycle(40 * 30, [0, 15, 15, 255, 20, 1]);
    const png = rawPng({ width: 40, height: 30, colorType: 3, bitDepth: 8, samples: ids, palette });
    assert.deepEqual(await decodeLabelPng(png, 'voc.png'), labelMap(40, 30, ids));
  });

  it('keeps indices whose palette colours repeat', async () => {
    // Unused palette entries are often all black: the index, not the colour, is the class.
    const palette = Array.from({ length: 8 }, () => [0, 0, 0] as const);
    const ids = cycle(12, [0, 3, 7, 5]);
    const png = rawPng({ width: 4, height: 3, colorType: 3, bitDepth: 8, samples: ids, palette });
    assert.deepEqual((await decodeLabelPng(png, 'dup.png')).data, Uint8Array.from(ids));
  });

  it('unpacks 1-, 2- and 4-bit palette and grey label maps', async () => {
    for (const bitDepth of [1, 2, 4] as const) {
      const ids = seededValues(13 * 5, 1 << bitDepth, bitDepth);
      const palette = Array.from({ length: 1 << bitDepth }, (_, i) => vocColor(i));
      const paletted = rawPng({ width: 13, height: 5, colorType: 3, bitDepth, samples: ids, palette });
      const grey = rawPng({ width: 13, height: 5, colorType: 0, bitDepth, samples: ids });
      assert.deepEqual(await decodeLabelPng(paletted, 'p.png'), labelMap(13, 5, ids), `palette ${bitDepth}-bit`);
      assert.deepEqual(await decodeLabelPng(grey, 'g.png'), labelMap(13, 5, ids), `grey ${bitDepth}-bit`);
    }
  });

  it('rejects what is not an 8-bit grey or palette PNG, naming the file and what was expected', async () => {
    const expected = 'expected an 8-bit grey or palette PNG whose grey value or palette index is the class id';
    const cases: [Buffer, string][] = [
      [await rgbPngImage(4, 4), `8-bit RGB PNG; ${expected}`],
      [rawPng({ width: 2, height: 2, colorType: 0, bitDepth: 16, samples: [1, 2, 3, 4] }), `16-bit grey PNG; ${expected}`],
      [rawPng({ width: 2, height: 1, colorType: 4, bitDepth: 8, samples: [1, 255, 2, 255] }), `8-bit grey+alpha PNG; ${expected}`],
      [rawPng({ width: 1, height: 1, colorType: 6, bitDepth: 8, samples: [1, 2, 3, 255] }), `8-bit RGBA PNG; ${expected}`],
      [await jpegImage(4, 4), 'not a PNG file'],
    ];
    for (const [bytes, reason] of cases) {
      const error = await rejection(decodeLabelPng(bytes, 'labels/x.png'));
      assert.equal(error.reason, reason);
      assert.equal(error.message, `labels/x.png: ${reason}`);
    }
  });

  it('rejects truncated and corrupted PNGs', async () => {
    const png = greyPng(20, 20, seededValues(400, 21));
    const truncated = await rejection(decodeLabelPng(png.subarray(0, png.length - 30), 't.png'));
    assert.match(truncated.reason, /^undecodable PNG/);
    const corrupted = Buffer.from(png);
    corrupted[png.length - 20] ^= 0xff;
    assert.match((await rejection(decodeLabelPng(corrupted, 'c.png'))).reason, /^undecodable PNG \(CRC mismatch/);
  });

  it('refuses to encode a map whose data does not fit its size', async () => {
    await assert.rejects(encodeLabelPng({ width: 3, height: 3, data: new Uint8Array(8) }), RangeError);
  });
});

describe('superpixel PNG', () => {
  it('round-trips random 16-bit superpixel maps', async () => {
    for (const [width, height] of SIZES) {
      const map: SuperpixelMap = { width, height, data: Uint32Array.from(seededValues(width * height, 65536, width + height)) };
      const png = await encodeSuperpixelPng(map);
      assert.deepEqual(await decodeSuperpixelPng(png, 'sp.png'), map);
      assert.equal(png[24], 16, 'IHDR bit depth');
      assert.equal(png[25], 0, 'IHDR colour type grey');
    }
  });

  it('reads 8- and 16-bit grey superpixel maps written by another encoder', async () => {
    const ids8 = seededValues(30, 256, 3);
    const ids16 = seededValues(30, 65536, 4);
    const expected = (ids: number[]) => ({ width: 6, height: 5, data: Uint32Array.from(ids) });
    assert.deepEqual(await decodeSuperpixelPng(greyPng(6, 5, ids8), 'a.png'), expected(ids8));
    const png16 = rawPng({ width: 6, height: 5, colorType: 0, bitDepth: 16, samples: ids16 });
    assert.deepEqual(await decodeSuperpixelPng(png16, 'b.png'), expected(ids16));
  });

  it('rejects palette and colour PNGs', async () => {
    const expected = 'expected an 8- or 16-bit grey PNG of superpixel ids';
    const palette = rawPng({ width: 2, height: 1, colorType: 3, bitDepth: 8, samples: [0, 1], palette: [[0, 0, 0], [9, 9, 9]] });
    assert.equal((await rejection(decodeSuperpixelPng(palette, 's.png'))).reason, `8-bit palette PNG; ${expected}`);
    assert.equal((await rejection(decodeSuperpixelPng(await rgbPngImage(2, 2), 's.png'))).reason, `8-bit RGB PNG; ${expected}`);
  });

  it('refuses ids above 65535', async () => {
    const map: SuperpixelMap = { width: 2, height: 1, data: Uint32Array.from([65535, 65536]) };
    await assert.rejects(encodeSuperpixelPng(map), { name: 'RangeError', message: /superpixel id 65536 does not fit a 16-bit PNG/ });
  });
});

describe('images', () => {
  it('decodes the size of JPEG and PNG images', async () => {
    assert.deepEqual(await decodeImageSize(await jpegImage(17, 9), 'a.jpg'), { width: 17, height: 9 });
    assert.deepEqual(await decodeImageSize(await rgbPngImage(5, 11), 'a.png'), { width: 5, height: 11 });
  });

  it('rejects truncated and non-image files', async () => {
    const jpeg = await jpegImage(64, 64);
    assert.match((await rejection(decodeImageSize(jpeg.subarray(0, jpeg.length / 2), 'half.jpg'))).reason, /^undecodable image/);
    assert.match((await rejection(decodeImageSize(Buffer.from('hello'), 'text.jpg'))).reason, /^undecodable image/);
  });

  it('thresholds binary masks at 128, grey or RGB', async () => {
    const grey = [0, 127, 128, 255, 200, 3];
    const expected = { width: 3, height: 2, data: Uint8Array.from([0, 0, 1, 1, 1, 0]) };
    assert.deepEqual(await decodeBinaryMask(greyPng(3, 2, grey), 'm.png'), expected);
    const rgb = await sharp(Buffer.from(grey.flatMap((v) => [v, v, v])), { raw: { width: 3, height: 2, channels: 3 } }).png().toBuffer();
    assert.deepEqual(await decodeBinaryMask(rgb, 'm.png'), expected);
  });
});
