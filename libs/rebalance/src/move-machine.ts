import type { MoveStage, RingState } from '@faceshard/contracts';
import { pendingChanges } from './member-states';
import { commitReadRing } from './move-stages/commit-read-ring';
import { commitWriteRing } from './move-stages/commit-write-ring';
import { finalizeMove } from './move-stages/finalize';
import { completeMigration } from './move-stages/migrate-identities';
import { completePropagateDeletes } from './move-stages/propagate-deletes';

/** What a coordinator must do next for this state. */
export type MoveStep = { kind: 'idle' } | { kind: 'init' } | { kind: 'stage'; stage: MoveStage; moveId: string };

export function nextMoveStep(ring: RingState): MoveStep {
  if (ring.move) return { kind: 'stage', stage: ring.move.stage, moveId: ring.move.id };
  const { joining, leaving } = pendingChanges(ring);
  return joining.length + leaving.length > 0 ? { kind: 'init' } : { kind: 'idle' };
}

/** The pure transition that records a stage as done (its I/O work must be finished first). */
export const COMPLETE_STAGE: Readonly<Record<MoveStage, (ring: RingState) => RingState>> = Object.freeze({
  'migrate-identities': completeMigration,
  'propagate-deletes': completePropagateDeletes,
  'commit-read-ring': commitReadRing,
  'commit-write-ring': commitWriteRing,
  finalize: finalizeMove,
});
