import { InputError } from '../../common/errors.js';
import type { InferenceConfig } from '../../configs/schema.js';
import { loadSession } from '../../inference/onnx-session.js';
import { SegmentationModelMetadataSchema, type SegmentationModelMetadata } from '../../inference/model-metadata.js';
import { decodeRgb, type DecodedImage } from '../../inference/preprocess.js';
import { segmentBatch, type SoftLabels } from '../../inference/segment.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import type ort from 'onnxruntime-node';

/** A trained model as the trainer published it: `<prefix>model.onnx` and `<prefix>metrics.json`. */
export class SegmentationModel {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly metadata: SegmentationModelMetadata,
    readonly provider: string,
  ) {}

  static async load(store: ArtifactStore, modelPrefix: string, config: InferenceConfig, onFallback: (message: string) => void): Promise<SegmentationModel> {
    const metadata = await store.getJson(`${modelPrefix}metrics.json`, SegmentationModelMetadataSchema);
    const { session, provider } = await loadSession(store.uri(`${modelPrefix}model.onnx`), () => store.getBytes(`${modelPrefix}model.onnx`), {
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
