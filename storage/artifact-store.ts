import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { z } from 'zod';
import { InputError, NotFoundError } from '../common/errors.js';
import { formatZodIssues } from '../common/zod-errors.js';

/** A write-once object already holds different content. */
export class ArtifactConflictError extends Error {
  override readonly name = 'ArtifactConflictError';
}

export interface PutOptions {
  contentType?: string;
}

export interface ListedObject {
  key: string;
  size: number;
}

/** Parts above this size go through multipart upload (S3's minimum part size is 5 MiB). */
const MULTIPART_PART_BYTES = 8 * 1024 * 1024;
const MULTIPART_CONCURRENCY = 4;

/**
 * Every artifact of the pipeline lives in one bucket under one prefix. Transient errors are retried
 * by the SDK client (exponential backoff, see storage/s3-client.ts); this class adds the artifact
 * semantics: validated JSON, content-addressed immutable objects, and write-once manifests that are
 * published only after all the parts they name.
 */
export class ArtifactStore {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    readonly prefix = '',
  ) {}

  /** The same bucket, rooted deeper: keys of the result are relative to `prefix + subPrefix`. */
  at(subPrefix: string): ArtifactStore {
    return new ArtifactStore(this.client, this.bucket, this.prefix + subPrefix);
  }

  /** `s3://bucket/prefix+key`, for messages and logs. */
  uri(key: string): string {
    return `s3://${this.bucket}/${this.prefix}${key}`;
  }

  async putBytes(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: body, ContentType: options.contentType }),
    );
  }

  /** Streams of unknown length: multipart upload in bounded memory (parts x concurrency). */
  async putStream(key: string, body: Readable, options: PutOptions = {}): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.prefix + key, Body: body, ContentType: options.contentType },
      partSize: MULTIPART_PART_BYTES,
      queueSize: MULTIPART_CONCURRENCY,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async getBytes(key: string): Promise<Buffer> {
    const response = await this.get(key);
    const bytes = await response.Body!.transformToByteArray();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async getStream(key: string): Promise<Readable> {
    const response = await this.get(key);
    return response.Body as Readable;
  }

  async putJson(key: string, value: unknown): Promise<void> {
    await this.putBytes(key, `${JSON.stringify(value)}\n`, { contentType: 'application/json' });
  }

  /** Reads and validates: a malformed artifact is reported with its URI and every bad field. */
  async getJson<S extends z.ZodType>(key: string, schema: S): Promise<z.infer<S>> {
    const text = (await this.getBytes(key)).toString('utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new InputError(`${this.uri(key)}: not valid JSON (${(error as Error).message})`);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new InputError(formatZodIssues(this.uri(key), parsed.error));
    return parsed.data;
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Keys (relative to the store's prefix) under `keyPrefix`, in S3's order (UTF-8 binary). */
  async *list(keyPrefix = ''): AsyncGenerator<ListedObject> {
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + keyPrefix, ContinuationToken: continuationToken }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key.slice(this.prefix.length), size: object.Size ?? 0 };
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
  }

  /**
   * Immutable content is stored under its own hash, so writing it twice (an activity retry) is a
   * no-op and readers can trust the bytes behind a key never change.
   */
  async putContentAddressed(keyPrefix: string, body: Uint8Array, extension = ''): Promise<{ key: string; sha256: string }> {
    const sha256 = createHash('sha256').update(body).digest('hex');
    const key = `${keyPrefix}sha256-${sha256}${extension}`;
    if (!(await this.exists(key))) await this.putBytes(key, body);
    return { key, sha256 };
  }

  /** Server-side copy within the bucket: the bytes never pass through this process. */
  async copy(sourceKey: string, targetKey: string): Promise<void> {
    // CopySource is `bucket/key`, URL-encoded; each segment is encoded so `/` keeps its meaning.
    const source = `${this.bucket}/${this.prefix}${sourceKey}`.split('/').map(encodeURIComponent).join('/');
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: this.prefix + targetKey, CopySource: source }));
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError(`${this.uri(sourceKey)} does not exist`);
      throw error;
    }
  }

  /**
   * Write-once (`If-None-Match: *`): a retry that finds the same bytes already there succeeds;
   * different bytes are a conflict.
   */
  async putBytesOnce(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<'written' | 'already-written'> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: body, ContentType: options.contentType, IfNoneMatch: '*' }),
      );
      return 'written';
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
    }
    const existing = await this.getBytes(key);
    if (!existing.equals(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)) {
      throw new ArtifactConflictError(`${this.uri(key)} is already written with different content`);
    }
    return 'already-written';
  }

  /**
   * Write all parts, then publish the manifest that names them. Readers look only at manifests, so
   * they never see a half-written artifact. The manifest is write-once (see {@link putBytesOnce}).
   */
  async publish(manifestKey: string, manifest: unknown, parts: ReadonlyArray<{ key: string; body: Uint8Array | string }> = []): Promise<'published' | 'already-published'> {
    for (const part of parts) await this.putBytes(part.key, part.body);
    const outcome = await this.putBytesOnce(manifestKey, `${JSON.stringify(manifest)}\n`, { contentType: 'application/json' });
    return outcome === 'written' ? 'published' : 'already-published';
  }

  private async get(key: string) {
    try {
      return await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError(`${this.uri(key)} does not exist`);
      throw error;
    }
  }
}

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404 || (error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NotFound'));
}

function isPreconditionFailed(error: unknown): boolean {
  return statusOf(error) === 412;
}
