/**
 * The worker process of the fan-out benchmark (forked by campaign-fanout.ts, so that its memory is
 * its own): the real CPU worker (every workflow, the real round activities) and a worker on the
 * GPU queue serving the simulated `scoreShard`. Starting the CPU worker bundles the workflow code
 * (webpack), whose memory peak has nothing to do with the round: so once both workers poll, the
 * process notes its start-up peak (VmHWM), resets the kernel's high-water mark and its own
 * sampled peak, and on the parent's `stop` shuts both workers down and reports the peak since.
 *
 * Argument: JSON {@link FanoutWorkerJob}. Messages: → `ready` | `stopped` | `failed`; ← `stop`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { ConnectionConfigSchema } from '../configs/schema.js';
import { ArtifactStore } from '../storage/artifact-store.js';
import { createS3Client } from '../storage/s3-client.js';
import { createCpuWorker } from '../workers/cpu.js';
import { createSimulatedScoringActivities } from './campaign-simulated-scoring.js';

export interface FanoutWorkerJob {
  connection: unknown;
  /** Activity slots of the simulated GPU worker (the round's scoring concurrency). */
  scoringSlots: number;
  seed: number;
}

export type FanoutWorkerMessage =
  | { type: 'ready' }
  | {
      type: 'stopped';
      /** VmHWM when both workers polled (the workflow bundling included). */
      startupPeakBytes: number | null;
      /** Since the workers polled: the largest RSS sampled, and VmHWM (null where it could not be reset). */
      peakRssBytes: number;
      vmHwmBytes: number | null;
      /** Largest V8 heap in use and ArrayBuffer memory sampled (what of the RSS is JavaScript's). */
      peakHeapUsedBytes: number;
      peakArrayBuffersBytes: number;
      samples: number;
    }
  | { type: 'failed'; message: string };

const SAMPLE_EVERY_MS = 100;

/** The process's peak resident set as the kernel counts it (Linux), in bytes. */
function vmHwmBytes(): number | null {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Restarts VmHWM from the current RSS (Linux: `echo 5 > /proc/<pid>/clear_refs`); false where that is not possible. */
function resetVmHwm(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function send(message: FanoutWorkerMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())));
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as FanoutWorkerJob;
  const config = ConnectionConfigSchema.parse(job.connection);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const store = new ArtifactStore(createS3Client(config.s3), config.s3.bucket, config.s3.prefix);
  const cpu = await createCpuWorker({ config, connection });
  const gpu = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.taskQueues.gpu,
    activities: createSimulatedScoringActivities({ store, seed: job.seed }),
    maxConcurrentActivityTaskExecutions: job.scoringSlots,
  });
  const running = Promise.all([cpu.run(), gpu.run()]);
  process.once('message', (message: { type?: string }) => {
    if (message.type !== 'stop') return;
    cpu.shutdown();
    gpu.shutdown();
  });
  const startupPeakBytes = vmHwmBytes();
  const vmHwmReset = resetVmHwm();
  let peakRssBytes = 0;
  let peakHeapUsedBytes = 0;
  let peakArrayBuffersBytes = 0;
  let samples = 0;
  const sample = () => {
    const memory = process.memoryUsage();
    peakRssBytes = Math.max(peakRssBytes, memory.rss);
    peakHeapUsedBytes = Math.max(peakHeapUsedBytes, memory.heapUsed);
    peakArrayBuffersBytes = Math.max(peakArrayBuffersBytes, memory.arrayBuffers);
    samples++;
  };
  sample();
  const sampler = setInterval(sample, SAMPLE_EVERY_MS);
  await send({ type: 'ready' });
  await running;
  clearInterval(sampler);
  sample();
  await connection.close();
  await send({ type: 'stopped', startupPeakBytes, peakRssBytes, vmHwmBytes: vmHwmReset ? vmHwmBytes() : null, peakHeapUsedBytes, peakArrayBuffersBytes, samples });
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    await send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }).catch(() => undefined);
    process.exit(1);
  },
);
