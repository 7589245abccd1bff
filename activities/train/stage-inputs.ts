import { DEFAULT_ITEM_CONCURRENCY, forEachConcurrently } from '../../datasets/concurrency.js';
import type { DatasetManifest } from '../../datasets/manifest.js';
import { MANIFEST_NAME } from '../../datasets/manifest.js';
import { readManifest } from '../../datasets/manifest-file.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { LocalDirLocation } from '../../storage/local-location.js';
import { S3Location } from '../../storage/s3-location.js';

export interface StagedTrainingInputs {
  datasetRoot: string;
  labelsDir?: string;
  manifest: DatasetManifest;
}

/**
 * Copies what a training job reads onto local disk: the manifest, the images of the split, and
 * the label version (or the pseudo labels). Files already staged by an earlier attempt are kept
 * (every key staged here is immutable), so a retry on the same machine downloads nothing twice.
 */
export async function stageTrainingInputs(
  store: ArtifactStore,
  input: { datasetPrefix: string; labelsPrefix?: string; split: 'train' | 'val' },
  localRoot: string,
): Promise<StagedTrainingInputs> {
  const source = new S3Location(store.at(input.datasetPrefix));
  const manifest = await readManifest(source);
  const datasetDir = new LocalDirLocation(`${localRoot}/dataset`);
  const labelsDir = input.labelsPrefix ? new LocalDirLocation(`${localRoot}/labels`) : undefined;
  const labelSource = input.labelsPrefix ? new S3Location(store.at(input.labelsPrefix)) : undefined;
  const copy = async (from: S3Location, to: LocalDirLocation, name: string, as = name) => {
    if (!(await to.exists(as))) await to.write(as, await from.read(name));
  };
  const items = manifest.items.filter((item) => item.split === input.split);
  await forEachConcurrently(items, DEFAULT_ITEM_CONCURRENCY, async (item) => {
    await copy(source, datasetDir, item.image);
    if (labelSource && labelsDir) await copy(labelSource, labelsDir, `${item.id}.png`);
    else await copy(source, datasetDir, item.pseudoLabel);
  });
  await datasetDir.write(MANIFEST_NAME, `${JSON.stringify(manifest)}\n`);
  return { datasetRoot: datasetDir.root, labelsDir: labelsDir?.root, manifest };
}
