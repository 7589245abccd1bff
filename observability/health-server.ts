/**
 * A worker process's HTTP endpoints for Kubernetes probes and Prometheus: `/healthz` (liveness),
 * `/readyz` (polling its task queue and not shutting down) and `/metrics`. Read-only GETs with no
 * parameters, so plain node:http serves them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Temporal worker's state (`Worker.getState()`), or `STARTING` before the worker exists. */
export type WorkerState = 'STARTING' | 'INITIALIZED' | 'RUNNING' | 'STOPPING' | 'DRAINING' | 'DRAINED' | 'STOPPED' | 'FAILED';

export interface HealthServerOptions {
  port: number;
  host: string;
  /** Read at every `/readyz`: ready only while `RUNNING` (polling, not shutting down). */
  state: () => WorkerState;
  metrics: () => Promise<{ contentType: string; body: string }>;
}

export interface HealthServer {
  /** The bound port (the asked one, or the one the OS chose for 0). */
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((request, response) => {
    respond(options, request, response).catch((error: unknown) => {
      send(response, 500, 'application/json', JSON.stringify({ error: 'internal', message: (error as Error).message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        // A scraper's keep-alive connection must not hold the process open after shutdown.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function respond(options: HealthServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return send(response, 405, 'application/json', JSON.stringify({ error: 'method-not-allowed', message: `${request.method ?? ''} ${path}: only GET and HEAD` }));
  }
  switch (path) {
    case '/healthz':
      return send(response, 200, 'application/json', JSON.stringify({ status: 'ok' }));
    case '/readyz': {
      const state = options.state();
      const ready = state === 'RUNNING';
      return send(response, ready ? 200 : 503, 'application/json', JSON.stringify({ ready, state }));
    }
    case '/metrics': {
      const { contentType, body } = await options.metrics();
      return send(response, 200, contentType, body);
    }
    default:
      return send(response, 404, 'application/json', JSON.stringify({ error: 'not-found', message: `${path}: the endpoints are /healthz, /readyz and /metrics` }));
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
