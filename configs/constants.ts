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

/**
 * Custom search attributes the campaign and round workflows upsert, so the Web UI lists and filters
 * campaigns (`AlcCampaign = "demo" AND AlcStatus = "awaiting-answers"`). They must exist on the
 * server: the embedded stack registers them (`--search-attribute` at namespace creation, the
 * operator service for an existing database). Names live in histories and visibility: never rename.
 */
export const SEARCH_ATTRIBUTES = {
  campaign: { name: 'AlcCampaign', type: 'Keyword' },
  round: { name: 'AlcRound', type: 'Int' },
  step: { name: 'AlcStep', type: 'Keyword' },
  status: { name: 'AlcStatus', type: 'Keyword' },
} as const;

/** `NAME=Type` for `temporal server start-dev --search-attribute`. */
export const SEARCH_ATTRIBUTE_FLAGS: readonly string[] = Object.values(SEARCH_ATTRIBUTES).map((a) => `${a.name}=${a.type}`);

/** Workflow type names (the exported function names in workflows/): permanent once deployed. */
export const WORKFLOW_TYPES = { campaign: 'campaignWorkflow', round: 'roundWorkflow' } as const;

/** `<campaign>/round-<r>`: the deterministic id of a campaign's round workflow. */
export function roundWorkflowId(campaignId: string, round: number): string {
  return `${campaignId}/round-${round}`;
}
