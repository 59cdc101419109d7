import { describe, expect, it } from 'vitest';
import { pauseAfterReload, RELOAD_PAUSE_MAX_MS, RELOAD_PAUSE_MS, storageStateOf } from './reload-pause';

describe('pauseAfterReload', () => {
  it('pauses nothing after the first reload in a row, then 1 s doubling, never over the max', () => {
    expect(pauseAfterReload(0)).toBe(0);
    expect(pauseAfterReload(1)).toBe(0);
    expect([2, 3, 4, 5].map(pauseAfterReload)).toEqual([1, 2, 4, 8].map((n) => n * RELOAD_PAUSE_MS));
    for (let n = 2; n < 200; n++) {
      expect(pauseAfterReload(n)).toBeLessThanOrEqual(RELOAD_PAUSE_MAX_MS);
      expect(pauseAfterReload(n)).toBeGreaterThanOrEqual(pauseAfterReload(n - 1));
    }
    expect(pauseAfterReload(200)).toBe(RELOAD_PAUSE_MAX_MS);
  });
});

describe('storageStateOf', () => {
  it('says reloading over failed over paused over ok', () => {
    expect(storageStateOf({ reloading: true, failed: true, pausedUntil: 10, now: 0 })).toBe('reloading');
    expect(storageStateOf({ reloading: false, failed: true, pausedUntil: 10, now: 0 })).toBe('failed');
    expect(storageStateOf({ reloading: false, failed: false, pausedUntil: 10, now: 0 })).toBe('paused');
    expect(storageStateOf({ reloading: false, failed: false, pausedUntil: 10, now: 10 })).toBe('ok');
    expect(storageStateOf({ reloading: false, failed: false, pausedUntil: -Infinity, now: 0 })).toBe('ok');
  });
});
