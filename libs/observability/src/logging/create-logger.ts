import pino, { type DestinationStream, type Logger } from 'pino';
import { currentRequestId } from '../context/request-context';
import type { LogConfig } from './log-config';
import { REDACT_PATHS, REDACTED } from './redaction';

export type { Logger } from 'pino';

/**
 * The process's JSON logger. Every line carries `base` (role, shardId) and, inside a request,
 * its requestId (read from the async scope, so no call site has to pass it).
 */
export function createLogger(config: LogConfig, base: Record<string, string>, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.level,
      base: { pid: process.pid, ...base },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }) },
      // A fresh object each line: pino merges the line's fields into it.
      mixin: () => {
        const requestId = currentRequestId();
        return requestId === undefined ? {} : { requestId };
      },
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    },
    destination ?? pino.destination({ dest: 1, sync: false, minLength: 0 }),
  );
}
