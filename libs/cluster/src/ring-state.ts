import { FaceshardError, MOVE_STAGES, type MoveState, type RingMemberState, type RingState } from '@faceshard/contracts';
import { assertShardId } from '@faceshard/messaging';

export const EMPTY_RING: RingState = Object.freeze({ epoch: 0, members: Object.freeze([]) as unknown as string[] });

/** The ring after adding a member: the same state (same epoch) if it is already in. */
export function ringWithMember(ring: RingState, shardId: string): RingState {
  assertShardId(shardId);
  if (ring.members.includes(shardId)) return ring;
  return { ...copyRing(ring), epoch: ring.epoch + 1, members: [...ring.members, shardId].sort() };
}

/** The ring after removing a member: the same state (same epoch) if it was not in. */
export function ringWithoutMember(ring: RingState, shardId: string): RingState {
  if (!ring.members.includes(shardId)) return ring;
  return { ...copyRing(ring), epoch: ring.epoch + 1, members: ring.members.filter((m) => m !== shardId) };
}

/**
 * Validates a stored ring (from KV or file): a corrupt one is a bug, not a client error.
 * Keeps the rebalancing fields (member states, move, read/write epochs) when present, and only then.
 */
export function parseRing(value: unknown): RingState {
  const v = value as Partial<RingState> | null;
  if (
    typeof v !== 'object' ||
    v === null ||
    !Number.isInteger(v.epoch) ||
    (v.epoch as number) < 0 ||
    !isStringArray(v.members) ||
    (v.memberStates !== undefined && !validMemberStates(v.memberStates)) ||
    (v.move !== undefined && !validMove(v.move)) ||
    (v.readEpoch !== undefined && !Number.isInteger(v.readEpoch)) ||
    (v.writeEpoch !== undefined && !Number.isInteger(v.writeEpoch))
  ) {
    throw new FaceshardError('INTERNAL', `stored ring state is malformed: ${JSON.stringify(value)}`);
  }
  return copyRing({ ...(v as RingState), members: [...v.members].sort() });
}

/** A deep copy with only the fields a ring state has (absent optional fields stay absent). */
export function copyRing(ring: RingState): RingState {
  const copy: RingState = { epoch: ring.epoch, members: [...ring.members] };
  if (ring.memberStates) copy.memberStates = ring.memberStates.map((m) => ({ ...m }));
  if (ring.move) copy.move = { ...ring.move, from: [...ring.move.from], to: [...ring.move.to] };
  if (ring.readEpoch !== undefined) copy.readEpoch = ring.readEpoch;
  if (ring.writeEpoch !== undefined) copy.writeEpoch = ring.writeEpoch;
  return copy;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((m) => typeof m === 'string');
}

function validMemberStates(value: unknown): value is RingMemberState[] {
  return (
    Array.isArray(value) &&
    value.every((m) => typeof m?.shardId === 'string' && (m.state === 'joining' || m.state === 'active' || m.state === 'leaving'))
  );
}

function validMove(value: unknown): value is MoveState {
  const m = value as Partial<MoveState> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.id === 'string' &&
    isStringArray(m.from) &&
    isStringArray(m.to) &&
    (MOVE_STAGES as readonly string[]).includes(m.stage as string) &&
    typeof m.startedAt === 'string'
  );
}
