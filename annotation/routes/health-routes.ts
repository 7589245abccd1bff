/** `/healthz` (the process is up), `/readyz` (Temporal and S3 answer, not shutting down), `/metrics`. */
import type { FastifyInstance } from 'fastify';
import type { AnnotationMetrics } from '../metrics.js';

export interface ReadinessReport {
  ready: boolean;
  /** Per dependency: "ok", or what is wrong. */
  checks: Record<string, string>;
}

export function registerHealthRoutes(app: FastifyInstance, readiness: () => Promise<ReadinessReport>, metrics: AnnotationMetrics): void {
  app.get('/healthz', () => Promise.resolve({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const report = await readiness();
    return reply.code(report.ready ? 200 : 503).send({ status: report.ready ? 'ready' : 'not-ready', checks: report.checks });
  });

  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await metrics.text();
    return reply.type(contentType).send(body);
  });
}
