/**
 * Bearer authentication of every `/api/` request and the two scope rules: an annotator reaches only
 * the campaigns its token names, and only operator tokens reach `/api/operator/`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-errors.js';
import { canAccessCampaign, type Principal, type TokenStore } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Tokens are short ASCII; a huge header is refused before any hashing. */
const MAX_AUTHORIZATION_LENGTH = 200;

export function bearerAuthentication(tokens: TokenStore) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      reply.header('www-authenticate', 'Bearer realm="alc"');
      throw new ApiError(401, 'missing-token', 'this route needs "Authorization: Bearer <token>" (alc token create)');
    }
    const match = header.length <= MAX_AUTHORIZATION_LENGTH ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) {
      reply.header('www-authenticate', 'Bearer realm="alc", error="invalid_request"');
      throw new ApiError(401, 'invalid-token', 'the Authorization header must be "Bearer <token>"');
    }
    const result = await tokens.authenticate(match[1]);
    if ('error' in result) {
      reply.header('www-authenticate', 'Bearer realm="alc", error="invalid_token"');
      throw new ApiError(401, result.error, result.message);
    }
    request.principal = result.principal;
  };
}

/** The verified principal of a request that passed {@link bearerAuthentication}. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new ApiError(401, 'missing-token', 'not authenticated');
  return request.principal;
}

export function requireCampaign(principal: Principal, campaignId: string): void {
  if (!canAccessCampaign(principal, campaignId)) {
    throw new ApiError(403, 'campaign-forbidden', `token ${principal.tokenId} (${principal.annotator}) is not for campaign ${campaignId}`);
  }
}

export function requireOperator(principal: Principal): void {
  if (principal.role !== 'operator') throw new ApiError(403, 'operator-only', `operator route: token ${principal.tokenId} (${principal.annotator}) is an annotator token`);
}
