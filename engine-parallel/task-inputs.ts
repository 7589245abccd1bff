/**
 * The inputs of one score request, decoded on the worker thread: `.npy` soft labels and label /
 * superpixel PNGs arrive as file bytes, so the thread that hands out the work only reads files and
 * decoding scales with the threads. Decoded maps are checked against the soft labels' size, naming
 * both files.
 */
import { InputError } from '../common/errors.js';
import { decodeLabelPng, decodeSuperpixelPng } from '../datasets/png.js';
import { decodeSoftLabels } from '../engine/npy.js';
import type { ImageInput, SuperpixelMap } from '../engine/types.js';
import type { PngSource, ScoreRequest } from './protocol.js';

interface Size {
  readonly file: string;
  readonly height: number;
  readonly width: number;
}

function isPng(source: ArrayBufferView | PngSource): source is PngSource {
  return 'png' in source;
}

function checkSize(reference: Size, map: Size): void {
  if (map.height === reference.height && map.width === reference.width) return;
  throw new InputError(`${map.file} is ${map.height}x${map.width} but ${reference.file} is ${reference.height}x${reference.width} (height x width)`);
}

/**
 * `softLabelsInto`, when given, receives the decoded soft labels of a `.npy` source (the scoring
 * workspace's own memory, so that they are copied once).
 */
export async function decodeRequest(request: ScoreRequest, softLabelsInto?: (count: number) => Float32Array): Promise<ImageInput> {
  const source = request.softLabels;
  const soft = 'npy' in source ? decodeSoftLabels(source.npy, source.file, softLabelsInto) : source;
  const { classes, height, width } = soft;
  const size: Size = { file: 'npy' in source ? source.file : request.image, height, width };
  let labels: Uint8Array;
  if (isPng(request.labels)) {
    const map = await decodeLabelPng(request.labels.png, request.labels.file);
    checkSize(size, { file: request.labels.file, ...map });
    labels = map.data;
  } else {
    labels = request.labels;
  }
  let superpixels: SuperpixelMap;
  if (isPng(request.superpixels)) {
    const map = await decodeSuperpixelPng(request.superpixels.png, request.superpixels.file);
    checkSize(size, { file: request.superpixels.file, ...map });
    superpixels = map.data;
  } else {
    superpixels = request.superpixels;
  }
  return { classes, height, width, softLabels: soft.data, labels, superpixels };
}
