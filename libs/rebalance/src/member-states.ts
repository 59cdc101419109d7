import type { MemberState, RingMemberState, RingState } from '@faceshard/contracts';

/**
 * Every member the ring knows, with its state, sorted by shard id: the explicit states of
 * `memberStates`, and `active` for read-ring members without one.
 */
export function memberStatesOf(ring: RingState): RingMemberState[] {
  const states = new Map<string, MemberState>();
  for (const shardId of ring.members) states.set(shardId, 'active');
  for (const entry of ring.memberStates ?? []) states.set(entry.shardId, entry.state);
  return [...states]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([shardId, state]) => ({ shardId, state }));
}

export function stateOf(ring: RingState, shardId: string): MemberState | null {
  return memberStatesOf(ring).find((m) => m.shardId === shardId)?.state ?? null;
}

/** Shards waiting to be moved in (joining) or out (leaving) that no running move covers yet. */
export function pendingChanges(ring: RingState): { joining: string[]; leaving: string[] } {
  const target = ring.move ? new Set(ring.move.to) : null;
  const joining: string[] = [];
  const leaving: string[] = [];
  for (const { shardId, state } of memberStatesOf(ring)) {
    // Covered by the running move: a joiner in its target ring, a leaver missing from it.
    if (state === 'joining' && !(target && target.has(shardId))) joining.push(shardId);
    if (state === 'leaving' && (!target || target.has(shardId))) leaving.push(shardId);
  }
  return { joining, leaving };
}

/**
 * Stores member states compactly: `active` is implied for read-ring members, so only the
 * exceptions are written (a ring with no move and no pending change has none at all).
 */
export function withMemberStates(ring: RingState, states: RingMemberState[]): RingState {
  const members = new Set(ring.members);
  const exceptions = states
    .filter((m) => m.state !== 'active' || !members.has(m.shardId))
    .sort((a, b) => (a.shardId < b.shardId ? -1 : a.shardId > b.shardId ? 1 : 0));
  const next: RingState = { ...ring };
  if (exceptions.length > 0) next.memberStates = exceptions;
  else delete next.memberStates;
  return next;
}
