import { FaceshardError, MOVE_STAGES, type MoveStage, type RingState } from '@faceshard/contracts';

/**
 * Completes `stage` of the running move: the state with `change` applied and the next stage
 * named, one epoch later. Idempotent for resuming after a crash: if the move already went past
 * `stage` (another coordinator, or this one before it died, completed it), the state comes
 * back unchanged (same object). Any other mismatch is a bug in the caller: INTERNAL.
 */
export function completeStage(ring: RingState, stage: MoveStage, change: (ring: RingState, epoch: number) => RingState): RingState {
  const move = ring.move;
  if (!move) throw new FaceshardError('INTERNAL', `cannot complete move stage ${stage}: no move is running`);
  const at = MOVE_STAGES.indexOf(move.stage);
  const wanted = MOVE_STAGES.indexOf(stage);
  if (at > wanted) return ring;
  if (at < wanted) throw new FaceshardError('INTERNAL', `cannot complete move stage ${stage}: the move is at ${move.stage}`);
  const epoch = ring.epoch + 1;
  const next = change({ ...ring, epoch }, epoch);
  const following = MOVE_STAGES[wanted + 1];
  if (following !== undefined && next.move) next.move = { ...next.move, stage: following };
  return next;
}
