import { describe, expect, it } from 'vitest';
import { runPool } from './run-pool';
import { retryDelayMs, withRetry } from './retry';
import { ApiError } from '../api-client';

describe('runPool', () => {
  it('never has more than `concurrency` items in flight and does every item once', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await runPool(
      Array.from({ length: 20 }, (_, i) => i),
      3,
      async (i) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, (i % 4) * 2));
        seen.push(i);
        inFlight--;
      },
    );
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('takes no new item once stopped, and waits for those in flight', async () => {
    const stop = { stopped: false };
    const finished: number[] = [];
    await runPool(
      Array.from({ length: 10 }, (_, i) => i),
      2,
      async (i) => {
        if (i === 3) stop.stopped = true;
        await new Promise((r) => setTimeout(r, 5));
        finished.push(i);
      },
      () => stop.stopped,
    );
    expect(finished.sort()).toEqual([0, 1, 2, 3]);
  });
});

describe('retry', () => {
  const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };
  const busy = (retryAfterS?: number) => new ApiError(429, 'BUSY', 'busy', true, retryAfterS);

  it('waits what Retry-After says (capped), else backs off exponentially, and gives up after the attempts', () => {
    expect(retryDelayMs(busy(0.5), 2, policy)).toBe(500);
    expect(retryDelayMs(busy(60), 2, policy)).toBe(1_000);
    expect([2, 3, 4].map((a) => retryDelayMs(busy(), a, policy))).toEqual([100, 200, 400]);
    expect(retryDelayMs(busy(), 5, policy)).toBeUndefined();
  });

  it('never retries what the server calls final, nor errors that are not API errors', () => {
    expect(retryDelayMs(new ApiError(422, 'NO_FACE', 'none', false), 2, policy)).toBeUndefined();
    expect(retryDelayMs(new Error('bug'), 2, policy)).toBeUndefined();
  });

  it('withRetry answers once a retryable failure clears, sleeping between attempts', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const value = await withRetry(
      async () => {
        if (++calls < 3) throw busy();
        return 'ok';
      },
      policy,
      async (ms) => void sleeps.push(ms),
    );
    expect(value).toBe('ok');
    expect(sleeps).toEqual([100, 200]);
  });
});
