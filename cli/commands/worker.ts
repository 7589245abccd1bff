import type { Command } from 'commander';
import { loadConnectionConfig } from '../../configs/load.js';
import { connectWorkerConnection } from '../../connections/temporal.js';
import { createCpuWorker } from '../../workers/cpu.js';
import { createGpuWorker } from '../../workers/gpu.js';
import { installWorkerLogging } from '../../workers/runtime.js';

export function registerWorkerCommands(program: Command): void {
  const worker = program.command('worker').description('run a worker process (stops gracefully on SIGINT/SIGTERM)');

  worker
    .command('cpu')
    .description('the CPU worker: all workflows and the activities that need no GPU')
    .option('--max-activities <n>', 'concurrent activity slots', (v) => Number.parseInt(v, 10), 4)
    .option('--shutdown-grace <duration>', 'time running activities get to finish on shutdown', '30 seconds')
    .action(async (options: { maxActivities: number; shutdownGrace: string }) => {
      const { config } = await loadConnectionConfig();
      const logger = installWorkerLogging('INFO', { worker: 'cpu' });
      const connection = await connectWorkerConnection(config.temporal);
      try {
        const cpu = await createCpuWorker({
          config,
          connection,
          maxConcurrentActivities: options.maxActivities,
          shutdownGraceTime: options.shutdownGrace,
        });
        logger.info({ taskQueue: config.taskQueues.cpu, temporal: config.temporal.address }, 'cpu worker started');
        await cpu.run();
      } finally {
        await connection.close();
      }
    });

  worker
    .command('gpu')
    .description('the GPU worker: training and inference activities, one slot per GPU')
    .option('--max-activities <n>', 'concurrent activity slots (one per GPU)', (v) => Number.parseInt(v, 10), 1)
    .option('--shutdown-grace <duration>', 'time a running job gets to checkpoint on shutdown', '2 minutes')
    .action(async (options: { maxActivities: number; shutdownGrace: string }) => {
      const { config } = await loadConnectionConfig();
      const logger = installWorkerLogging('INFO', { worker: 'gpu' });
      const connection = await connectWorkerConnection(config.temporal);
      try {
        const gpu = await createGpuWorker({ config, connection, maxConcurrentActivities: options.maxActivities, shutdownGraceTime: options.shutdownGrace });
        logger.info({ taskQueue: config.taskQueues.gpu, temporal: config.temporal.address, device: config.trainer.device }, 'gpu worker started');
        await gpu.run();
      } finally {
        await connection.close();
      }
    });
}
