/**
 * COCO RLE against pycocotools' own encodings. The expected values were computed once with a
 * line-by-line Python port of pycocotools' maskApi.c (rleEncode, rleToString, rleToBbox; numpy
 * only, since pycocotools is not installed here), on the same label maps as built below:
 *
 *   def rle_encode(mask):            # mask: H x W of 0/1
 *       T = mask.flatten(order='F'); cnts = []; p = 0; c = 0
 *       for v in T:
 *           if v != p: cnts.append(c); c = 0; p = v
 *           c += 1
 *       cnts.append(c); return cnts
 *   def rle_to_string(cnts):
 *       s = []
 *       for i, x in enumerate(cnts):
 *           x = int(x) - (int(cnts[i - 2]) if i > 2 else 0); more = 1
 *           while more:
 *               c = x & 0x1f; x >>= 5; more = (x != -1) if (c & 0x10) else (x != 0)
 *               if more: c |= 0x20
 *               s.append(chr(c + 48))
 *       return ''.join(s)
 *   (rleToBbox: maskApi.c of pycocotools >= 2.0.2, which widens a run that wraps a column to full height)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabelMap } from '../../../datasets/png.js';
import { decodeRle, encodeClassRles, rleFromString, rleToString } from '../../../exports/coco-rle.js';

function fromRows(rows: number[][]): LabelMap {
  return { width: rows[0].length, height: rows.length, data: Uint8Array.from(rows.flat()) };
}

/** The 48 x 36 map of the reference run: a disk, two rectangles, an ignore column, a bottom row. */
function mediumMap(): LabelMap {
  const width = 48;
  const height = 36;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = (x - 24) ** 2 + (y - 18) ** 2 < 144 ? 1 : 0;
      if (y >= 3 && y < 11 && x >= 2 && x < 16) v = 2;
      if (y >= 28 && x >= 40) v = 3;
      if (x < 1) v = 255;
      if (y === 35) v = 1;
      data[y * width + x] = v;
    }
  }
  return { width, height, data };
}

/** A seeded random map with a few large regions and noise (xorshift32). */
function randomMap(width: number, height: number, seed: number): LabelMap {
  let state = seed;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) {
    const r = next();
    data[i] = r < 0.05 ? 255 : r < 0.5 ? (i > 0 ? data[i - 1] === 255 ? 0 : data[i - 1] : 0) : Math.floor(r * 8) % 5;
  }
  return { width, height, data };
}

describe('COCO RLE encoding (pycocotools-compatible)', () => {
  it('encodes a small label map exactly as pycocotools does, per class, with area and bbox', () => {
    const labels = fromRows([
      [0, 0, 1, 1, 255],
      [0, 1, 1, 2, 255],
      [2, 2, 1, 0, 0],
      [2, 255, 0, 0, 1],
    ]);
    const rles = encodeClassRles(labels, 255);
    assert.deepEqual(
      rles.map((r) => [r.classId, r.counts, rleToString(r.counts), r.area, r.bbox]),
      [
        [0, [0, 2, 2, 1, 6, 1, 2, 2, 2, 1, 1], '022O40L10OO', 7, [0, 0, 5, 4]],
        [1, [5, 1, 2, 3, 1, 1, 6, 1], '5122ON50', 6, [1, 0, 4, 4]],
        [2, [2, 2, 2, 1, 6, 1, 6], '222O400', 4, [0, 1, 4, 3]],
      ],
    );
  });

  it('matches the reference strings of a 48 x 36 map (negative deltas, multi-character counts, trailing runs)', () => {
    const rles = encodeClassRles(mediumMap(), 255);
    assert.deepEqual(
      rles.map((r) => [r.classId, rleToString(r.counts), r.area, r.bbox]),
      [
        [
          0,
          'T1S11PO7e0I[O7e0I[O7e0I[O7e0I[O7e0I[O7e0I[O7e0I[O7e0I[O7e0I[O7e0I[O7e0I[O7019HG7N59DIf06ZO1`0N@1b0N^O1d0N\\O2d0N\\O1f0NZO2f0NZO2f0NZO2f0NZO2f0NZO2f0NZO2f0NZO2f0NZO2f0NZO3d0N\\O2d0N\\O3b0N^O3`0N@3>NB3<ND48NHg00000000I700000000000000',
          1040,
          [1, 0, 47, 35],
        ],
        [
          1,
          'S11S100000000000000000000000[O8NH0<ND1>NB1`0N@1b0N^O1d0N\\O2d0N\\O1f0NZO2f0NZO2f0NZO2f0NZO2f0NZO2f0NZO2f0NZO2f0NZO2f0NZO3d0N\\O2d0N\\O3b0N^O3`0N@3>NB3<ND48NHg000000000000000000000000',
          485,
          [0, 7, 48, 29],
        ],
        [2, '[28l00000000000000000000000000mS1', 112, [2, 3, 14, 8]],
        [3, 'l]17m00000000000000TO', 56, [40, 28, 8, 7]],
      ],
    );
    assert.deepEqual(rles[3].counts, [1468, 7, 29, 7, 29, 7, 29, 7, 29, 7, 29, 7, 29, 7, 29, 7, 1]);
  });

  it('writes large counts in several 5-bit groups (640 x 480, one odd pixel in each corner)', () => {
    const width = 640;
    const height = 480;
    const data = new Uint8Array(width * height).fill(4);
    data[0] = 255;
    data[width * height - 1] = 5;
    const rles = encodeClassRles({ width, height, data }, 255);
    assert.deepEqual(
      rles.map((r) => [r.classId, r.counts, rleToString(r.counts), r.area, r.bbox]),
      [
        [4, [1, 307198, 1], '1no[91', 307198, [0, 0, 640, 480]],
        [5, [307199, 1], 'oo[91', 1, [639, 479, 1, 1]],
      ],
    );
  });

  it('keeps the skipped value out and an empty map yields nothing', () => {
    assert.deepEqual(encodeClassRles({ width: 2, height: 1, data: Uint8Array.from([255, 255]) }, 255), []);
    assert.deepEqual(encodeClassRles({ width: 0, height: 0, data: new Uint8Array(0) }, 255), []);
    assert.deepEqual(encodeClassRles({ width: 2, height: 1, data: Uint8Array.from([255, 255]) }).map((r) => r.counts), [[0, 2]]);
  });
});

describe('COCO RLE round trip', () => {
  for (const [width, height, seed] of [
    [1, 1, 1],
    [5, 3, 2],
    [64, 33, 3],
    [211, 97, 4],
  ] as const) {
    it(`decodes back to every class mask of a random ${width} x ${height} map`, () => {
      const labels = randomMap(width, height, seed);
      const rles = encodeClassRles(labels, 255);
      let covered = 0;
      for (const rle of rles) {
        const text = rleToString(rle.counts);
        assert.match(text, /^[0-o]*$/);
        assert.deepEqual(rleFromString(text), rle.counts, `class ${rle.classId}: string round trip`);
        const mask = decodeRle(rle.counts, height, width);
        let area = 0;
        let [minX, minY, maxX, maxY]: number[] = [width, height, -1, -1];
        for (let i = 0; i < mask.length; i++) {
          assert.equal(mask[i], labels.data[i] === rle.classId ? 1 : 0, `class ${rle.classId}, pixel ${i}`);
          if (mask[i] === 0) continue;
          area++;
          const x = i % width;
          const y = Math.floor(i / width);
          [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
        }
        assert.equal(rle.area, area);
        assert.deepEqual(rle.bbox, [minX, minY, maxX - minX + 1, maxY - minY + 1]);
        assert.equal(rle.counts.reduce((a, b) => a + b, 0), width * height);
        covered += area;
      }
      const ignored = labels.data.filter((v) => v === 255).length;
      assert.equal(covered + ignored, width * height);
    });
  }

  it('rejects malformed strings and counts', () => {
    assert.throws(() => rleFromString('0p'), /outside "0".."o"/);
    assert.throws(() => rleFromString('P'), /ends inside a count/);
    assert.throws(() => decodeRle([2, 3], 2, 2), /more than 2x2/);
    assert.throws(() => decodeRle([1, 1], 2, 2), /cover 2 pixels/);
  });
});
