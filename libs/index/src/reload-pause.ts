/**
 * How long writes wait after the store reloaded from disk because a log write failed. The first
 * reload since the last durable write pauses nothing (a passing fault: the next write should go);
 * each further one in a row (a disk that stays full) pauses longer, from RELOAD_PAUSE_MS doubling
 * up to RELOAD_PAUSE_MAX_MS, so the store does not reload on every write. Pure.
 */
export const RELOAD_PAUSE_MS = 1_000;
export const RELOAD_PAUSE_MAX_MS = 60_000;

export function pauseAfterReload(reloadsInARow: number): number {
  return reloadsInARow <= 1 ? 0 : Math.min(RELOAD_PAUSE_MAX_MS, RELOAD_PAUSE_MS * 2 ** (reloadsInARow - 2));
}

export type StorageState = 'ok' | 'reloading' | 'paused' | 'failed';

/** What storageStatus() reports, from what the store knows. Pure. */
export function storageStateOf(facts: { reloading: boolean; failed: boolean; pausedUntil: number; now: number }): StorageState {
  if (facts.reloading) return 'reloading';
  if (facts.failed) return 'failed';
  return facts.now < facts.pausedUntil ? 'paused' : 'ok';
}
