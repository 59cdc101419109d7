import type { RingState } from '@faceshard/contracts';

/**
 * True while `shardId` only receives a move: a target of the running move that is not in the read
 * ring, so it answers no get and no search (a joiner until the read ring is committed). Its work is
 * then the move's alone (and the live writes of identities moving to it), and may run behind the
 * members that serve reads (REBALANCE_RECEIVER_NICE). Pure.
 */
export function onlyReceiving(ring: RingState, shardId: string): boolean {
  return !!ring.move && ring.move.to.includes(shardId) && !ring.members.includes(shardId);
}
