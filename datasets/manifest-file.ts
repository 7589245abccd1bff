/** Reading and writing the `manifest.json` at a dataset's root, on any location. */
import { InputError } from '../common/errors.js';
import type { Location } from '../storage/location.js';
import { MANIFEST_NAME, ManifestSchema, type DatasetManifest } from './manifest.js';

export async function readManifest(location: Location): Promise<DatasetManifest> {
  const file = location.describe(MANIFEST_NAME);
  if (!(await location.exists(MANIFEST_NAME))) throw new InputError(`${file}: no dataset manifest here`);
  let json: unknown;
  try {
    json = JSON.parse((await location.read(MANIFEST_NAME)).toString('utf8'));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new InputError(`${file}: not JSON (${error.message})`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `  ${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`);
    throw new InputError(`${file}: not a valid dataset manifest:\n${issues.join('\n')}`);
  }
  return parsed.data;
}

/**
 * Writes the manifest, which publishes the dataset: write it after every file it names, so a
 * reader that finds a manifest finds a whole dataset.
 */
export async function writeManifest(location: Location, manifest: DatasetManifest): Promise<void> {
  await location.write(MANIFEST_NAME, `${JSON.stringify(ManifestSchema.parse(manifest), null, 2)}\n`);
}
