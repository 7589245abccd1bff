/**
 * The demo's long-running children (workers, the annotation service, oracle annotators): each is
 * the real `alc` executable, as an operator would start it, with its output in a log file so the
 * terminal shows only the demo's own progress. Stopping sends SIGTERM (graceful shutdown) and
 * escalates to SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableError } from '../common/errors.js';
import { REPO_ROOT } from '../common/paths.js';

const ALC_BIN = path.join(REPO_ROOT, 'bin/alc.mjs');

export class ManagedProcess {
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? null : -1);
        resolve(this.exitCode);
      });
    });
  }

  /** Starts `alc <args>` with stdout and stderr appended to `logFile`. */
  static startAlc(name: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = {}): ManagedProcess {
    const fd = openSync(logFile, 'a');
    try {
      const child = spawn(process.execPath, [ALC_BIN, ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', fd, fd],
      });
      return new ManagedProcess(name, logFile, child);
    } finally {
      // The child holds its own copy of the descriptor.
      closeSync(fd);
    }
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Resolves with the exit code (null: killed by a signal). */
  wait(): Promise<number | null> {
    return this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const code = await Promise.race([this.exited, sleep(graceMs).then(() => 'timeout' as const)]);
    if (code === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/**
 * Polls `url` until it answers 200, failing early (with the log file named) when the process
 * exits first.
 */
export async function waitUntilReady(process: ManagedProcess, url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!process.running) {
      throw new UnavailableError(`${process.name} exited (code ${String(await process.wait())}) before it was ready: see ${process.logFile}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(300);
  }
  throw new UnavailableError(`${process.name} not ready at ${url} after ${Math.round(timeoutMs / 1000)} s: see ${process.logFile}`);
}

export interface AlcRun {
  stdout: string;
  stderr: string;
}

/** Runs a one-shot `alc` command and returns its output; a failure carries the command's own message. */
export function runAlcOnce(args: string[], env: NodeJS.ProcessEnv = {}): Promise<AlcRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ALC_BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) return resolve({ stdout, stderr });
      const message = stderr.trim().split('\n').slice(-5).join('\n') || `exit code ${String(code)}`;
      reject(new Error(`alc ${args.slice(0, 2).join(' ')} failed: ${message}`));
    });
  });
}
