import type { InferenceConfig } from '../configs/schema.js';
import { loadSession } from './onnx-session.js';
import { SegmentationModelMetadataSchema, type SegmentationModelMetadata } from './model-metadata.js';
import { decodeRgb, type DecodedImage } from './preprocess.js';
import { segmentBatch, type SoftLabels } from './segment.js';
import { InputError } from '../common/errors.js';
import { formatZodIssues } from '../common/zod-errors.js';
import type { Location } from '../storage/location.js';
import type ort from 'onnxruntime-node';

/** A trained model as the trainer published it: `model.onnx` and `metrics.json` in one location. */
export class SegmentationModel {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly metadata: SegmentationModelMetadata,
    readonly provider: string,
  ) {}

  static async load(model: Location, config: InferenceConfig, onFallback: (message: string) => void): Promise<SegmentationModel> {
    const metricsFile = model.describe('metrics.json');
    let raw: unknown;
    try {
      raw = JSON.parse((await model.read('metrics.json')).toString('utf8'));
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(`${metricsFile}: not JSON (${(error as Error).message})`);
    }
    const parsed = SegmentationModelMetadataSchema.safeParse(raw);
    if (!parsed.success) throw new InputError(formatZodIssues(metricsFile, parsed.error));
    const metadata = parsed.data;
    const { session, provider } = await loadSession(model.describe('model.onnx'), () => model.read('model.onnx'), {
      provider: config.provider,
      intraOpThreads: config.threads,
      onFallback,
    });
    return new SegmentationModel(session, metadata, provider);
  }

  /**
   * Soft labels for images in order, batching consecutive images of one size; `onResult` gets each
   * image's P as soon as its batch is done (the batch's buffer is reused for nothing else).
   */
  async segment(
    images: AsyncIterable<{ id: string; bytes: Uint8Array }>,
    batchSize: number,
    onResult: (id: string, softLabels: SoftLabels) => Promise<void>,
  ): Promise<void> {
    let batch: Array<{ id: string; image: DecodedImage }> = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const current = batch;
      batch = [];
      const results = await segmentBatch(this.session, this.metadata, current.map((entry) => entry.image));
      for (let i = 0; i < current.length; i++) await onResult(current[i].id, results[i]);
    };
    for await (const { id, bytes } of images) {
      let image: DecodedImage;
      try {
        image = await decodeRgb(bytes);
      } catch (error) {
        throw new InputError(`image "${id}": cannot decode (${(error as Error).message})`);
      }
      if (batch.length > 0 && (batch[0].image.width !== image.width || batch[0].image.height !== image.height)) await flush();
      batch.push({ id, image });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  }
}
