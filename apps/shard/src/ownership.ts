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

/**
 * RING_CHANGED (retryable) for the first id this shard does not own; the gateway re-reads the ring
 * and places again. Also for an id that moves (a write must reach its old owner, this shard, and
 * its new one) written by a caller that does not ask for the written copies (`copiesAsked`): that
 * caller places by a ring from before the move and would not apply the write on the new owner,
 * which the move's stream may already have passed. Refusing it makes the stream independent of
 * how soon gateways adopt the move's ring (the coordinator used to wait a settle time for that).
 */
export function assertOwnsAll(view: RingRouting, shardId: string, identityIds: readonly string[], requestEpoch: number | undefined, copiesAsked = false): void {
  const moving = view.writes.length > 1 && !copiesAsked;
  for (const identityId of identityIds) {
    if (typeof identityId !== 'string') continue;
    if (!ownsIdentity(view, shardId, identityId)) {
      throw new FaceshardError(
        'RING_CHANGED',
        `shard ${shardId} does not own identity ${identityId} at ring epoch ${view.epoch}` +
          (requestEpoch === undefined ? '' : ` (the write was placed at epoch ${requestEpoch})`) +
          ': re-read the ring and place again',
        { requestEpoch, currentEpoch: view.epoch, identityId },
      );
    }
    if (moving && view.writeOwners(identityId).length > 1) {
      throw new FaceshardError(
        'RING_CHANGED',
        `identity ${identityId} moves at ring epoch ${view.epoch}: its write must also reach its new owner` +
          (requestEpoch === undefined ? '' : ` (the write was placed at epoch ${requestEpoch})`) +
          ': re-read the ring and place again',
        { requestEpoch, currentEpoch: view.epoch, identityId },
      );
    }
  }
}
