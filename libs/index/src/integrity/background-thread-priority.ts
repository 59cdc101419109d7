import { setPriority } from 'node:os';

/** Nice value of a background worker thread: below the event loop's 0, above idle. */
export const BACKGROUND_NICE = 10;

/**
 * Lowers the priority of the calling thread only (on Linux a priority set for pid 0 is the
 * calling thread's: threads are tasks), so that on a machine with fewer free cores than runnable
 * threads, a worker's seconds of CPU (walking a 1M-element graph) give way to the event loop
 * (searches, heartbeats, writers) instead of taking turns with it. Where that is not permitted
 * the thread runs at normal priority: only slower for the loop, never wrong. Returns the nice
 * value the thread now has.
 */
export function lowerThisThreadsPriority(): number | null {
  try {
    setPriority(BACKGROUND_NICE);
    return BACKGROUND_NICE;
  } catch {
    return null;
  }
}
