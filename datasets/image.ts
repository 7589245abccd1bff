/** Photographs and other ordinary images (JPEG or PNG, any colour type), through sharp. */
import sharp, { type OutputInfo, type Sharp } from 'sharp';
import { InvalidFileError } from './problems.js';
import type { LabelMap } from './png.js';

export interface ImageSize {
  width: number;
  height: number;
}

/**
 * The size of an image, from decoding all of it: a header alone looks fine on a truncated or
 * corrupt file, which would only fail later, in the middle of training.
 */
export async function decodeImageSize(bytes: Uint8Array, source: string): Promise<ImageSize> {
  const { info } = await decodeRaw(sharp(bytes, { failOn: 'truncated' }), source);
  return { width: info.width, height: info.height };
}

/**
 * A two-class map from a binary mask image (black background, white foreground, as JPEG
 * or PNG, grey or RGB): 1 where the grey value is at least `threshold`, else 0. JPEG artefacts
 * blur the edges, hence a threshold rather than exact values.
 */
export async function decodeBinaryMask(bytes: Uint8Array, source: string, threshold = 128): Promise<LabelMap> {
  const { data: grey, info } = await decodeRaw(sharp(bytes, { failOn: 'truncated' }).greyscale(), source);
  const data = new Uint8Array(info.width * info.height);
  const stride = info.channels;
  for (let i = 0, j = 0; i < data.length; i++, j += stride) data[i] = grey[j] >= threshold ? 1 : 0;
  return { width: info.width, height: info.height, data };
}

async function decodeRaw(image: Sharp, source: string): Promise<{ data: Buffer; info: OutputInfo }> {
  try {
    return await image.raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new InvalidFileError(source, `undecodable image (${(error as Error).message})`);
  }
}
