/**
 * Whether the log is writing and syncing a round of records (writers wait for it), for background
 * disk work that should not start meanwhile: a snapshot's durable copy starts its next step only
 * when no log round is in flight (see copyDurablyInSteps). The log reports each round's start and
 * end; the copy awaits idle().
 */
export class LogSyncActivity {
  private inFlight = 0;
  private waiters: (() => void)[] = [];

  /** A round starts (its write, then its fdatasync). */
  started(): void {
    this.inFlight++;
  }

  /** The round ended (synced or failed). */
  ended(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  get syncing(): boolean {
    return this.inFlight > 0;
  }

  /**
   * Resolves when no round is in flight, or after `maxWaitMs` at the latest: a log that syncs
   * back to back, or hangs, must not stop the background work for good.
   */
  idle(maxWaitMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((waiter) => waiter !== wake);
        resolve();
      };
      const timer = setTimeout(wake, maxWaitMs);
      this.waiters.push(wake);
    });
  }
}

/** For copies that share the disk with no log (tests, tools). */
export const NO_LOG_ACTIVITY = new LogSyncActivity();
