/** Small files and folders for the dataset tests. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import sharp from 'sharp';
import { ImportRefusedError } from '../../../datasets/importers/import-dataset.js';
import type { DatasetProblem } from '../../../datasets/problems.js';

/** A temporary directory, removed when the test ends. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'alc-datasets-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function writeFiles(root: string, files: Record<string, Uint8Array | string>): Promise<void> {
  for (const [name, data] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), data);
  }
}

/** The problems of a refused import; fails the test if the import went through. */
export async function refusal(importing: Promise<unknown>): Promise<DatasetProblem[]> {
  const error: unknown = await importing.then(
    () => assert.fail('expected the import to be refused'),
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof ImportRefusedError, `expected ImportRefusedError, got ${String(error)}`);
  return error.problems;
}

export interface RawPngSpec {
  width: number;
  height: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** Row-major samples, channels interleaved. */
  samples: ArrayLike<number>;
  palette?: readonly (readonly [number, number, number])[];
}

/**
 * A PNG written straight from the specification (filter 0, one IDAT), independent of the code
 * under test, so a decoder is not only checked against its own encoder.
 */
export function rawPng(spec: RawPngSpec): Buffer {
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[spec.colorType];
  const samplesPerRow = spec.width * channels;
  const bytesPerRow = Math.ceil((samplesPerRow * spec.bitDepth) / 8);
  const raw = Buffer.alloc((bytesPerRow + 1) * spec.height);
  for (let y = 0; y < spec.height; y++) {
    const row = y * (bytesPerRow + 1) + 1;
    for (let s = 0; s < samplesPerRow; s++) {
      const value = spec.samples[y * samplesPerRow + s];
      if (spec.bitDepth === 16) raw.writeUInt16BE(value, row + s * 2);
      else if (spec.bitDepth === 8) raw[row + s] = value;
      else {
        const bit = s * spec.bitDepth;
        raw[row + (bit >> 3)] |= value << (8 - spec.bitDepth - (bit & 7));
      }
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(spec.width, 0);
  header.writeUInt32BE(spec.height, 4);
  header.set([spec.bitDepth, spec.colorType, 0, 0, 0], 8);
  const chunks = [chunk('IHDR', header)];
  if (spec.palette) chunks.push(chunk('PLTE', Buffer.from(spec.palette.flat())));
  chunks.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** 8-bit grey PNG of the given values (class ids, label ids or superpixel ids). */
export function greyPng(width: number, height: number, values: ArrayLike<number>): Buffer {
  return rawPng({ width, height, colorType: 0, bitDepth: 8, samples: values });
}

/** A photograph stand-in: a small RGB gradient. */
export function rgbPixels(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256;
  return pixels;
}

export function jpegImage(width: number, height: number): Promise<Buffer> {
  return sharp(rgbPixels(width, height), { raw: { width, height, channels: 3 } }).jpeg().toBuffer();
}

export function rgbPngImage(width: number, height: number): Promise<Buffer> {
  return sharp(rgbPixels(width, height), { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** `count` values from a fixed linear congruential sequence, each below `bound`. */
export function seededValues(count: number, bound: number, seed = 1): number[] {
  const values: number[] = [];
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values.push(state % bound);
  }
  return values;
}

/** `count` values cycling through `choices`. */
export function cycle(count: number, choices: readonly number[]): number[] {
  return Array.from({ length: count }, (_, i) => choices[i % choices.length]);
}

export const FIXTURE_CLASSES = [
  { id: 0, name: 'background', color: [0, 0, 0] },
  { id: 1, name: 'cat', color: [200, 0, 0] },
  { id: 2, name: 'dog', color: [0, 200, 0] },
] as const satisfies readonly { id: number; name: string; color: readonly [number, number, number] }[];

export const FIXTURE_WIDTH = 6;
export const FIXTURE_HEIGHT = 4;
const PIXELS = FIXTURE_WIDTH * FIXTURE_HEIGHT;

/** Class ids (and 255) of the pseudo labels of item number `n`. */
export function fixtureLabels(n: number): number[] {
  return cycle(PIXELS, [0, 1, 2, 255]).map((v, i) => (i === n ? 1 : v));
}

/** Ground truth of item number `n`: its pseudo labels, mostly. */
export function fixtureTruth(n: number): number[] {
  return fixtureLabels(n).map((v) => (v === 255 ? 0 : v));
}

export function fixtureSuperpixels(n: number): Buffer {
  return rawPng({ width: FIXTURE_WIDTH, height: FIXTURE_HEIGHT, colorType: 0, bitDepth: 16, samples: cycle(PIXELS, [0, 1000 + n, 65535, 7]) });
}

export interface FixtureItem {
  id: string;
  split: 'train' | 'val';
  image: 'jpg' | 'png';
  groundTruth: boolean;
}

export const FIXTURE_ITEMS: readonly FixtureItem[] = [
  { id: 'a', split: 'train', image: 'jpg', groundTruth: true },
  { id: 'b', split: 'train', image: 'png', groundTruth: false },
  { id: 'c', split: 'val', image: 'jpg', groundTruth: true },
];

/** The files of a good dataset in the `alc` layout; tests break it by changing entries. */
export async function alcLayoutFiles(items: readonly FixtureItem[] = FIXTURE_ITEMS): Promise<Record<string, Buffer | string>> {
  const files: Record<string, Buffer | string> = {
    'classes.json': JSON.stringify(FIXTURE_CLASSES),
    'splits/train.txt': items.filter((item) => item.split === 'train').map((item) => `${item.id}\n`).join(''),
    'splits/val.txt': items.filter((item) => item.split === 'val').map((item) => `${item.id}\n`).join(''),
  };
  for (const [n, item] of items.entries()) {
    files[`images/${item.id}.${item.image}`] = item.image === 'jpg' ? await jpegImage(FIXTURE_WIDTH, FIXTURE_HEIGHT) : await rgbPngImage(FIXTURE_WIDTH, FIXTURE_HEIGHT);
    files[`pseudo/${item.id}.png`] = greyPng(FIXTURE_WIDTH, FIXTURE_HEIGHT, fixtureLabels(n));
    files[`superpixels/${item.id}.png`] = fixtureSuperpixels(n);
    if (item.groundTruth) files[`gt/${item.id}.png`] = greyPng(FIXTURE_WIDTH, FIXTURE_HEIGHT, fixtureTruth(n));
  }
  return files;
}
