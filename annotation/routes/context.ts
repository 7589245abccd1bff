import type { AnswerIntake } from '../answer-intake.js';
import type { CampaignDirectory } from '../campaign-directory.js';
import type { CampaignGateway } from '../campaign-gateway.js';
import type { AnnotationMetrics } from '../metrics.js';
import type { ObjectStore } from '../object-store.js';

/** What the route handlers share. */
export interface ApiContext {
  directory: CampaignDirectory;
  intake: AnswerIntake;
  gateway: CampaignGateway;
  store: ObjectStore;
  metrics: AnnotationMetrics;
  now: () => number;
}
