import { getPriority, setPriority } from 'node:os';

/** Nice value of a background worker thread: below the event loop's 0, above idle. */
export const BACKGROUND_NICE = 10;

/**
 * Lowers the priority of the calling thread only (on Linux a priority set for pid 0 is the
 * calling thread's: threads are tasks), so that on a machine with fewer free cores than runnable
 * threads, a worker's seconds of CPU (walking a 1M-element graph) give way to the event loop
 * (searches, heartbeats, writers) instead of taking turns with it. Where that is not permitted
 * the thread runs at normal priority: only slower for the loop, never wrong. Never raises it: in
 * a process started with a higher nice value (nice -n 15 node ...) the thread keeps that one (as
 * root, setPriority(10) would have raised it above the process's own event loop). Returns the
 * nice value the thread now has.
 */
export function lowerThisThreadsPriority(): number | null {
  try {
    const nice = Math.max(BACKGROUND_NICE, getPriority());
    setPriority(nice);
    return nice;
  } catch {
    return null;
  }
}
