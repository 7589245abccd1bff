/**
 * `alc serve`: the annotation service (annotation/README.md) as a process. Logs are JSON lines on
 * stdout; SIGTERM or SIGINT stops taking requests, lets those in flight finish, and exits 0.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { destination, pino } from 'pino';
import { startAnnotationService, DEFAULT_HOST, DEFAULT_LEASE_TTL_MS, DEFAULT_PORT } from '../../annotation/service.js';
import { DEFAULT_TOKEN_CACHE_TTL_MS } from '../../annotation/tokens.js';
import { parseDuration } from '../../configs/campaign.js';
import { loadConnectionConfig } from '../../configs/load.js';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65535) throw new InvalidArgumentError('Expected a port number (0-65535).');
  return port;
}

function durationParser(min: number): (value: string) => number {
  return (value) => {
    const ms = /^\d+$/.test(value) ? Number(value) : parseDuration(value);
    if (ms === undefined || ms < min) throw new InvalidArgumentError(`Expected a duration of at least ${min} ms such as "10 minutes", "90s" or "500ms".`);
    return ms;
  };
}

interface ServeOptions {
  port: number;
  host: string;
  leaseTtl: number;
  tokenCache: number;
  logLevel: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('the annotation service: HTTP API, web page, /healthz, /readyz, /metrics (stops gracefully on SIGTERM)')
    .addOption(new Option('--port <n>', 'port to listen on').env('ALC_SERVE_PORT').argParser(parsePort).default(DEFAULT_PORT))
    .option('--host <address>', 'address to listen on (0.0.0.0 in containers)', DEFAULT_HOST)
    .addOption(new Option('--lease-ttl <duration>', 'how long a leased query stays with its annotator unanswered').argParser(durationParser(1000)).default(DEFAULT_LEASE_TTL_MS, '10 minutes'))
    .addOption(
      new Option('--token-cache <duration>', 'how long a token lookup is reused: a revocation takes effect within this').argParser(durationParser(0)).default(DEFAULT_TOKEN_CACHE_TTL_MS, '5 seconds'),
    )
    .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error']).default('info'))
    .action(async (options: ServeOptions) => {
      const { config } = await loadConnectionConfig();
      const logger = pino({ level: options.logLevel, base: { pid: process.pid, service: 'annotation' } }, destination(1));
      const service = await startAnnotationService({
        config,
        host: options.host,
        port: options.port,
        leaseTtlMs: options.leaseTtl,
        tokenCacheTtlMs: options.tokenCache,
        logger,
      });
      logger.info({ url: service.url, temporal: config.temporal.address, s3: config.s3.endpoint ?? 'aws', bucket: config.s3.bucket, leaseTtlMs: options.leaseTtl }, 'annotation service listening');
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      });
      logger.info({ signal }, 'shutting down: finishing the requests in flight');
      await service.close();
      logger.info('annotation service stopped');
    });
}
