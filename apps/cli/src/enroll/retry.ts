import { ApiError } from '../api-client';

export interface RetryPolicy {
  attempts: number;
  /** First wait; doubles each time up to maxDelayMs, unless the server said Retry-After. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 10_000 };

/** How long to wait before attempt `attempt` (1-based: the first retry is attempt 2), or undefined to give up. */
export function retryDelayMs(error: unknown, attempt: number, policy: RetryPolicy): number | undefined {
  if (!(error instanceof ApiError) || !error.retryable || attempt > policy.attempts) return undefined;
  if (error.retryAfterS !== undefined) return Math.min(error.retryAfterS * 1000, policy.maxDelayMs);
  return Math.min(policy.baseDelayMs * 2 ** (attempt - 2), policy.maxDelayMs);
}

/** Retries what the server calls retryable (BUSY with its Retry-After, shard unavailable, unreachable). */
export async function withRetry<T>(call: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<T> {
  for (let attempt = 2; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const delay = retryDelayMs(err, attempt, policy);
      if (delay === undefined) throw err;
      await sleep(delay);
    }
  }
}
