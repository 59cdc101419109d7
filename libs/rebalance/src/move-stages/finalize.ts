import type { RingState } from '@faceshard/contracts';
import { memberStatesOf, withMemberStates } from '../member-states';
import { completeStage } from './stage-transition';

/**
 * Stage 5, finalize: the sources have deleted what they gave away (the coordinator does that
 * before calling this, only after every receiver acknowledged durably); joiners become active,
 * leavers leave the state for good, the move record goes.
 */
export function finalizeMove(ring: RingState): RingState {
  return completeStage(ring, 'finalize', (r) => {
    const move = r.move!;
    const joined = new Set(move.to);
    const left = new Set(move.from.filter((m) => !joined.has(m)));
    const states = memberStatesOf(r)
      .filter((m) => !left.has(m.shardId))
      .map((m) => (joined.has(m.shardId) && m.state === 'joining' ? { ...m, state: 'active' as const } : m));
    const next = withMemberStates({ ...r, members: [...move.to] }, states);
    delete next.move;
    return next;
  });
}
