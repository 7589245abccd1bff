/**
 * The annotation service in one call: connects to Temporal and S3, wires the parts, listens.
 * `alc serve` runs it as a process; the demo and the integration tests start it in-process.
 *
 * State: leases and the per-round boards live in this process, so one replica serves a given set
 * of campaigns (annotation/README.md). Answers and votes are in S3 and the workflows before an
 * annotator is told they are taken, so a restart loses only leases.
 */
import type { AddressInfo } from 'node:net';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ConnectionConfig } from '../configs/schema.js';
import { connectClient } from '../connections/temporal.js';
import { ArtifactStore } from '../storage/artifact-store.js';
import { createS3Client } from '../storage/s3-client.js';
import { AnswerIntake } from './answer-intake.js';
import { CampaignDirectory } from './campaign-directory.js';
import { TemporalCampaignGateway, type CampaignGateway } from './campaign-gateway.js';
import { AnnotationMetrics } from './metrics.js';
import type { ObjectStore } from './object-store.js';
import type { ReadinessReport } from './routes/health-routes.js';
import { buildAnnotationServer } from './server.js';
import { TokenStore } from './tokens.js';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_LEASE_TTL_MS = 10 * 60_000;
/** Expired leases are also swept on this beat, so the expiry metric does not wait for a request. */
const SWEEP_INTERVAL_MS = 5000;
const READINESS_TIMEOUT_MS = 3000;

export interface AnnotationServiceOptions {
  config: ConnectionConfig;
  host?: string;
  /** 0 = any free port (tests). */
  port?: number;
  leaseTtlMs?: number;
  tokenCacheTtlMs?: number;
  /** Structured logs; none = silent. */
  logger?: Logger;
  webRoot?: string;
}

export interface AnnotationService {
  /** `http://host:port`, for links and clients. */
  url: string;
  port: number;
  app: FastifyInstance;
  /** Stops taking requests, lets the ones in flight finish, closes the connections. */
  close(): Promise<void>;
}

/** "ok", or what is wrong. */
async function withTimeout(what: string, work: Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`${what} did not answer within ${READINESS_TIMEOUT_MS} ms`), READINESS_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work.then(() => 'ok' as const), timeout]);
  } catch (error) {
    return `${what}: ${(error as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

export interface AnnotationPartsOptions {
  gateway: CampaignGateway;
  store: ObjectStore;
  /** Per dependency: "ok" or what is wrong (the readiness probe). */
  dependencies: () => Promise<Record<string, string>>;
  leaseTtlMs?: number;
  tokenCacheTtlMs?: number;
  now?: () => number;
  logger?: Logger;
  webRoot?: string;
}

export interface AnnotationParts {
  app: FastifyInstance;
  directory: CampaignDirectory;
  /** Stops the lease sweeper and fails readiness (then close the app). */
  stop(): void;
}

/** The service's parts around its two boundaries (Temporal, S3), not yet listening. */
export async function assembleAnnotationServer(options: AnnotationPartsOptions): Promise<AnnotationParts> {
  const { gateway, store, logger } = options;
  const now = options.now ?? Date.now;
  const warn = (message: string, details: Record<string, unknown>) => logger?.warn(details, message);
  // The parts call each other only through these callbacks, at run time.
  const directory: CampaignDirectory = new CampaignDirectory({
    gateway,
    store,
    leaseTtlMs: options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
    now,
    onLeaseExpired: (_lease, board) => metrics.expired(board.campaignId),
    onBoardLoaded: async (board) => {
      logger?.info({ campaignId: board.campaignId, round: board.round, queries: board.queries.length, answered: board.counts().answered }, 'round loaded');
      await intake.reconcile(board);
    },
  });
  const metrics = new AnnotationMetrics(async () =>
    Promise.all(
      (await directory.loadedBoards()).map(async (board) => {
        // The deadline comes from the round itself (it moves when the round extends its window).
        const state = await directory.campaign(board.campaignId).catch(() => undefined);
        const annotation = state?.accepting && state.status.round === board.round ? state.progress?.annotation : undefined;
        return { campaignId: board.campaignId, round: board.round, counts: board.counts(), deadlineAt: annotation?.deadlineAt };
      }),
    ),
  );
  const intake = new AnswerIntake({ gateway, store, metrics, now, warn });
  const sweeper = setInterval(() => {
    directory.loadedBoards().then((all) => all.forEach((board) => board.expireLeases()), (error: unknown) => warn('lease sweep failed', { error: (error as Error).message }));
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  let stopping = false;
  const readiness = async (): Promise<ReadinessReport> => {
    if (stopping) return { ready: false, checks: { service: 'shutting down' } };
    const checks = await options.dependencies();
    return { ready: Object.values(checks).every((check) => check === 'ok'), checks };
  };
  const tokens = new TokenStore(store, { cacheTtlMs: options.tokenCacheTtlMs, now });
  const context = { directory, intake, gateway, store, metrics, now };
  try {
    const app = await buildAnnotationServer({ context, tokens, readiness, logger, webRoot: options.webRoot });
    return {
      app,
      directory,
      stop() {
        stopping = true;
        clearInterval(sweeper);
      },
    };
  } catch (error) {
    clearInterval(sweeper);
    throw error;
  }
}

export async function startAnnotationService(options: AnnotationServiceOptions): Promise<AnnotationService> {
  const { config } = options;
  const store = new ArtifactStore(createS3Client(config.s3), config.s3.bucket, config.s3.prefix);
  const client = await connectClient(config.temporal);
  const gateway = new TemporalCampaignGateway(client);
  let parts: AnnotationParts | undefined;
  try {
    parts = await assembleAnnotationServer({
      gateway,
      store,
      dependencies: async () => {
        const [temporal, s3] = await Promise.all([
          withTimeout('Temporal', gateway.ping()),
          withTimeout('S3', store.client.send(new HeadBucketCommand({ Bucket: store.bucket }))),
        ]);
        return { temporal, s3 };
      },
      leaseTtlMs: options.leaseTtlMs,
      tokenCacheTtlMs: options.tokenCacheTtlMs,
      logger: options.logger,
      webRoot: options.webRoot,
    });
    await parts.app.listen({ host: options.host ?? DEFAULT_HOST, port: options.port ?? DEFAULT_PORT });
  } catch (error) {
    parts?.stop();
    await parts?.app.close();
    await client.connection.close();
    throw error;
  }
  const { app } = parts;
  const { address, port } = app.server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const running = parts;
  return {
    url: `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`,
    port,
    app,
    async close() {
      running.stop();
      await app.close();
      await client.connection.close();
    },
  };
}
