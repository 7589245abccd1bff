import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseTrainerEvent, type TrainerEvent } from './trainer-events.js';

export interface TrainerRun {
  /** argv; `{spec}` is replaced by the spec file's path. */
  command: readonly string[];
  specPath: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Aborted = cancellation: SIGTERM, then SIGKILL after `killGraceMs`. */
  signal: AbortSignal;
  killGraceMs: number;
  onEvent: (event: TrainerEvent) => void;
  /** Trainer's stderr (its log), line by line. */
  onLog?: (line: string) => void;
}

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The `error` event's message, if the trainer reported one. */
  errorMessage?: string;
  errorKind?: string;
  /** The last lines of stderr, for failures the trainer could not report itself. */
  stderrTail: string[];
}

const STDERR_TAIL_LINES = 20;

/** Runs a trainer process to completion, streaming its contract events. */
export function runTrainer(run: TrainerRun): Promise<TrainerExit> {
  return new Promise((resolve, reject) => {
    const [executable, ...args] = run.command.map((part) => part.replaceAll('{spec}', run.specPath));
    const child = spawn(executable, args, { cwd: run.cwd, env: run.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stderrTail: string[] = [];
    let errorEvent: { message: string; kind: string } | undefined;
    let protocolError: Error | undefined;

    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const event = parseTrainerEvent(line);
        if (!event) return;
        if (event.event === 'error') errorEvent = { message: event.message, kind: event.kind };
        run.onEvent(event);
      } catch (error) {
        protocolError ??= error as Error;
      }
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
      run.onLog?.(line);
    });

    let killTimer: NodeJS.Timeout | undefined;
    const cancel = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), run.killGraceMs);
    };
    if (run.signal.aborted) cancel();
    else run.signal.addEventListener('abort', cancel, { once: true });

    child.on('error', (error) => {
      run.signal.removeEventListener('abort', cancel);
      reject(new Error(`cannot start the trainer (${run.command.join(' ')}): ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      run.signal.removeEventListener('abort', cancel);
      if (protocolError && code === 0) return reject(protocolError);
      resolve({ code, signal, errorMessage: errorEvent?.message, errorKind: errorEvent?.kind, stderrTail });
    });
  });
}
