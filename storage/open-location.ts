import path from 'node:path';
import { InputError } from '../common/errors.js';
import { loadConnectionConfig } from '../configs/load.js';
import { ArtifactStore } from './artifact-store.js';
import { LocalDirLocation } from './local-location.js';
import type { Location } from './location.js';
import { createS3Client } from './s3-client.js';
import { S3Location } from './s3-location.js';

const S3_URI = /^s3:\/\/([^/]+)\/?(.*)$/;

/**
 * A CLI location: `s3://bucket/prefix` or a local directory. S3 locations use the connection
 * configuration (endpoint, region, credentials) with the bucket and prefix of the URI.
 */
export async function openLocation(uri: string): Promise<Location> {
  if (!uri.startsWith('s3://')) return new LocalDirLocation(path.resolve(uri));
  const match = S3_URI.exec(uri);
  if (!match) throw new InputError(`${uri}: expected s3://BUCKET/PREFIX`);
  const [, bucket, rawPrefix] = match;
  const prefix = rawPrefix === '' || rawPrefix.endsWith('/') ? rawPrefix : `${rawPrefix}/`;
  const { config } = await loadConnectionConfig();
  return new S3Location(new ArtifactStore(createS3Client({ ...config.s3, bucket }), bucket, prefix));
}
