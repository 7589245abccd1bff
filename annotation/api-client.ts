/**
 * A client of the annotation HTTP API, as any program would use it (the oracle annotators, tests):
 * bearer token, JSON in and out, every reply validated, API errors with their machine code.
 */
import type { z } from 'zod';
import { UnavailableError } from '../common/errors.js';
import {
  AnswersViewSchema,
  ApiErrorBodySchema,
  CampaignViewSchema,
  LeaseViewSchema,
  MeViewSchema,
  ReleaseViewSchema,
  type AnswerItem,
  type AnswersView,
  type ApiErrorBody,
  type CampaignView,
  type LeaseView,
  type MeView,
  type ReleaseView,
} from './api-schemas.js';

/** The service answered with an error body (or something that is not the API's JSON). */
export class AnnotationApiError extends Error {
  override readonly name = 'AnnotationApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body?: ApiErrorBody,
  ) {
    super(message);
  }
}

const REQUEST_TIMEOUT_MS = 60_000;

export class AnnotationApiClient {
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly token: string,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  me(): Promise<MeView> {
    return this.call('GET', '/api/me', undefined, MeViewSchema);
  }

  campaign(campaignId: string): Promise<CampaignView> {
    return this.call('GET', `/api/campaigns/${encodeURIComponent(campaignId)}`, undefined, CampaignViewSchema);
  }

  lease(campaignId: string, size?: number): Promise<LeaseView> {
    return this.call('POST', `/api/campaigns/${encodeURIComponent(campaignId)}/leases`, size === undefined ? {} : { size }, LeaseViewSchema);
  }

  release(campaignId: string, queryIds: string[]): Promise<ReleaseView> {
    return this.call('DELETE', `/api/campaigns/${encodeURIComponent(campaignId)}/leases`, { queryIds }, ReleaseViewSchema);
  }

  answer(campaignId: string, answers: AnswerItem[]): Promise<AnswersView> {
    return this.call('POST', `/api/campaigns/${encodeURIComponent(campaignId)}/answers`, { answers }, AnswersViewSchema);
  }

  private async call<S extends z.ZodType>(method: string, path: string, body: unknown, schema: S): Promise<z.infer<S>> {
    const url = `${this.baseUrl}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause;
      throw new UnavailableError(`cannot reach the annotation service at ${this.baseUrl} (${cause?.message ?? (error as Error).message}); is \`alc serve\` running?`);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AnnotationApiError(response.status, 'not-json', `${method} ${url}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`);
    }
    if (!response.ok) {
      const error = ApiErrorBodySchema.safeParse(json);
      if (!error.success) throw new AnnotationApiError(response.status, 'unknown', `${method} ${url}: HTTP ${response.status}: ${text.slice(0, 200)}`);
      throw new AnnotationApiError(response.status, error.data.error, `${method} ${path}: ${error.data.message}`, error.data);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new AnnotationApiError(response.status, 'unexpected-reply', `${method} ${path}: the reply is not what the API promises: ${issues.join('; ')}`);
    }
    return parsed.data;
  }
}
