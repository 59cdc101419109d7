import { describe, expect, it } from 'vitest';
import { SearchLatencyMonitor } from './search-latency-monitor';

/** A monitor on a clock the test moves. */
function monitorAt(start = 10_000) {
  const clock = { now: start };
  const monitor = new SearchLatencyMonitor({ recentMs: 1000, quietAfterMs: 1000, baselineSamples: 100 }, () => clock.now);
  /** A search that takes `ms` on the test's clock. */
  const search = (ms: number) =>
    monitor.observe('search', async () => {
      clock.now += ms;
      return { hits: [] };
    });
  /** A move's request (an apply) that takes `ms`; its answer. */
  const apply = (ms: number) =>
    monitor.observe('applyVersioned', async () => {
      clock.now += ms;
      return { applied: 1, skipped: 0 };
    });
  return { clock, monitor, search, apply };
}

describe('SearchLatencyMonitor', () => {
  it("answers a move's request with the recent search p99 next to the p99 without a move", async () => {
    const { search, apply } = monitorAt();
    for (let i = 0; i < 100; i++) await search(i === 99 ? 5 : 1); // baseline: p99 of 100 = the 99th = 1 ms
    const first = await apply(10);
    expect(first).toEqual({ applied: 1, skipped: 0, searchLatency: { recentP99Ms: 1, recentSamples: 100, baselineP99Ms: 1, baselineSamples: 100 } });
    // Searches while the move works here (and within quietAfterMs after) go to the recent window only.
    for (let i = 0; i < 50; i++) await search(8);
    const second = (await apply(10)) as { searchLatency: { recentP99Ms: number; baselineP99Ms: number; baselineSamples: number } };
    expect(second.searchLatency.recentP99Ms).toBe(8);
    expect(second.searchLatency.baselineP99Ms).toBe(1);
    expect(second.searchLatency.baselineSamples).toBe(100);
  });

  it('the recent window forgets searches older than recentMs; the baseline keeps the latest quiet ones', async () => {
    const { clock, monitor, search, apply } = monitorAt();
    for (let i = 0; i < 200; i++) await search(2);
    await apply(1);
    clock.now += 5000; // quiet again, and the window is empty
    expect(monitor.report()).toBeUndefined();
    for (let i = 0; i < 100; i++) await search(3); // quiet: replace the baseline's 100 samples
    expect(monitor.report()).toMatchObject({ recentP99Ms: 3, recentSamples: 100, baselineP99Ms: 3, baselineSamples: 100 });
  });

  it('a shard without searches reports nothing; other requests pass untouched', async () => {
    const { monitor, apply } = monitorAt();
    expect(await apply(5)).toEqual({ applied: 1, skipped: 0 });
    expect(await monitor.observe('get', async () => ({ identity: null }))).toEqual({ identity: null });
    await expect(monitor.observe('exportChunk', async () => Promise.reject(new Error('gone')))).rejects.toThrow('gone');
  });
});
