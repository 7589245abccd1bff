/**
 * A command-line argument naming one file (`--images FILE`, `--out FILE`): a local path or an
 * `s3://bucket/key` URI, read and written through the {@link Location} of its folder so that files
 * and directory locations behave alike.
 */
import path from 'node:path';
import { InputError } from '../common/errors.js';
import type { Location } from '../storage/location.js';
import { openLocation } from '../storage/open-location.js';

export interface FileArgument {
  readonly location: Location;
  readonly name: string;
  /** The file's address, for messages. */
  readonly file: string;
}

export async function openFileArgument(uri: string): Promise<FileArgument> {
  let folder: string;
  let name: string;
  if (uri.startsWith('s3://')) {
    const slash = uri.lastIndexOf('/');
    folder = uri.slice(0, slash + 1);
    name = uri.slice(slash + 1);
  } else {
    const absolute = path.resolve(uri);
    folder = path.dirname(absolute);
    name = uri.endsWith('/') ? '' : path.basename(absolute);
  }
  if (name === '' || folder === 's3://') throw new InputError(`${uri}: expected a file, got a folder`);
  const location = await openLocation(folder);
  return { location, name, file: location.describe(name) };
}

export async function readFileArgument(uri: string): Promise<{ bytes: Buffer; file: string }> {
  const { location, name, file } = await openFileArgument(uri);
  return { bytes: await location.read(name), file };
}

/** Writes the file; returns its address. */
export async function writeFileArgument(uri: string, data: Uint8Array | string): Promise<string> {
  const { location, name, file } = await openFileArgument(uri);
  await location.write(name, data);
  return file;
}
