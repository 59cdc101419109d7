import { FaceshardError, type RingState } from '@faceshard/contracts';
import { assertShardId } from '@faceshard/messaging';

export const EMPTY_RING: RingState = Object.freeze({ epoch: 0, members: Object.freeze([]) as unknown as string[] });

/** The ring after adding a member: the same state (same epoch) if it is already in. */
export function ringWithMember(ring: RingState, shardId: string): RingState {
  assertShardId(shardId);
  if (ring.members.includes(shardId)) return ring;
  return { epoch: ring.epoch + 1, members: [...ring.members, shardId].sort() };
}

/** The ring after removing a member: the same state (same epoch) if it was not in. */
export function ringWithoutMember(ring: RingState, shardId: string): RingState {
  if (!ring.members.includes(shardId)) return ring;
  return { epoch: ring.epoch + 1, members: ring.members.filter((m) => m !== shardId) };
}

/** Validates a stored ring (from KV or file): a corrupt one is a bug, not a client error. */
export function parseRing(value: unknown): RingState {
  const v = value as Partial<RingState> | null;
  if (
    typeof v !== 'object' ||
    v === null ||
    !Number.isInteger(v.epoch) ||
    (v.epoch as number) < 0 ||
    !Array.isArray(v.members) ||
    !v.members.every((m) => typeof m === 'string')
  ) {
    throw new FaceshardError('INTERNAL', `stored ring state is malformed: ${JSON.stringify(value)}`);
  }
  return { epoch: v.epoch as number, members: [...v.members].sort() };
}

export function copyRing(ring: RingState): RingState {
  return { epoch: ring.epoch, members: [...ring.members] };
}
