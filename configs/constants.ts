/**
 * Names shared by workflows, workers and clients. Dependency-free so that workflow code can import
 * it. Task queue names live in histories: never rename one that has been deployed.
 */
export const TASK_QUEUES = {
  /** Orchestration and CPU activities (selection, expansion, metrics, S3 bookkeeping). */
  cpu: 'alc-cpu',
  /** Training and inference; one activity slot per GPU. */
  gpu: 'alc-gpu',
} as const;

/** The development-only S3 credentials the embedded stack uses when none are in the environment. */
export const DEV_S3_CREDENTIALS = { accessKeyId: 'alc-dev', secretAccessKey: 'alc-dev-secret' } as const;
