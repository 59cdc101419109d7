/** Time and timers for the fan-out's coalescer, injectable so tests drive them by hand. */
export interface Scheduler {
  /** Monotonic milliseconds (the clock deadlines are on). */
  now(): number;
  /** Runs `fire` once, about `delayUs` microseconds from now; the returned function cancels it. */
  after(delayUs: number, fire: () => void): () => void;
}

/**
 * The process's own clock. Node's timers count whole milliseconds, so a window shorter than
 * 1 ms ends at the next turn of the event loop (setImmediate: after every request already read
 * from the sockets in this turn has been handled), which is as long as it can usefully wait
 * without a timer; 1 ms and more use a timer.
 */
export const systemScheduler: Scheduler = {
  now: () => performance.now(),
  after(delayUs, fire) {
    if (delayUs < 1000) {
      const immediate = setImmediate(fire);
      return () => clearImmediate(immediate);
    }
    const timer = setTimeout(fire, delayUs / 1000);
    return () => clearTimeout(timer);
  },
};
