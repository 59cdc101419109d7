import type { StoreFs } from '../store-fs';
import { readExactly } from '../store-fs';
import { pacingOf, runPacedSteps, type PacedStepsOptions } from '../paced-steps';
import { reachabilityOfStream } from './reachability-off-thread';
import type { SnapshotReachability } from './reachability-protocol';

/**
 * The reachability of the graph in a snapshot's index file (already on disk: nothing of the live
 * index is written or frozen for it), with the vectors of the unreachable nodes. The file is read
 * here, through the store's file system, in the snapshot copy's paced steps (1 MB, a pause after
 * each, none while a log round is in flight: paced-steps.ts), and each step is handed to a worker
 * thread (nice 10) that parses it once complete; the event loop only moves the bytes along.
 */
export async function reachabilityOfIndexFile(
  fs: StoreFs,
  path: string,
  options: PacedStepsOptions & {
    /** Checked before each step: true stops the read (the store is closing) and rejects. */
    stopped?: () => boolean;
  } = {},
): Promise<SnapshotReachability> {
  const file = await fs.open(path, 'r');
  let size: number;
  try {
    size = await file.size();
  } catch (error) {
    await file.close();
    throw error;
  }
  return reachabilityOfStream(size, async (send) => {
    try {
      // One buffer for every step: the worker receives a copy of each.
      const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(pacingOf(options).maxStepBytes, size)));
      await runPacedSteps(size, options, async (at, length) => {
        if (options.stopped?.()) throw new Error(`reading ${path} stopped: the store is closing`);
        await send(at, await readExactly(file, length, at, buffer));
      });
    } finally {
      await file.close();
    }
  });
}
