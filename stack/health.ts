import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { CreateBucketCommand, HeadBucketCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { isAlive } from './processes.js';

export interface WaitOptions {
  timeoutMs: number;
  /** The service's pid: stop waiting at once if it died (its log says why). */
  pid?: number;
  describe: string;
}

/** Polls `probe` until it resolves true, the process dies, or the timeout passes. */
export async function waitUntil(probe: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (options.pid !== undefined && !isAlive(options.pid)) throw new Error(`${options.describe} exited during start-up`);
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`${options.describe} not healthy after ${options.timeoutMs / 1000}s${lastError ? ` (${lastError})` : ''}`);
}

/** The frontend's gRPC health service reports SERVING. */
export async function temporalIsServing(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    const response = await connection.healthService.check({});
    return response.status === proto.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;
  } finally {
    await connection.close();
  }
}

/** S3 answers authenticated requests: HeadBucket returns 200 or 404, never a connection error. */
export async function s3Answers(client: S3Client, bucket: string): Promise<boolean> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return true;
    throw error;
  }
}

export async function ensureBucket(client: S3Client, bucket: string): Promise<'created' | 'existed'> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return 'existed';
  } catch (error) {
    if (!(error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)) throw error;
  }
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return 'created';
}
