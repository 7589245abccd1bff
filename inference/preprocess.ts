import sharp from 'sharp';
import type { SegmentationModelMetadata } from './model-metadata.js';

export interface DecodedImage {
  width: number;
  height: number;
  /** RGB, 8 bits per channel, row-major, interleaved (HWC). */
  rgb: Uint8Array;
}

/** Decodes a JPEG/PNG to 8-bit RGB (alpha dropped, grey expanded, EXIF orientation ignored as in training). */
export async function decodeRgb(bytes: Uint8Array): Promise<DecodedImage> {
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels after decoding, got ${info.channels}`);
  return { width: info.width, height: info.height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * Writes one image as the model's input, planar (CHW) and normalised exactly as the trainer does:
 * `(pixel / 255 - mean[c]) / std[c]`, into `target` at `offset` (a slot of a batch tensor).
 */
export function normaliseInto(image: DecodedImage, model: Pick<SegmentationModelMetadata, 'mean' | 'std'>, target: Float32Array, offset: number): void {
  const plane = image.width * image.height;
  const { rgb } = image;
  for (let c = 0; c < 3; c++) {
    const scale = 1 / (255 * model.std[c]);
    const shift = model.mean[c] / model.std[c];
    const base = offset + c * plane;
    for (let i = 0, j = c; i < plane; i++, j += 3) target[base + i] = rgb[j] * scale - shift;
  }
}
