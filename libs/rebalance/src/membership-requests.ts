import { FaceshardError, type RingState } from '@faceshard/contracts';
import { assertShardId } from '@faceshard/messaging';
import { memberStatesOf, stateOf, withMemberStates } from './member-states';
import { compareCodeUnits } from './move-plan';

/**
 * A shard registers. Already known: unchanged (same object). Into a ring with no members or a
 * cluster holding no data: active at once, nothing to move (today's behaviour). Otherwise it
 * is recorded `joining` and stays out of every ring until a move (libs/rebalance) has streamed
 * its identities to it.
 */
export function requestJoin(ring: RingState, shardId: string, opts: { clusterHoldsData: boolean }): RingState {
  assertShardId(shardId);
  if (stateOf(ring, shardId) !== null) return ring;
  const epoch = ring.epoch + 1;
  if (!ring.move && (ring.members.length === 0 || !opts.clusterHoldsData)) {
    return { ...ring, epoch, members: [...ring.members, shardId].sort(compareCodeUnits) };
  }
  return withMemberStates({ ...ring, epoch }, [...memberStatesOf(ring), { shardId, state: 'joining' }]);
}

/**
 * A shard is asked to leave (drain, SIGTERM). A joiner no move has taken in yet just goes; any
 * other member becomes `leaving` and keeps serving until a move has streamed its identities
 * out. Refused (DATA_WOULD_BE_LOST) when no member would remain to take them.
 */
export function requestLeave(ring: RingState, shardId: string): RingState {
  const state = stateOf(ring, shardId);
  if (state === null) throw new FaceshardError('MEMBER_NOT_FOUND', `shard ${shardId} is not a member of the cluster`, { shardId });
  if (state === 'leaving') return ring;
  const epoch = ring.epoch + 1;
  const others = memberStatesOf(ring).filter((m) => m.shardId !== shardId);
  const inSomeRing = ring.members.includes(shardId) || (ring.move?.to.includes(shardId) ?? false);
  if (state === 'joining' && !inSomeRing) return withMemberStates({ ...ring, epoch }, others);
  if (!others.some((m) => m.state !== 'leaving')) {
    throw new FaceshardError('DATA_WOULD_BE_LOST', `shard ${shardId} is the last member: no shard would remain to take its identities`, { shardId });
  }
  return withMemberStates({ ...ring, epoch }, [...others, { shardId, state: 'leaving' }]);
}

/**
 * An operator removes a member that is gone for good (whatever its data). A running move is
 * abandoned: the read ring is complete by construction (its owners received every write), so
 * routing falls back to it alone, and the pending joins and leaves start a fresh move.
 */
export function forgetMember(ring: RingState, shardId: string): RingState {
  if (stateOf(ring, shardId) === null) throw new FaceshardError('MEMBER_NOT_FOUND', `shard ${shardId} is not a member of the cluster`, { shardId });
  const epoch = ring.epoch + 1;
  const members = ring.members.filter((m) => m !== shardId);
  const next = withMemberStates(
    { ...ring, epoch, members, readEpoch: epoch, writeEpoch: epoch },
    memberStatesOf(ring).filter((m) => m.shardId !== shardId),
  );
  delete next.move;
  return next;
}
