import type { RingState } from '@faceshard/contracts';
import { completeStage } from './stage-transition';

/**
 * Stage 3, commit the read ring: reads and searches switch to the new ring, whose owners now
 * hold everything (migrated, plus every write since init). Writes still reach both owners, so
 * a gateway that has not seen this epoch yet and reads from the old owner still reads it all.
 */
export function commitReadRing(ring: RingState): RingState {
  return completeStage(ring, 'commit-read-ring', (r, epoch) => ({ ...r, members: [...r.move!.to], readEpoch: epoch }));
}
