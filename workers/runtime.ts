import { DefaultLogger, Runtime, type LogLevel, type RuntimeOptions } from '@temporalio/worker';
import { destination, pino, stdSerializers, type Logger } from 'pino';

export interface WorkerRuntimeOptions {
  level?: LogLevel;
  /** Fields on every line (e.g. `{ worker: 'cpu' }`). */
  bindings?: Record<string, string>;
  /** Worker processes log to stdout; a CLI command that runs a worker in-process logs to stderr so its own output stays clean. */
  fd?: 1 | 2;
  /** `HOST:PORT` where the SDK core serves its Prometheus metrics; absent = none. */
  sdkMetricsAddress?: string;
}

/**
 * Installs the process's Temporal Runtime: structured JSON logs for the whole process, the SDK's
 * own included (their metadata carries workflow and activity ids, and the campaign context the
 * interceptors add), and the SDK's Prometheus metrics. The Runtime also turns SIGINT/SIGTERM into
 * a graceful shutdown of the process's workers.
 */
export function installWorkerRuntime(options: WorkerRuntimeOptions = {}): Logger {
  const level = options.level ?? 'INFO';
  const logger = pino(
    // The SDK logs failures under `error`: serialize them like pino's `err` (type, message, stack), not as `{}`.
    { level: level.toLowerCase(), base: { pid: process.pid, ...options.bindings }, serializers: { error: stdSerializers.err } },
    destination(options.fd ?? 1),
  );
  const runtime: RuntimeOptions = {
    logger: new DefaultLogger(level, ({ level: entryLevel, message, meta }) => {
      const method = entryLevel === 'TRACE' ? 'trace' : entryLevel === 'DEBUG' ? 'debug' : entryLevel === 'WARN' ? 'warn' : entryLevel === 'ERROR' ? 'error' : 'info';
      logger[method](meta ?? {}, message);
    }),
  };
  const { sdkMetricsAddress } = options;
  if (sdkMetricsAddress === undefined) {
    Runtime.install(runtime);
    return logger;
  }
  try {
    Runtime.install({ ...runtime, telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetricsAddress } } } });
  } catch (error) {
    // A taken port costs the SDK metrics, not the worker (two workers on one host, a restart
    // racing its predecessor): say which port and how to choose another.
    logger.error({ error, address: sdkMetricsAddress }, 'Temporal SDK metrics not served (--sdk-metrics-port / ALC_SDK_METRICS_PORT; 0 = off)');
    Runtime.install(runtime);
  }
  return logger;
}
