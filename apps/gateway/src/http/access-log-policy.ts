import type { Level } from 'pino';

/**
 * Which answered requests get an access-log line at `LOG_LEVEL=info`. One JSON line per request
 * (pino: merge, redaction, ISO time, a write) was ~16% of the gateway's CPU under search load
 * (bench/cluster/README.md, "Hot path"), for lines that say what the request metrics already
 * count. So at info an operator gets the lines that need reading one by one: every error, every
 * slow request, and a sample of the rest (to see the traffic and follow a request id); the
 * others are written at debug, where `LOG_LEVEL=debug` shows every request again.
 */
export interface AccessLogPolicy {
  /** ACCESS_LOG_SLOW_MS: a request that took at least this long is logged at info (default 500). */
  slowMs: number;
  /** ACCESS_LOG_SAMPLE: the share of the other requests logged at info, 0..1 (default 0.01; 1 = every request). */
  sample: number;
}

export const DEFAULT_ACCESS_LOG_POLICY: AccessLogPolicy = { slowMs: 500, sample: 0.01 };

/** Probes and scrapes: frequent, uninteresting one by one; at debug only unless they fail or are slow. */
const QUIET_ROUTES: ReadonlySet<string> = new Set(['/metrics', '/health', '/health/live', '/health/ready']);

/**
 * The level of one request's line: warn for a server error, info for a client error, a slow
 * request or a sampled one, debug otherwise. `draw` is a uniform number in [0, 1) (Math.random).
 */
export function accessLogLevel(policy: AccessLogPolicy, route: string, status: number, ms: number, draw: () => number): Level {
  if (status >= 500) return 'warn';
  if (status >= 400 || ms >= policy.slowMs) return 'info';
  if (QUIET_ROUTES.has(route)) return 'debug';
  return policy.sample > 0 && draw() < policy.sample ? 'info' : 'debug';
}

export function readAccessLogPolicy(env: NodeJS.ProcessEnv = process.env): AccessLogPolicy {
  return {
    slowMs: numberIn('ACCESS_LOG_SLOW_MS', env.ACCESS_LOG_SLOW_MS, 0, Number.MAX_SAFE_INTEGER, DEFAULT_ACCESS_LOG_POLICY.slowMs),
    sample: numberIn('ACCESS_LOG_SAMPLE', env.ACCESS_LOG_SAMPLE, 0, 1, DEFAULT_ACCESS_LOG_POLICY.sample),
  };
}

function numberIn(name: string, value: string | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) throw new Error(`${name} must be a number in ${min}..${max}, got "${value}"`);
  return parsed;
}
