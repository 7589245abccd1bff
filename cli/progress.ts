import cliProgress from 'cli-progress';

/** Between lines when stderr is a log (CI, a container), not a terminal. */
const LOGGED_PROGRESS_INTERVAL_MS = 10_000;

export interface ProgressReporter {
  (progress: { done: number; total: number }): void;
}

/**
 * Progress of long work on stderr, so stdout stays clean for results and JSON: a live bar on a
 * terminal, an occasional plain line in a log.
 */
export function progressOnStderr(task: string, unit: string): ProgressReporter {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: `${task} [{bar}] {value}/{total} ${unit}  {percentage}%  eta {eta_formatted}`, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    let stopped = false;
    return ({ done, total }) => {
      if (stopped) return;
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.update(done);
      }
      if (done === total) {
        bar.stop();
        stopped = true;
      }
    };
  }
  let lastLine = 0;
  let lastDone = -1;
  return ({ done, total }) => {
    const now = Date.now();
    if (done === lastDone || (done !== total && now - lastLine < LOGGED_PROGRESS_INTERVAL_MS)) return;
    lastDone = done;
    process.stderr.write(`${task}: ${done}/${total} ${unit}\n`);
    lastLine = now;
  };
}
