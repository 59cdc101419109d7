import { FaceshardError } from '@faceshard/contracts';
import type { RingRouting } from '@faceshard/rebalance';

/**
 * Whether this shard may accept a write of this identity under the rings it holds: outside a
 * move, iff the ring places the id here; during a move (libs/rebalance), iff the read ring OR
 * a write ring does (both the old and the new owner take writes until the move commits).
 */
export function ownsIdentity(view: RingRouting, shardId: string, identityId: string): boolean {
  return view.accepts(shardId, identityId);
}

/** RING_CHANGED (retryable) for the first id this shard does not own; the gateway re-reads the ring and places again. */
export function assertOwnsAll(view: RingRouting, shardId: string, identityIds: readonly string[], requestEpoch: number | undefined): void {
  for (const identityId of identityIds) {
    if (typeof identityId === 'string' && !ownsIdentity(view, shardId, identityId)) {
      throw new FaceshardError(
        'RING_CHANGED',
        `shard ${shardId} does not own identity ${identityId} at ring epoch ${view.epoch}` +
          (requestEpoch === undefined ? '' : ` (the write was placed at epoch ${requestEpoch})`) +
          ': re-read the ring and place again',
        { requestEpoch, currentEpoch: view.epoch, identityId },
      );
    }
  }
}
