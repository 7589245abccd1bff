import { msToNumber } from '@temporalio/common/lib/time.js';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { InputError } from '../../common/errors.js';
import { loadConnectionConfig } from '../../configs/load.js';
import type { ConnectionConfig } from '../../configs/schema.js';
import { connectWorkerConnection } from '../../connections/temporal.js';
import { startHealthServer, type HealthServer } from '../../observability/health-server.js';
import { WorkerMetrics } from '../../observability/worker-metrics.js';
import { createCpuWorker } from '../../workers/cpu.js';
import { createGpuWorker } from '../../workers/gpu.js';
import { installWorkerRuntime } from '../../workers/runtime.js';

const port = z.string().regex(/^\d{1,5}$/, 'expected a port number (0 = off)').transform(Number).refine((n) => n <= 65535, 'expected a port number up to 65535');

const WorkerCommandOptionsSchema = z.object({
  maxActivities: z.string().regex(/^[1-9]\d*$/, 'expected a positive integer').transform(Number),
  shutdownGrace: z.string().refine(isDuration, 'expected a duration such as "30 seconds", "2m" or "90s"'),
  healthPort: port,
  sdkMetricsPort: port,
  listenHost: z.string().min(1, 'expected a host or address to listen on'),
});
type WorkerCommandOptions = z.output<typeof WorkerCommandOptionsSchema>;

/** How each option is given, for error messages. */
const OPTION_NAMES: Record<keyof WorkerCommandOptions, string> = {
  maxActivities: '--max-activities',
  shutdownGrace: '--shutdown-grace',
  healthPort: '--health-port (ALC_HEALTH_PORT)',
  sdkMetricsPort: '--sdk-metrics-port (ALC_SDK_METRICS_PORT)',
  listenHost: '--listen-host (ALC_LISTEN_HOST)',
};

interface WorkerKind {
  name: 'cpu' | 'gpu';
  description: string;
  maxActivities: { default: number; help: string };
  shutdownGrace: { default: string; help: string };
  healthPort: number;
  sdkMetricsPort: number;
  taskQueue: (config: ConnectionConfig) => string;
  create: (options: { config: ConnectionConfig; connection: NativeConnection; metrics: WorkerMetrics; maxConcurrentActivities: number; shutdownGraceTime: string }) => Promise<Worker>;
  /** Extra fields of the "started" log line. */
  describe?: (config: ConnectionConfig) => Record<string, string>;
}

const WORKER_KINDS: WorkerKind[] = [
  {
    name: 'cpu',
    description: 'the CPU worker: all workflows and the activities that need no GPU',
    maxActivities: { default: 4, help: 'concurrent activity slots' },
    shutdownGrace: { default: '30 seconds', help: 'time running activities get to finish on shutdown' },
    healthPort: 9464,
    sdkMetricsPort: 9465,
    taskQueue: (config) => config.taskQueues.cpu,
    create: createCpuWorker,
  },
  {
    name: 'gpu',
    description: 'the GPU worker: training and inference activities, one slot per GPU',
    maxActivities: { default: 1, help: 'concurrent activity slots (one per GPU)' },
    shutdownGrace: { default: '2 minutes', help: 'time a running job gets to checkpoint on shutdown' },
    healthPort: 9466,
    sdkMetricsPort: 9467,
    taskQueue: (config) => config.taskQueues.gpu,
    create: createGpuWorker,
    describe: (config) => ({ device: config.trainer.device }),
  },
];

export function registerWorkerCommands(program: Command): void {
  const worker = program
    .command('worker')
    .description('run a worker process: health, readiness and metrics over HTTP; stops gracefully on SIGINT/SIGTERM (exit 0)');
  for (const kind of WORKER_KINDS) {
    worker
      .command(kind.name)
      .description(kind.description)
      .option('--max-activities <n>', kind.maxActivities.help, String(kind.maxActivities.default))
      .option('--shutdown-grace <duration>', kind.shutdownGrace.help, kind.shutdownGrace.default)
      .addOption(new Option('--health-port <port>', '/healthz, /readyz and /metrics (product and Node metrics); 0 = off').env('ALC_HEALTH_PORT').default(String(kind.healthPort)))
      .addOption(new Option('--sdk-metrics-port <port>', "the Temporal SDK's Prometheus metrics; 0 = off").env('ALC_SDK_METRICS_PORT').default(String(kind.sdkMetricsPort)))
      .addOption(new Option('--listen-host <host>', 'address both endpoints listen on (127.0.0.1 = this machine only)').env('ALC_LISTEN_HOST').default('0.0.0.0'))
      .action(async (raw: Record<keyof WorkerCommandOptions, string>) => {
        await serveWorker(kind, parseOptions(raw));
      });
  }
}

function parseOptions(raw: Record<keyof WorkerCommandOptions, string>): WorkerCommandOptions {
  const parsed = WorkerCommandOptionsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const key = issue.path[0] as keyof WorkerCommandOptions;
    return `${OPTION_NAMES[key]}: ${issue.message}, got "${raw[key]}"`;
  });
  throw new InputError(lines.join('\n'));
}

/**
 * Runs one worker process until a signal drains it. The health endpoint comes up first (liveness
 * during the seconds the workflow bundle takes), readiness only once the worker polls.
 */
async function serveWorker(kind: WorkerKind, options: WorkerCommandOptions): Promise<void> {
  const { config } = await loadConnectionConfig();
  const sdkMetricsAddress = options.sdkMetricsPort === 0 ? undefined : hostPort(options.listenHost, options.sdkMetricsPort);
  const logger = installWorkerRuntime({ bindings: { worker: kind.name }, sdkMetricsAddress });
  const metrics = new WorkerMetrics();
  let worker: Worker | undefined;
  let health: HealthServer | undefined;
  if (options.healthPort !== 0) {
    try {
      health = await startHealthServer({ port: options.healthPort, host: options.listenHost, state: () => worker?.getState() ?? 'STARTING', metrics: () => metrics.expose() });
    } catch (error) {
      // As with the SDK metrics: a taken port costs the endpoint, not the worker.
      logger.error({ error, address: hostPort(options.listenHost, options.healthPort) }, 'health and metrics endpoint not served (--health-port / ALC_HEALTH_PORT; 0 = off)');
    }
  }
  const connection = await connectWorkerConnection(config.temporal);
  try {
    worker = await kind.create({ config, connection, metrics, maxConcurrentActivities: options.maxActivities, shutdownGraceTime: options.shutdownGrace });
    logger.info(
      {
        taskQueue: kind.taskQueue(config),
        temporal: config.temporal.address,
        health: health ? `http://${hostPort(options.listenHost, health.port)}/healthz` : 'off',
        sdkMetrics: sdkMetricsAddress ? `http://${sdkMetricsAddress}/metrics` : 'off',
        ...kind.describe?.(config),
      },
      `${kind.name} worker started`,
    );
    // Returns once SIGINT/SIGTERM (the Runtime's shutdown signals) has drained the worker.
    await worker.run();
    logger.info(`${kind.name} worker stopped`);
  } finally {
    await connection.close();
    await health?.close();
  }
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function isDuration(value: string): boolean {
  try {
    return msToNumber(value) >= 0;
  } catch {
    return false;
  }
}
