import { FaceshardError, type RingState } from '@faceshard/contracts';
import { pendingChanges } from '../member-states';
import { compareCodeUnits } from '../move-plan';

/**
 * Stage 0, init: begins a move covering every pending join and leave. The read ring stays the
 * old one; from this epoch writes go to the owner under the old ring AND the new one, so the
 * new owners miss no write made while identities stream to them. Returns the same state when
 * nothing is pending or a move is already running.
 */
export function initMove(ring: RingState, opts: { moveId: string; now: Date }): RingState {
  if (ring.move) return ring;
  const { joining, leaving } = pendingChanges(ring);
  if (joining.length === 0 && leaving.length === 0) return ring;
  const to = [...new Set([...ring.members.filter((m) => !leaving.includes(m)), ...joining])].sort(compareCodeUnits);
  if (to.length === 0) {
    throw new FaceshardError('DATA_WOULD_BE_LOST', 'the last member cannot leave: no shard would remain to hold its identities', { leaving });
  }
  const epoch = ring.epoch + 1;
  return {
    ...ring,
    epoch,
    writeEpoch: epoch,
    move: { id: opts.moveId, from: [...ring.members].sort(compareCodeUnits), to, stage: 'migrate-identities', startedAt: opts.now.toISOString() },
  };
}
