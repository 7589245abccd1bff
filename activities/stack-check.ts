import { createHash, randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { ArtifactStore } from '../storage/artifact-store.js';

export interface StackCheckActivities {
  writeProbe(key: string): Promise<{ sha256: string; bytes: number }>;
  verifyProbe(key: string, sha256: string): Promise<void>;
}

const PROBE_BYTES = 64 * 1024;

export function createStackCheckActivities(store: ArtifactStore): StackCheckActivities {
  return {
    async writeProbe(key) {
      // A retry after a crash may find the probe already written: keep it, so the hash stays valid.
      if (await store.exists(key)) {
        const existing = await store.getBytes(key);
        return { sha256: sha256Of(existing), bytes: existing.length };
      }
      const body = randomBytes(PROBE_BYTES);
      await store.putBytes(key, body, { contentType: 'application/octet-stream' });
      return { sha256: sha256Of(body), bytes: body.length };
    },
    async verifyProbe(key, sha256) {
      const actual = sha256Of(await store.getBytes(key));
      if (actual !== sha256) {
        throw ApplicationFailure.nonRetryable(`${store.uri(key)} read back with sha256 ${actual}, expected ${sha256}`, 'ProbeMismatch');
      }
    },
  };
}

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
