import { oneOf } from '@faceshard/config';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogConfig {
  /** LOG_LEVEL: info by default (the gateway logs errors, slow requests and a sample of the rest: ACCESS_LOG_*; at debug every request, and each shard op). */
  level: LogLevel;
}

export function readLogConfig(env: NodeJS.ProcessEnv = process.env): LogConfig {
  return { level: oneOf<LogLevel>('LOG_LEVEL', env.LOG_LEVEL?.toLowerCase(), LOG_LEVELS, 'info') };
}
