/**
 * Every error of the API leaves as `{"error": "<machine code>", "message": "<human reason>",
 * "issues"?: [...]}` with the status the contract names (400 malformed, 401 token, 403 scope,
 * 404 unknown, 409 conflict, 413 too large, 503 a dependency down).
 */
import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ApiErrorBody } from './api-schemas.js';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly issues?: ApiErrorBody['issues'],
  ) {
    super(message);
  }
}

/** Validates one part of a request; a failure names every bad field. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, part: 'body' | 'params' | 'query'): z.infer<S> {
  // A POST without a body (no content type) means "all defaults".
  const parsed = schema.safeParse(part === 'body' && value === undefined ? {} : value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: [part, ...issue.path.map(String)].join('.'), message: issue.message }));
  throw new ApiError(400, 'malformed-request', `the request ${part} is not valid: ${issues.map((i) => `${i.path}: ${i.message}`).slice(0, 5).join('; ')}`, issues);
}

/** Fastify's own errors (body parsing, size limits) by their codes. */
const FASTIFY_CODES: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload-too-large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported-media-type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'malformed-request' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'malformed-request' },
};

export function errorBody(error: unknown): { status: number; body: ApiErrorBody } {
  if (error instanceof ApiError) return { status: error.statusCode, body: { error: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) } };
  if (error instanceof ServiceError || isGrpcServiceError(error)) {
    return { status: 503, body: { error: 'temporal-unavailable', message: `Temporal did not answer (${(error as Error).message}); is the server up and a CPU worker running?` } };
  }
  const fastifyError = error as Partial<FastifyError>;
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return { status: known.status, body: { error: known.code, message: fastifyError.message ?? known.code } };
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return { status: 400, body: { error: 'malformed-request', message: `the request body is not valid JSON: ${(error as Error).message}` } };
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { status: fastifyError.statusCode, body: { error: 'bad-request', message: fastifyError.message ?? 'bad request' } };
  }
  return { status: 500, body: { error: 'internal', message: 'internal error (logged by the service)' } };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const { status, body } = errorBody(error);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}
