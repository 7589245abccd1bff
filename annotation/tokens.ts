/**
 * Bearer tokens of the annotation service. A token is `alc_<id>_<secret>`: the id (8 random bytes,
 * hex) finds the record `auth/tokens/<id>.json`, the secret (32 random bytes, base64url) is never
 * stored: the record keeps its SHA-256, compared in constant time. A 256-bit random secret needs
 * no salt or slow hash (nothing to brute-force). Records are kept after revocation (audit).
 *
 * Lookups are cached for `cacheTtlMs` (default 5 s), so a revocation takes effect within that time
 * in every running service without a shared cache or a notification channel.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { InputError, NotFoundError } from '../common/errors.js';
import { AnnotatorNameSchema, CampaignIdSchema, type Role } from './api-schemas.js';
import type { ObjectStore } from './object-store.js';

const TOKEN_KEY_PREFIX = 'auth/tokens/';
const TOKEN_PATTERN = /^alc_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const TOKEN_ID_PATTERN = /^[0-9a-f]{16}$/;
export const DEFAULT_TOKEN_CACHE_TTL_MS = 5000;
/** Unknown ids are cached too (a client retrying a bad token); the cache is dropped past this size. */
const MAX_CACHED = 10_000;

export const TokenRecordSchema = z
  .object({
    version: z.literal(1),
    tokenId: z.string().regex(TOKEN_ID_PATTERN),
    secretSha256: z.string().regex(/^[0-9a-f]{64}$/),
    role: z.enum(['annotator', 'operator']),
    annotator: AnnotatorNameSchema,
    campaigns: z.union([z.literal('*'), z.array(CampaignIdSchema).min(1)]),
    note: z.string().max(200).optional(),
    createdAt: z.iso.datetime(),
    revokedAt: z.iso.datetime().optional(),
  })
  .refine((r) => r.role === 'operator' || r.campaigns !== '*', { message: 'an annotator token names its campaigns', path: ['campaigns'] });
export type TokenRecord = z.infer<typeof TokenRecordSchema>;

/** Who a request comes from, once its token is verified. */
export interface Principal {
  tokenId: string;
  role: Role;
  annotator: string;
  campaigns: string[] | '*';
}

export interface TokenSpec {
  role: Role;
  annotator: string;
  campaigns: string[] | '*';
  note?: string;
}

export type Authentication = { principal: Principal } | { error: 'invalid-token' | 'revoked-token'; message: string };

export function canAccessCampaign(principal: Principal, campaignId: string): boolean {
  return principal.campaigns === '*' || principal.campaigns.includes(campaignId);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function tokenKey(tokenId: string): string {
  return `${TOKEN_KEY_PREFIX}${tokenId}.json`;
}

export interface TokenStoreOptions {
  cacheTtlMs?: number;
  now?: () => number;
}

export class TokenStore {
  private readonly cache = new Map<string, { record: TokenRecord | null; until: number }>();
  private readonly cacheTtlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: ObjectStore,
    options: TokenStoreOptions = {},
  ) {
    this.cacheTtlMs = options.cacheTtlMs ?? DEFAULT_TOKEN_CACHE_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Mints a token and stores its record; the token itself is returned once and never kept. */
  async create(spec: TokenSpec): Promise<{ token: string; record: TokenRecord }> {
    const tokenId = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const parsed = TokenRecordSchema.safeParse({
      version: 1,
      tokenId,
      secretSha256: sha256(secret).toString('hex'),
      role: spec.role,
      annotator: spec.annotator,
      campaigns: spec.campaigns === '*' ? '*' : [...new Set(spec.campaigns)],
      ...(spec.note ? { note: spec.note } : {}),
      createdAt: new Date(this.now()).toISOString(),
    });
    if (!parsed.success) throw new InputError(parsed.error.issues.map((i) => `${i.path.join('.') || 'token'}: ${i.message}`).join('; '));
    await this.store.putBytesOnce(tokenKey(tokenId), `${JSON.stringify(parsed.data)}\n`, { contentType: 'application/json' });
    return { token: `alc_${tokenId}_${secret}`, record: parsed.data };
  }

  async list(): Promise<TokenRecord[]> {
    const records: TokenRecord[] = [];
    for await (const object of this.store.list(TOKEN_KEY_PREFIX)) {
      if (object.key.endsWith('.json')) records.push(await this.store.getJson(object.key, TokenRecordSchema));
    }
    return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.tokenId.localeCompare(b.tokenId));
  }

  /** Marks a token revoked (idempotent); running services stop taking it within the cache time. */
  async revoke(tokenId: string): Promise<TokenRecord> {
    if (!TOKEN_ID_PATTERN.test(tokenId)) throw new InputError(`token id: expected 16 hex digits (alc token list), got "${tokenId}"`);
    const record = await this.read(tokenId);
    if (record === null) throw new NotFoundError(`no token ${tokenId} (alc token list shows the ids)`);
    if (record.revokedAt !== undefined) return record;
    const revoked: TokenRecord = { ...record, revokedAt: new Date(this.now()).toISOString() };
    await this.store.putJson(tokenKey(tokenId), revoked);
    this.cache.delete(tokenId);
    return revoked;
  }

  async authenticate(token: string): Promise<Authentication> {
    const match = TOKEN_PATTERN.exec(token);
    if (!match) return { error: 'invalid-token', message: 'the bearer token is not an alc token (alc_<id>_<secret>)' };
    const [, tokenId, secret] = match;
    const record = await this.cachedRecord(tokenId);
    const expected = record === null ? Buffer.alloc(32) : Buffer.from(record.secretSha256, 'hex');
    // Compared even for an unknown id, so the answer takes the same time either way.
    const same = timingSafeEqual(sha256(secret), expected);
    if (record === null || !same) return { error: 'invalid-token', message: 'unknown token' };
    if (record.revokedAt !== undefined) return { error: 'revoked-token', message: `token ${tokenId} was revoked at ${record.revokedAt}` };
    return { principal: { tokenId, role: record.role, annotator: record.annotator, campaigns: record.campaigns } };
  }

  private async cachedRecord(tokenId: string): Promise<TokenRecord | null> {
    const now = this.now();
    const cached = this.cache.get(tokenId);
    if (cached && cached.until > now) return cached.record;
    const record = await this.read(tokenId);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(tokenId, { record, until: now + this.cacheTtlMs });
    return record;
  }

  private async read(tokenId: string): Promise<TokenRecord | null> {
    try {
      return await this.store.getJson(tokenKey(tokenId), TokenRecordSchema);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }
}
