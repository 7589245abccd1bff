/**
 * Label maps and superpixel maps as PNG files, to typed arrays and back, losslessly.
 *
 * These go through fast-png rather than sharp: sharp (libvips) expands a palette PNG to RGB, so
 * the palette index, which is the class id, would have to be guessed back from colours (ambiguous
 * when a palette repeats a colour), and it converts 16-bit grey to RGB on the way out. fast-png
 * hands back the stored samples as they are. RGB photographs go through sharp (see image.ts).
 *
 * The codec functions return promises although fast-png works synchronously: callers are written
 * for I/O-like codecs, so decoding can move off the event loop later without touching them.
 */
/* eslint-disable @typescript-eslint/require-await -- async by contract, see above */
import { decode, encode, hasPngSignature, type DecodedPng, type IndexedColors } from 'fast-png';
import { IGNORE_INDEX, type ClassDef } from './manifest.js';
import { InvalidFileError } from './problems.js';

/** H x W class ids, row-major; {@link IGNORE_INDEX} = unknown/ignore. */
export interface LabelMap {
  width: number;
  height: number;
  data: Uint8Array;
}

/** H x W superpixel ids, row-major; 0 = no superpixel. */
export interface SuperpixelMap {
  width: number;
  height: number;
  data: Uint32Array;
}

/** Largest superpixel id a 16-bit PNG holds. */
export const MAX_SUPERPIXEL_ID = 0xffff;

/**
 * Colour of {@link IGNORE_INDEX} in the palettes this project writes: PASCAL VOC's void colour,
 * so VOC-trained eyes and tools read it as they expect.
 */
export const IGNORE_COLOR: readonly [number, number, number] = [224, 224, 192];

const LABEL_EXPECTED = 'expected an 8-bit grey or palette PNG whose grey value or palette index is the class id';
const SUPERPIXEL_EXPECTED = 'expected an 8- or 16-bit grey PNG of superpixel ids';

export async function decodeLabelPng(bytes: Uint8Array, source: string): Promise<LabelMap> {
  const png = decodePng(bytes, source);
  if (png.channels !== 1) throw new InvalidFileError(source, `${describeKind(png)}; ${LABEL_EXPECTED}`);
  if (png.depth === 16) throw new InvalidFileError(source, `16-bit grey PNG; ${LABEL_EXPECTED}`);
  return { width: png.width, height: png.height, data: unpackSamples(png, source) };
}

export async function decodeSuperpixelPng(bytes: Uint8Array, source: string): Promise<SuperpixelMap> {
  const png = decodePng(bytes, source);
  if (png.channels !== 1 || png.palette !== undefined) {
    throw new InvalidFileError(source, `${describeKind(png)}; ${SUPERPIXEL_EXPECTED}`);
  }
  const data = new Uint32Array(png.width * png.height);
  if (png.depth === 16) {
    if (png.data.length !== data.length) throw truncated(png, source);
    data.set(png.data);
  } else {
    data.set(unpackSamples(png, source));
  }
  return { width: png.width, height: png.height, data };
}

/**
 * An 8-bit PNG of the class ids: a palette PNG coloured by `classes` when they are given (so the
 * file is also a picture), grey otherwise. Either way the stored sample is the class id.
 */
export async function encodeLabelPng(map: LabelMap, classes?: readonly ClassDef[]): Promise<Uint8Array> {
  checkSize(map, 'label map');
  const palette = classes === undefined ? undefined : classPalette(classes);
  return encode({ width: map.width, height: map.height, data: map.data, depth: 8, channels: 1, palette });
}

/** A 16-bit grey PNG of the superpixel ids. */
export async function encodeSuperpixelPng(map: SuperpixelMap): Promise<Uint8Array> {
  checkSize(map, 'superpixel map');
  const ids = new Uint16Array(map.data.length);
  for (let i = 0; i < map.data.length; i++) {
    const id = map.data[i];
    if (id > MAX_SUPERPIXEL_ID) throw new RangeError(`superpixel id ${id} does not fit a 16-bit PNG (at most ${MAX_SUPERPIXEL_ID})`);
    ids[i] = id;
  }
  return encode({ width: map.width, height: map.height, data: ids, depth: 16, channels: 1 });
}

/** 256 entries, so every possible id has a colour: the classes', {@link IGNORE_COLOR} for 255, black for the rest. */
function classPalette(classes: readonly ClassDef[]): IndexedColors {
  const palette: IndexedColors = Array.from({ length: 256 }, () => [0, 0, 0]);
  for (const { id, color } of classes) palette[id] = [...color];
  palette[IGNORE_INDEX] = [...IGNORE_COLOR];
  return palette;
}

function decodePng(bytes: Uint8Array, source: string): DecodedPng {
  if (!hasPngSignature(bytes)) throw new InvalidFileError(source, 'not a PNG file');
  try {
    return decode(bytes, { checkCrc: true });
  } catch (error) {
    throw new InvalidFileError(source, `undecodable PNG (${(error as Error).message})`);
  }
}

function describeKind(png: DecodedPng): string {
  if (png.palette !== undefined) return `${png.depth}-bit palette PNG`;
  const kind = ['', 'grey', 'grey+alpha', 'RGB', 'RGBA'][png.channels] ?? `${png.channels}-channel`;
  return `${png.depth}-bit ${kind} PNG`;
}

/** One byte per pixel from the stored rows; samples of 1, 2 or 4 bits are packed MSB first, rows padded to a byte. */
function unpackSamples(png: DecodedPng, source: string): Uint8Array {
  const { width, height, depth } = png;
  const packed = png.data;
  const bytesPerRow = Math.ceil((width * depth) / 8);
  if (packed.length !== bytesPerRow * height) throw truncated(png, source);
  if (depth === 8) return packed instanceof Uint8Array ? packed : Uint8Array.from(packed);
  const samples = new Uint8Array(width * height);
  const perByte = 8 / depth;
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    const row = y * bytesPerRow;
    const out = y * width;
    for (let x = 0; x < width; x++) {
      const shift = 8 - depth * ((x % perByte) + 1);
      samples[out + x] = (packed[row + Math.floor(x / perByte)] >> shift) & mask;
    }
  }
  return samples;
}

function truncated(png: DecodedPng, source: string): InvalidFileError {
  return new InvalidFileError(source, `undecodable PNG (pixel data does not fill ${png.width}x${png.height})`);
}

function checkSize(map: { width: number; height: number; data: ArrayLike<number> }, what: string): void {
  if (map.data.length !== map.width * map.height) {
    throw new RangeError(`${what} holds ${map.data.length} values, expected ${map.width}x${map.height}`);
  }
}
