import { S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../configs/schema.js';

/**
 * One S3 client configuration for every backend (AWS S3, SeaweedFS, MinIO, R2).
 *
 * Checksums are `WHEN_REQUIRED`: the SDK's default (`WHEN_SUPPORTED`) adds CRC32 trailers and
 * aws-chunked stream encoding that several S3-compatible servers reject or store wrongly; AWS
 * accepts both. Credentials come from the SDK's default chain (environment, profile, web identity
 * / IRSA), except the embedded stack's development keys.
 */
export function createS3Client(config: S3Config): S3Client {
  // The pinned SDK supports Node 20; its notice concerns releases after January 2027 (see NOTES.md).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    maxAttempts: config.maxAttempts,
    retryMode: 'standard',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(config.staticCredentials ? { credentials: config.staticCredentials } : {}),
  });
}
