/**
 * How big the next step of a background durable copy is, and how long it pauses after a step,
 * so that the log's fdatasync (which acknowledges writers) is never held long by it.
 *
 * Why: on ext4 (data=ordered) a log fdatasync that lands while a step's fdatasync is writing the
 * step out waits for that step's data (one journal commit carries both). Measured at 1M on a quiet
 * machine with fixed 1 MB steps: writers' p99 wait during a snapshot 14-21 ms against 5.6 ms
 * without one, every long write overlapping a log sync of 24-27 ms. So:
 *  - the step is sized so that its sync takes at most about `targetSyncMs`: a log sync that overlaps it
 *    waits about that long at most (halved when a sync took longer, doubled when it took under
 *    half, within [minStepBytes, maxStepBytes]);
 *  - after each step the copy pauses `pauseFactor` times as long as the step's sync took (at most
 *    `maxPauseMs`), so the log has the disk to itself for that share of the time.
 * Pure: the caller measures the sync and sleeps.
 */
export interface StepPacing {
  minStepBytes: number;
  maxStepBytes: number;
  /** The first step's size. */
  initialStepBytes: number;
  targetSyncMs: number;
  pauseFactor: number;
  maxPauseMs: number;
}

/**
 * Steps of 1 MB, each followed by a pause half as long as it took (at most 10 ms). Not smaller:
 * a sync costs ~1.3 ms here whatever the size up to 1 MB (the journal commit, not the data), so
 * small steps only multiply the commits a log sync can land on (with steps allowed down to 64 KB
 * the 1M bench's copy ran at 64-128 KB and took 16-33 s). And not much slower: a snapshot that
 * runs past the kernel's dirty_expire (30 s) finds hnswlib's scratch file being written back
 * (380 MB of it in one 36 s run, and a log fdatasync that waited 368 ms).
 */
export const DEFAULT_STEP_PACING: StepPacing = {
  minStepBytes: 1024 * 1024,
  maxStepBytes: 1024 * 1024,
  initialStepBytes: 1024 * 1024,
  targetSyncMs: 3,
  pauseFactor: 0.5,
  maxPauseMs: 10,
};

/** Fixed steps, no pause (the copy as fast as the disk goes; tests that count steps). */
export function fixedSteps(stepBytes: number): StepPacing {
  return { minStepBytes: stepBytes, maxStepBytes: stepBytes, initialStepBytes: stepBytes, targetSyncMs: Number.POSITIVE_INFINITY, pauseFactor: 0, maxPauseMs: 0 };
}

export interface NextStep {
  stepBytes: number;
  pauseMs: number;
}

/** After a step of `stepBytes` whose fdatasync took `syncMs`: the next step's size and the pause before it. */
export function nextStep(pacing: StepPacing, stepBytes: number, syncMs: number): NextStep {
  let next = stepBytes;
  if (syncMs > pacing.targetSyncMs) next = stepBytes / 2;
  else if (syncMs < pacing.targetSyncMs / 2) next = stepBytes * 2;
  next = Math.min(pacing.maxStepBytes, Math.max(pacing.minStepBytes, Math.round(next)));
  const pauseMs = Math.min(pacing.maxPauseMs, Math.max(0, syncMs * pacing.pauseFactor));
  return { stepBytes: next, pauseMs };
}
