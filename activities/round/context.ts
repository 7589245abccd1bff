/**
 * What every round activity shares: how it reports progress and hears cancellation (Temporal's
 * activity context in a worker, nothing or a recorder in tests), and the dataset helpers.
 */
import { InputError } from '../../common/errors.js';
import { compareCodePoints } from '../../common/order.js';
import { DEFAULT_ITEM_CONCURRENCY, forEachConcurrently } from '../../datasets/concurrency.js';
import type { DatasetManifest } from '../../datasets/manifest.js';
import { DatasetReader } from '../../inference/dataset-reader.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { S3Location } from '../../storage/s3-location.js';

export interface RoundDependencies {
  store: ArtifactStore;
}

export interface RoundProgress {
  done: number;
  total: number;
}

/** Optional so the core functions run as plain calls in tests and tools. */
export interface RoundContext {
  report?: (progress: RoundProgress) => void;
  signal?: AbortSignal;
}

/** Key prefixes are joined by concatenation, so one without its trailing `/` would misplace every key. */
export function requirePrefix(name: string, value: string): void {
  if (!value.endsWith('/')) throw new InputError(`${name} must end with "/", got "${value}"`);
}

/** The dataset, reading the working labels from `labelsPrefix` when given, else the pseudo labels. */
export function openDataset(store: ArtifactStore, datasetPrefix: string, labelsPrefix?: string): Promise<DatasetReader> {
  requirePrefix('datasetPrefix', datasetPrefix);
  if (labelsPrefix !== undefined) requirePrefix('labelsPrefix', labelsPrefix);
  return DatasetReader.open(new S3Location(store.at(datasetPrefix)), labelsPrefix === undefined ? undefined : new S3Location(store.at(labelsPrefix)));
}

/** The train split in the spec's image order (code points): every round works on it. */
export function trainIds(reader: DatasetReader): string[] {
  return reader.idsOf('train').sort(compareCodePoints);
}

/** C = largest class id + 1: class ids index the count and confusion arrays directly. */
export function classCountOf(manifest: DatasetManifest): number {
  return Math.max(...manifest.classes.map((c) => c.id)) + 1;
}

/**
 * Runs `work` on every image with bounded concurrency (the decoded maps in flight stay few),
 * reporting progress after each and stopping at cancellation.
 */
export async function forEachImage(ids: readonly string[], context: RoundContext, work: (id: string) => Promise<void>): Promise<void> {
  let done = 0;
  await forEachConcurrently(ids, DEFAULT_ITEM_CONCURRENCY, async (id) => {
    context.signal?.throwIfAborted();
    await work(id);
    context.report?.({ done: ++done, total: ids.length });
  });
}

export function requireSameSize(what: string, a: { width: number; height: number }, b: { width: number; height: number }): void {
  if (a.width !== b.width || a.height !== b.height) throw new InputError(`${what}: ${a.width}x${a.height} and ${b.width}x${b.height} differ in size`);
}
