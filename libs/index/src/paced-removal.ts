import { join } from 'node:path';
import type { StepPacing } from './background-step-pacing';
import { pacingOf, runPacedSteps, type PacedStepsOptions } from './paced-steps';
import type { StoreFs } from './store-fs';

/**
 * Truncation steps: freeing blocks is far cheaper per byte than writing them (a 16 MB step's
 * truncate + fdatasync took 6-15 ms on the development machine, mostly fixed cost, so steps do not
 * shrink below 16 MB: smaller ones would only multiply the commits).
 */
export const REMOVAL_STEP_PACING: StepPacing = {
  minStepBytes: 16 * 1024 * 1024,
  maxStepBytes: 64 * 1024 * 1024,
  initialStepBytes: 32 * 1024 * 1024,
  targetSyncMs: 2,
  pauseFactor: 1,
  maxPauseMs: 50,
};

/**
 * Removes a folder of files (an old snapshot), shrinking each file bigger than one step from its
 * end in fdatasynced, paced steps first (paced-steps.ts). Why: unlinking a 600 MB index file
 * frees all its extents in one journal transaction, and with the `discard` mount option the
 * commit of that transaction discards them all; the log's next fdatasync waited for that commit:
 * 40-50 ms at 1M, the longest writes after a snapshot was installed (bench/store README). Shrunk
 * a step per sync, each commit frees a step. Nothing here needs to survive a power cut: an old
 * snapshot half-shrunk is never read (only the newest is) and is removed again at the next open.
 */
export async function removeFolderInSteps(fs: StoreFs, dir: string, options: PacedStepsOptions = {}): Promise<void> {
  const pacing = pacingOf(options, REMOVAL_STEP_PACING);
  for (const name of await fs.readdir(dir)) {
    const path = join(dir, name);
    const size = await fs.size(path);
    if (size <= pacing.minStepBytes) continue; // small: goes with the folder
    const file = await fs.open(path, 'r+');
    try {
      await runPacedSteps(size, { ...options, pacing }, async (at, length) => {
        await file.truncate(size - at - length);
        await file.datasync();
      });
    } finally {
      await file.close();
    }
  }
  await fs.remove(dir);
}
