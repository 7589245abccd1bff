import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../../common/paths.js';
import { findFreePort } from '../../stack/ports.js';
import type { TestStack } from './test-stack.js';

/** One JSON log line of a worker process. */
export type LogLine = Record<string, unknown> & { msg?: string };

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Its health port (`--health-port`). */
  healthPort: number;
  /** Parsed stdout lines so far (pino JSON). */
  logs: LogLine[];
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal) and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Signals the whole process group, as a pod's or machine's end would. */
  signal(signal: NodeJS.Signals): void;
  get(pathname: string): Promise<Response>;
  /** Polls `/readyz` until 200; fails naming the worker's stderr if it exits or takes too long. */
  ready(timeoutMs?: number): Promise<void>;
}

const running = new Set<WorkerProcess>();
process.once('exit', () => {
  for (const worker of running) worker.signal('SIGKILL');
});

/**
 * `alc worker <kind>` as its own process (and process group) against a test stack, with its
 * health endpoint on a free port; `args` and `env` add to or override that.
 */
export async function startWorkerProcess(kind: 'cpu' | 'gpu', stack: TestStack, options: { args?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<WorkerProcess> {
  const healthPort = await findFreePort();
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/alc.mjs'), 'worker', kind, '--health-port', String(healthPort), '--listen-host', '127.0.0.1', ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ALC_CONFIG: path.join(REPO_ROOT, 'configs/local.yaml'),
      ALC_STACK_DIR: stack.dataDir,
      ALC_S3_BUCKET: stack.config.s3.bucket,
      ALC_SDK_METRICS_PORT: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const logs: LogLine[] = [];
  let stderr = '';
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        stderr += `(stdout) ${line}\n`;
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let gone = false;
  const worker: WorkerProcess = {
    child,
    pid: child.pid!,
    healthPort,
    logs,
    stderr: () => stderr,
    exited,
    signal(signal) {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        /* already gone */
      }
    },
    get: (pathname) => fetch(`http://127.0.0.1:${healthPort}${pathname}`),
    async ready(timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (gone) throw new Error(`worker ${child.pid} exited before it was ready:\n${stderr}`);
        const status = await worker.get('/readyz').then((r) => r.status, () => 0);
        if (status === 200) return;
        await sleep(100);
      }
      throw new Error(`worker ${child.pid} not ready after ${timeoutMs} ms:\n${stderr}`);
    },
  };
  void exited.then(() => {
    gone = true;
    running.delete(worker);
  });
  running.add(worker);
  return worker;
}
