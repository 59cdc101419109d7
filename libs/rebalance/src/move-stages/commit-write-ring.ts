import type { RingState } from '@faceshard/contracts';
import { completeStage } from './stage-transition';

/**
 * Stage 4, commit the write ring: writes stop going to the old owners. From here only the new
 * ring's owners receive writes; the old copies are garbage the finalize stage removes.
 */
export function commitWriteRing(ring: RingState): RingState {
  return completeStage(ring, 'commit-write-ring', (r, epoch) => ({ ...r, writeEpoch: epoch }));
}
