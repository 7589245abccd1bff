import type { ArtifactStore } from './artifact-store.js';
import type { Location } from './location.js';
import { compareCodePoints } from '../common/order.js';

/** An `s3://bucket/prefix` as a {@link Location}; `store` is rooted at that prefix. */
export class S3Location implements Location {
  constructor(readonly store: ArtifactStore) {}

  describe(name: string): string {
    return this.store.uri(name);
  }

  read(name: string): Promise<Buffer> {
    return this.store.getBytes(name);
  }

  write(name: string, data: Uint8Array | string): Promise<void> {
    return this.store.putBytes(name, data);
  }

  exists(name: string): Promise<boolean> {
    return this.store.exists(name);
  }

  async list(): Promise<string[]> {
    const names: string[] = [];
    for await (const object of this.store.list()) names.push(object.key);
    return names.sort(compareCodePoints);
  }
}
