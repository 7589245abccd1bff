import type { ArtifactStore } from '../storage/artifact-store.js';
import { createStackCheckActivities } from './stack-check.js';

export interface ActivityDependencies {
  store: ArtifactStore;
}

/** Activities served by the CPU task queue. */
export function createCpuActivities(deps: ActivityDependencies) {
  return {
    ...createStackCheckActivities(deps.store),
  };
}
