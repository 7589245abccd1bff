import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../common/errors.js';
import { embeddedStackCredentials, loadConnectionConfig } from '../../configs/load.js';
import { connectClient, connectWorkerConnection } from '../../connections/temporal.js';
import { stackDown, stackStatus, stackUp } from '../../stack/embedded-stack.js';
import { createCpuWorker } from '../../workers/cpu.js';
import { installWorkerRuntime } from '../../workers/runtime.js';
import type { stackCheckWorkflow } from '../../workflows/stack-check.js';
import { printJson, printLines } from '../output.js';

interface DataDirOption {
  dataDir?: string;
}

async function resolveDataDir(options: DataDirOption): Promise<string> {
  if (options.dataDir) return path.resolve(options.dataDir);
  const { config } = await loadConnectionConfig();
  return config.stack.dataDir;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InputError(`expected a port number 1-65535, got "${value}"`);
  return port;
}

export function registerStackCommands(program: Command): void {
  const stack = program.command('stack').description('the embedded local stack: Temporal dev server + SeaweedFS (S3)');

  stack
    .command('up')
    .description('start the stack (or find it running), wait until healthy, then return')
    .option('--data-dir <dir>', 'where the SQLite database, S3 data, logs and pid files live (default: stack.dataDir of the config)')
    .option('--temporal-port <port>', 'Temporal gRPC port (default 7233)', parsePort)
    .option('--ui-port <port>', 'Temporal Web UI port (default 8233)', parsePort)
    .option('--s3-port <port>', 'S3 API port (default 8333)', parsePort)
    .option('--free-ports', 'take free ports when a requested one is in use', false)
    .option('--json', 'print the result as JSON')
    .action(async (options: DataDirOption & { temporalPort?: number; uiPort?: number; s3Port?: number; freePorts: boolean; json?: boolean }) => {
      const { config } = await loadConnectionConfig();
      const result = await stackUp({
        dataDir: options.dataDir ? path.resolve(options.dataDir) : config.stack.dataDir,
        temporalPort: options.temporalPort ?? config.stack.temporalPort,
        temporalUiPort: options.uiPort ?? config.stack.temporalUiPort,
        s3Port: options.s3Port ?? config.stack.s3Port,
        freePorts: options.freePorts,
        namespace: config.temporal.namespace,
        bucket: config.s3.bucket,
        region: config.s3.region,
        credentials: embeddedStackCredentials(),
      });
      if (options.json) return printJson({ ...result.state, alreadyRunning: result.alreadyRunning, replacedPorts: result.replacedPorts });
      const { state } = result;
      printLines(
        ...result.replacedPorts.map((line) => `note: ${line}`),
        result.alreadyRunning ? 'stack already running' : 'stack up',
        `  Temporal   ${state.temporal.address}  (namespace ${state.temporal.namespace})`,
        `  Web UI     ${state.temporal.ui}`,
        `  S3         ${state.s3.endpoint}  (bucket ${state.s3.bucket})`,
        `  data       ${state.dataDir}`,
      );
    });

  stack
    .command('status')
    .description('where the stack listens and whether each service answers')
    .option('--data-dir <dir>', 'the stack data dir (default: stack.dataDir of the config)')
    .option('--json', 'print JSON: {"temporal":{address,ui,namespace},"s3":{endpoint,bucket}, ...}')
    .action(async (options: DataDirOption & { json?: boolean }) => {
      const dataDir = await resolveDataDir(options);
      const status = await stackStatus(dataDir, embeddedStackCredentials());
      const healthy = status.running && status.temporalServing && status.s3Answering;
      if (options.json) {
        printJson({
          running: status.running,
          healthy,
          dataDir,
          temporal: status.state ? { ...status.state.temporal, serving: status.temporalServing } : null,
          s3: status.state ? { ...status.state.s3, answering: status.s3Answering } : null,
        });
      } else if (!status.state) {
        printLines(`stack not running (data dir ${dataDir})`);
      } else {
        const mark = (ok: boolean) => (ok ? 'ok' : 'DOWN');
        printLines(
          `Temporal   ${status.state.temporal.address}  ${mark(status.temporalServing)}  UI ${status.state.temporal.ui}`,
          `S3         ${status.state.s3.endpoint}  ${mark(status.s3Answering)}  bucket ${status.state.s3.bucket}`,
        );
      }
      if (!healthy) process.exitCode = 3;
    });

  stack
    .command('down')
    .description('stop the stack; its data stays for the next `up`')
    .option('--data-dir <dir>', 'the stack data dir (default: stack.dataDir of the config)')
    .action(async (options: DataDirOption) => {
      const outcome = await stackDown(await resolveDataDir(options));
      printLines(outcome === 'stopped' ? 'stack stopped' : 'stack was not running');
    });

  stack
    .command('check')
    .description('end-to-end check: a workflow whose activities write and read back an S3 object, run by an in-process worker')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const { config } = await loadConnectionConfig();
      installWorkerRuntime({ level: 'WARN', bindings: { worker: 'stack-check' }, fd: 2 });
      const client = await connectClient(config.temporal);
      const connection = await connectWorkerConnection(config.temporal);
      try {
        const worker = await createCpuWorker({ config, connection });
        const started = Date.now();
        const result = await worker.runUntil(
          client.workflow.execute<typeof stackCheckWorkflow>('stackCheckWorkflow', {
            taskQueue: config.taskQueues.cpu,
            workflowId: `stack-check-${randomUUID()}`,
            args: [{ probeKey: `probes/${randomUUID()}`, pauseSeconds: 0 }],
          }),
        );
        const report = { ...result, seconds: (Date.now() - started) / 1000 };
        if (options.json) printJson(report);
        else printLines(`ok: wrote and read back ${result.bytes} bytes (sha256 ${result.sha256.slice(0, 12)}…) in ${report.seconds.toFixed(1)}s`);
      } finally {
        await connection.close();
        await client.connection.close();
      }
    });
}
