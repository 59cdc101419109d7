import { crc32 } from 'node:zlib';
import { pacingOf, runPacedSteps, type PacedStepsOptions } from './paced-steps';
import { readExactly, writeFully, type StoreFs } from './store-fs';

/**
 * Copies `from` into a new file `to`, fdatasyncing step by step, so the file reaches the disk a
 * little per sync instead of all at once, and returns the CRC32 of the bytes copied (a snapshot's
 * manifest keeps it for its index file, so damage is found at load). Why the steps: on ext4 (data=ordered), an fsync allocates the
 * file's delayed blocks in the running journal transaction, and every other fsync that commits
 * that transaction — the log's, which acknowledges writers — first waits for all of that data.
 * One fsync of a 100 MB index file held writers' acknowledgements for as long as that file took
 * to write out; in steps, a log sync waits for at most one step. The steps give the log priority
 * (paced-steps.ts: no step while a log round is in flight, 1 MB steps, a pause after each).
 * `from` is a scratch file deleted soon after (its dirty pages are dropped, never written), so
 * the disk writes the data once.
 */
export async function copyDurablyInSteps(fs: StoreFs, from: string, to: string, options: PacedStepsOptions = {}): Promise<number> {
  const source = await fs.open(from, 'r');
  try {
    const size = await source.size();
    const target = await fs.open(to, 'w');
    try {
      // One buffer for every step: a fresh buffer each time is external memory that V8 counts
      // towards its next full collection.
      const buffer = Buffer.allocUnsafe(Math.min(pacingOf(options).maxStepBytes, size));
      let crc = 0;
      await runPacedSteps(size, options, async (at, length) => {
        const bytes = await readExactly(source, length, at, buffer);
        crc = crc32(bytes, crc); // steps run in order, each once
        await writeFully(target, bytes, at);
        await target.datasync();
      });
      if (size === 0) await target.datasync();
      return crc;
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
