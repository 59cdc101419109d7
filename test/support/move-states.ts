import type { RingState } from '@faceshard/contracts';
import { COMPLETE_STAGE, initMove, nextMoveStep } from '@faceshard/rebalance';

/** Every ring state of a move: `start` (a pending join or leave), then one per stage until the move is gone. */
export function moveStates(start: RingState, moveId = 'm1', now = new Date('2026-01-01T00:00:00Z')): RingState[] {
  const all = [start, initMove(start, { moveId, now })];
  for (;;) {
    const step = nextMoveStep(all[all.length - 1]);
    if (step.kind !== 'stage') return all;
    all.push(COMPLETE_STAGE[step.stage](all[all.length - 1]));
  }
}
