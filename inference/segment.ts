import ort from 'onnxruntime-node';
import type { SegmentationModelMetadata } from './model-metadata.js';
import type { DecodedImage } from './preprocess.js';
import { normaliseInto } from './preprocess.js';
import { softmaxInPlace } from '../engine-wasm/softmax-kernel.js';

export interface SoftLabels {
  /** C x H x W, float32, C order: the spec's P. */
  probabilities: Float32Array;
  classes: number;
  height: number;
  width: number;
}

/**
 * Runs one batch of same-sized images through the model and turns the logits into soft labels.
 * The output tensor's buffer is reused for the probabilities: one allocation per batch.
 */
export async function segmentBatch(session: ort.InferenceSession, model: SegmentationModelMetadata, images: readonly DecodedImage[]): Promise<SoftLabels[]> {
  const { width, height } = images[0];
  if (images.some((image) => image.width !== width || image.height !== height)) throw new Error('a batch must hold images of one size');
  const plane = width * height;
  const input = new Float32Array(images.length * 3 * plane);
  images.forEach((image, index) => normaliseInto(image, model, input, index * 3 * plane));
  const outputs = await session.run({ [model.inputName]: new ort.Tensor('float32', input, [images.length, 3, height, width]) });
  const logits = outputs[model.outputName];
  if (!logits || logits.type !== 'float32') throw new Error(`model output "${model.outputName}" missing or not float32`);
  const [batch, classes, outHeight, outWidth] = logits.dims;
  if (batch !== images.length || outHeight !== height || outWidth !== width || classes !== model.numClasses) {
    throw new Error(`model output shape [${logits.dims.join(', ')}], expected [${images.length}, ${model.numClasses}, ${height}, ${width}]`);
  }
  const data = logits.data as Float32Array;
  return images.map((_, index) => {
    const offset = index * classes * plane;
    softmaxInPlace(data, offset, classes, plane);
    return { probabilities: data.subarray(offset, offset + classes * plane), classes, height, width };
  });
}
