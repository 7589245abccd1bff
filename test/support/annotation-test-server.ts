/**
 * The annotation server assembled as in production (annotation/service.ts) around the in-memory
 * fakes of annotation-fakes.ts and a clock the test moves, for unit tests through Fastify's
 * `inject` (no port). Integration tests start the real service instead.
 */
import type { FastifyInstance } from 'fastify';
import { assembleAnnotationServer } from '../../annotation/service.js';
import { TokenStore, type TokenSpec } from '../../annotation/tokens.js';
import { FakeCampaign, MemoryObjectStore } from './annotation-fakes.js';

export interface TestService {
  app: FastifyInstance;
  store: MemoryObjectStore;
  campaign: FakeCampaign;
  clock: { now: number };
  token(spec: TokenSpec): Promise<string>;
  /** An API call; `json` is the parsed reply, typed as the test expects it (the test checks it). */
  call<T = Record<string, unknown>>(method: 'GET' | 'POST' | 'DELETE', url: string, token?: string, body?: unknown): Promise<{ status: number; json: T; headers: Record<string, unknown>; body: string }>;
  close(): Promise<void>;
}

export async function startTestService(
  options: { campaignId?: string; queries?: number; redundancy?: { annotators: number; quorum: number }; leaseTtlMs?: number; store?: MemoryObjectStore } = {},
): Promise<TestService> {
  const store = options.store ?? new MemoryObjectStore();
  const campaign = new FakeCampaign(store, options.campaignId ?? 'camp', { queries: options.queries, redundancy: options.redundancy });
  const clock = { now: Date.UTC(2026, 0, 1) };
  const parts = await assembleAnnotationServer({
    gateway: campaign,
    store,
    dependencies: () => Promise.resolve({ temporal: 'ok', s3: 'ok' }),
    leaseTtlMs: options.leaseTtlMs ?? 60_000,
    tokenCacheTtlMs: 0,
    now: () => clock.now,
  });
  const tokens = new TokenStore(store);
  return {
    app: parts.app,
    store,
    campaign,
    clock,
    token: async (spec) => (await tokens.create(spec)).token,
    async call<T>(method: 'GET' | 'POST' | 'DELETE', url: string, token?: string, body?: unknown) {
      const response = await parts.app.inject({
        method,
        url,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) } }),
      });
      let json: unknown;
      try {
        json = response.json();
      } catch {
        json = undefined;
      }
      return { status: response.statusCode, json: json as T, headers: response.headers, body: response.body };
    },
    async close() {
      parts.stop();
      await parts.app.close();
    },
  };
}
