/**
 * A2LC's classifier features as the scoring pass writes them, one pair of objects per shard:
 * `features/shard-<k>.npy` (N x C float32: mean P over R of each superpixel) and
 * `features/shard-<k>.jsonl` (row i names the superpixel of array row i: `{image, superpixel,
 * pixels}`). P is dropped after scoring, so this is the only place the automatic-correction step
 * finds it; the labels of the training examples come later, from the label version the answers
 * produced.
 */
import { z } from 'zod';
import { InputError } from '../../common/errors.js';
import type { SuperpixelFeatures } from '../../engine/auto-correction.js';
import { decodeFloat32Matrix, encodeFloat32Npy } from '../../engine/npy.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import type { FeatureShardKeys } from './contracts.js';
import { readJsonl, SuperpixelRefSchema, writeJsonl } from './records.js';

export const FeatureRowSchema = SuperpixelRefSchema.extend({ pixels: z.number().int().min(1) });
export type FeatureRow = z.infer<typeof FeatureRowSchema>;

/** Where shard `k` of a round keeps its features (activities/round/contracts.ts). */
export function featureShardKeys(roundPrefix: string, shard: number): FeatureShardKeys {
  return { arrayKey: `${roundPrefix}features/shard-${shard}.npy`, rowsKey: `${roundPrefix}features/shard-${shard}.jsonl` };
}

/** Collects one shard's features image by image, then writes both objects whole. */
export class FeatureShardWriter {
  private readonly rows: FeatureRow[] = [];
  private readonly parts: Float64Array[] = [];
  private classes: number | undefined;

  add(image: string, features: SuperpixelFeatures): void {
    if (this.classes !== undefined && this.classes !== features.classes) throw new InputError(`${image}: ${features.classes} classes, earlier images of the shard had ${this.classes}`);
    this.classes = features.classes;
    features.superpixelIds.forEach((superpixel, i) => this.rows.push({ image, superpixel, pixels: features.pixels[i] }));
    this.parts.push(features.features);
  }

  get size(): number {
    return this.rows.length;
  }

  /** A retried shard writes the same bytes to the same keys. */
  async write(store: ArtifactStore, keys: FeatureShardKeys): Promise<void> {
    const classes = this.classes ?? 0;
    const array = new Float32Array(this.rows.length * classes);
    let offset = 0;
    for (const part of this.parts) {
      array.set(part, offset);
      offset += part.length;
    }
    await store.putBytes(keys.arrayKey, encodeFloat32Npy(array, [this.rows.length, classes]), { contentType: 'application/octet-stream' });
    await writeJsonl(store, keys.rowsKey, this.rows);
  }
}

export interface FeatureShard {
  rows: FeatureRow[];
  /** rows.length x classes, row-major. */
  features: Float32Array;
  classes: number;
}

/** Reads one shard's features back, checking that both objects agree with each other and with C. */
export async function readFeatureShard(store: ArtifactStore, keys: FeatureShardKeys, classes: number): Promise<FeatureShard> {
  const [rowBytes, arrayBytes] = await Promise.all([readJsonl(store, keys.rowsKey, FeatureRowSchema), store.getBytes(keys.arrayKey)]);
  const matrix = decodeFloat32Matrix(arrayBytes, store.uri(keys.arrayKey));
  if (matrix.rows !== rowBytes.length) throw new InputError(`${store.uri(keys.arrayKey)} has ${matrix.rows} rows, ${store.uri(keys.rowsKey)} names ${rowBytes.length}`);
  if (matrix.rows > 0 && matrix.cols !== classes) throw new InputError(`${store.uri(keys.arrayKey)} has ${matrix.cols} features per row, the dataset has ${classes} classes`);
  for (let i = 0; i < matrix.data.length; i++) {
    if (!Number.isFinite(matrix.data[i])) throw new InputError(`${store.uri(keys.arrayKey)}: row ${Math.floor(i / classes)} is not finite`);
  }
  return { rows: rowBytes.map(({ value }) => value), features: matrix.data, classes };
}
