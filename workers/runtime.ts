import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { destination, pino, type Logger } from 'pino';

/**
 * Structured JSON logs for the whole worker process, the Temporal SDK's own included (its log
 * metadata carries workflow and activity ids). Worker processes log to stdout; a CLI command that
 * runs a worker in-process logs to stderr so its own output stays clean.
 */
export function installWorkerLogging(level: LogLevel = 'INFO', bindings: Record<string, string> = {}, fd: 1 | 2 = 1): Logger {
  const logger = pino({ level: level.toLowerCase(), base: { pid: process.pid, ...bindings } }, destination(fd));
  Runtime.install({
    logger: new DefaultLogger(level, ({ level: entryLevel, message, meta }) => {
      const method = entryLevel === 'TRACE' ? 'trace' : entryLevel === 'DEBUG' ? 'debug' : entryLevel === 'WARN' ? 'warn' : entryLevel === 'ERROR' ? 'error' : 'info';
      logger[method](meta ?? {}, message);
    }),
  });
  return logger;
}
