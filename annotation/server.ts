/**
 * The annotation service's HTTP server (Fastify): health and metrics at the root, the API under
 * `/api/` behind bearer authentication, the web page (annotation/web/) at `/`. Built from its
 * parts so tests can give it stand-ins; service.ts wires the real ones.
 */
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { REPO_ROOT } from '../common/paths.js';
import { ApiError, sendError } from './api-errors.js';
import { bearerAuthentication } from './auth.js';
import { registerAnnotatorRoutes } from './routes/annotator-routes.js';
import type { ApiContext } from './routes/context.js';
import { registerHealthRoutes, type ReadinessReport } from './routes/health-routes.js';
import { registerOperatorRoutes } from './routes/operator-routes.js';
import type { TokenStore } from './tokens.js';

const DEFAULT_WEB_ROOT = path.join(REPO_ROOT, 'annotation', 'web');
/** Routes with bodies set their own limits (routes/annotator-routes.ts); everything else stays small. */
const DEFAULT_BODY_LIMIT = 16 * 1024;

export interface AnnotationServerOptions {
  context: ApiContext;
  tokens: TokenStore;
  readiness: () => Promise<ReadinessReport>;
  /** A pino logger; none = silent. */
  logger?: FastifyBaseLogger;
  webRoot?: string;
}

export async function buildAnnotationServer(options: AnnotationServerOptions): Promise<FastifyInstance> {
  const { context, tokens } = options;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: DEFAULT_BODY_LIMIT,
    // One line per request at debug level (below); Fastify's two info lines per request would drown the rest.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  app.decorateRequest('principal', null);
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) => sendError(request, reply, new ApiError(404, 'not-found', `no route ${request.method} ${request.url.split('?')[0]}`)));
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    context.metrics.request(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    request.log.debug({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime), annotator: request.principal?.annotator }, 'request');
    done();
  });

  registerHealthRoutes(app, options.readiness, context.metrics);
  await app.register(
    async (api) => {
      api.addHook('onRequest', bearerAuthentication(tokens));
      // Answers and progress are personal and change by the second: never cached on the way.
      api.addHook('onSend', (_request, reply, payload, done) => {
        if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
        done(null, payload);
      });
      registerAnnotatorRoutes(api, context);
      await api.register(
        (operator, _options, done) => {
          registerOperatorRoutes(operator, context);
          done();
        },
        { prefix: '/operator' },
      );
    },
    { prefix: '/api' },
  );
  await app.register(fastifyStatic, { root: options.webRoot ?? DEFAULT_WEB_ROOT, prefix: '/', index: 'index.html' });
  return app;
}
