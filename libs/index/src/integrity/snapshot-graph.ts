import type { StoreFs } from '../store-fs';
import { readExactly } from '../store-fs';
import { runPacedSteps, type PacedStepsOptions } from '../paced-steps';
import { reachabilityOfBytes } from './reachability-off-thread';
import type { SnapshotReachability } from './reachability-protocol';

/**
 * The reachability of the graph in a snapshot's index file (already on disk: nothing of the live
 * index is written or frozen for it), with the vectors of the unreachable nodes. The file is read
 * here, through the store's file system, in the snapshot copy's paced steps (1 MB, a pause after
 * each, none while a log round is in flight: paced-steps.ts), into memory shared with a worker
 * thread (nice 10) that parses it once complete; the event loop only issues the reads.
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
  // The whole file, read straight into memory the worker shares (no copy between the threads: see
  // reachability-protocol.ts); the worker starts once every step is in.
  const shared = new SharedArrayBuffer(size);
  try {
    const bytes = Buffer.from(shared);
    await runPacedSteps(size, options, async (at, length) => {
      if (options.stopped?.()) throw new Error(`reading ${path} stopped: the store is closing`);
      await readExactly(file, length, at, bytes.subarray(at, at + length));
    });
  } finally {
    await file.close();
  }
  return reachabilityOfBytes(shared);
}
