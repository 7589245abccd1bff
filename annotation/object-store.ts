import type { ArtifactStore } from '../storage/artifact-store.js';

/**
 * The artifact store operations the annotation service uses: the real store in production and in
 * integration tests, an in-memory one in unit tests.
 */
export type ObjectStore = Pick<ArtifactStore, 'uri' | 'getBytes' | 'getStream' | 'getJson' | 'putJson' | 'putBytesOnce' | 'exists' | 'list'>;
