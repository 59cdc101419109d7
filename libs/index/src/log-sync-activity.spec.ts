import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogSyncActivity } from './log-sync-activity';

/** Whether `promise` has settled after everything already queued has run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

afterEach(() => vi.useRealTimers());

describe('LogSyncActivity', () => {
  it('is idle at once when no round is in flight', async () => {
    expect(await settled(new LogSyncActivity().idle(1000))).toBe(true);
  });

  it('waits for the round in flight to end', async () => {
    const log = new LogSyncActivity();
    log.started();
    const idle = log.idle(60_000);
    expect(await settled(idle)).toBe(false);
    log.ended();
    expect(await settled(idle)).toBe(true);
  });

  it('waits until every overlapping round has ended', async () => {
    const log = new LogSyncActivity();
    log.started();
    log.started();
    const idle = log.idle(60_000);
    log.ended();
    expect(await settled(idle)).toBe(false);
    log.ended();
    expect(await settled(idle)).toBe(true);
  });

  it('gives up waiting after maxWaitMs (a log that never stops syncing does not stop the copy)', async () => {
    vi.useFakeTimers();
    const log = new LogSyncActivity();
    log.started();
    let done = false;
    void log.idle(20).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(19);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    expect(log.syncing).toBe(true);
  });
});
