import type { RingState } from '@faceshard/contracts';
import { completeStage } from './stage-transition';

/**
 * Stage 2, propagate deletes: deletes a source took while its identities were streaming must
 * reach the receivers too. Dual writes already deliver every delete made after init to both
 * owners; this stage re-sends the sources' tombstones in the moved ranges (newest version
 * wins on the receiver), which closes the window of a delete racing a chunk in flight.
 */
export function completePropagateDeletes(ring: RingState): RingState {
  return completeStage(ring, 'propagate-deletes', (r) => r);
}
