/**
 * One output file written as a stream (a COCO JSON can outgrow memory): a local file written
 * under a temporary name and renamed when complete, or an S3 object uploaded in parts as the
 * text arrives. Either way a reader never sees half a file under the real name.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { LocalDirLocation } from '../storage/local-location.js';
import type { Location } from '../storage/location.js';
import { S3Location } from '../storage/s3-location.js';

export interface OutputStream {
  /** Resolves when the stream can take more (backpressure). */
  write(text: string): Promise<void>;
  /** Completes the file: renamed into place, or the upload finished. */
  close(): Promise<void>;
  /** Gives up: nothing is left under the real name. */
  abort(error: Error): Promise<void>;
}

async function writeWithBackpressure(stream: Writable, text: string, failed: () => Error | undefined): Promise<void> {
  const error = failed();
  if (error) throw error;
  if (!stream.write(text)) await Promise.race([once(stream, 'drain'), once(stream, 'close')]);
  const after = failed();
  if (after) throw after;
}

export async function openOutputStream(location: Location, name: string): Promise<OutputStream> {
  if (location instanceof LocalDirLocation) {
    const target = location.describe(name);
    await mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.partial-${process.pid}`;
    const file = createWriteStream(partial);
    let failure: Error | undefined;
    file.on('error', (error) => (failure ??= error));
    return {
      write: (text) => writeWithBackpressure(file, text, () => failure),
      async close() {
        file.end();
        await once(file, 'close');
        if (failure) throw failure;
        await rename(partial, target);
      },
      async abort(error) {
        file.destroy(error);
        await rm(partial, { force: true });
      },
    };
  }
  if (location instanceof S3Location) {
    const body = new PassThrough();
    let failure: Error | undefined;
    const upload = location.store.putStream(name, body, { contentType: 'application/json' }).catch((error: Error) => {
      failure ??= error;
      body.destroy();
    });
    return {
      write: (text) => writeWithBackpressure(body, text, () => failure),
      async close() {
        body.end();
        await upload;
        if (failure) throw failure;
      },
      async abort(error) {
        // The multipart upload is aborted by the SDK (leavePartsOnError: false): no object appears.
        body.destroy(error);
        await upload;
      },
    };
  }
  throw new TypeError(`cannot stream to ${location.describe(name)}: not a local directory or S3 location`);
}
