import { oneOf } from '@faceshard/config';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogConfig {
  /** LOG_LEVEL: info by default (one line per HTTP request on the gateway; shards log each op at debug). */
  level: LogLevel;
}

export function readLogConfig(env: NodeJS.ProcessEnv = process.env): LogConfig {
  return { level: oneOf<LogLevel>('LOG_LEVEL', env.LOG_LEVEL?.toLowerCase(), LOG_LEVELS, 'info') };
}
