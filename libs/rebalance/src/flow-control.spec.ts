import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pauseAfterChunkMs, ratePauseMs, timeSharePauseMs, validFlowLimits } from './flow-control';

describe('move flow control', () => {
  it('time share: busy / (busy + pause) is exactly the share (no pause at share 1)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: 0.001, max: 60_000, noNaN: true }), (share, busy) => {
        const pause = timeSharePauseMs(busy, share);
        expect(pause).toBeGreaterThanOrEqual(0);
        expect(busy / (busy + pause)).toBeCloseTo(share, 9);
      }),
    );
    expect(timeSharePauseMs(100, 1)).toBe(0);
    expect(timeSharePauseMs(100, 0.25)).toBe(300);
  });

  it('rate cap: moved identities never run ahead of the rate (no pause without a cap)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 5_000 }), (moved, elapsed, cap) => {
        const pause = ratePauseMs(moved, elapsed, cap);
        expect(moved / ((elapsed + pause) / 1000)).toBeLessThanOrEqual(cap * (1 + 1e-9));
        if (pause > 0) expect(moved / ((elapsed + pause) / 1000)).toBeCloseTo(cap, 6);
      }),
    );
    expect(ratePauseMs(1000, 10, 0)).toBe(0);
  });

  it('the pause after a chunk satisfies both caps at once', () => {
    expect(pauseAfterChunkMs({ maxIdsPerSecond: 100, maxTimeShare: 0.5 }, { busyMs: 50, moved: 10, elapsedMs: 0 })).toBe(100); // rate: 10 ids at 100/s
    expect(pauseAfterChunkMs({ maxIdsPerSecond: 100, maxTimeShare: 0.5 }, { busyMs: 400, moved: 10, elapsedMs: 0 })).toBe(400); // share: 400 busy at 50 %
    expect(pauseAfterChunkMs({ maxIdsPerSecond: 0, maxTimeShare: 1 }, { busyMs: 400, moved: 10, elapsedMs: 0 })).toBe(0);
  });

  it('refuses limits that cannot mean anything', () => {
    expect(() => validFlowLimits({ maxIdsPerSecond: -1, maxTimeShare: 1 })).toThrow();
    expect(() => validFlowLimits({ maxIdsPerSecond: 0, maxTimeShare: 0 })).toThrow();
    expect(() => validFlowLimits({ maxIdsPerSecond: 0, maxTimeShare: 1.5 })).toThrow();
    expect(validFlowLimits({ maxIdsPerSecond: 5, maxTimeShare: 0.3 })).toEqual({ maxIdsPerSecond: 5, maxTimeShare: 0.3 });
  });
});
