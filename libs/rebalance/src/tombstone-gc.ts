import type { RingState } from '@faceshard/contracts';
import { MoveFilter } from './move-plan';

/**
 * When a delete's tombstone may be forgotten. A tombstone exists so that an older copy of the
 * identity arriving later (a chunk a move streams, a dual write's copy, a replica catching up)
 * cannot bring it back; once no such copy can arrive, it is dead weight. That is when
 *   1. no move in flight covers the id: its old and new owner are the same, or no move runs (a
 *      committed move has finished streaming, and its sources dropped what they gave away);
 *   2. every copy agrees: each shard holding a copy has the delete (outside a move: the owner
 *      only; replicas, later, pass `agreed`, e.g. each replica acknowledged version >= the
 *      tombstone's);
 *   3. it is older than `graceMs`: a request carrying an older copy may still be in flight (write
 *      and move requests time out within seconds; the grace is minutes). Versions are
 *      hybrid-logical-clock stamps, wall-clock ms x 1000 (libs/index version-order.ts), so a
 *      tombstone's version dates it.
 */
export interface TombstoneGcContext {
  nowMs: number;
  graceMs: number;
  ring: RingState;
  /** Every other copy of the id has this delete (default: there is no other copy). */
  agreed?: (identityId: string, version: number) => boolean;
}

/** Version stamps are ms x 1000 (VersionClock): the wall-clock time a version was assigned. */
export function versionTimeMs(version: number): number {
  return Math.floor(version / 1000);
}

/** The ids among `tombstones` that may be purged now, in the order given. */
export function collectableTombstones(tombstones: readonly { identityId: string; version: number }[], context: TombstoneGcContext): string[] {
  const moving = context.ring.move ? new MoveFilter(context.ring.move.from, context.ring.move.to) : null;
  const cutoff = context.nowMs - context.graceMs;
  const agreed = context.agreed ?? (() => true);
  return tombstones
    .filter(({ identityId, version }) => versionTimeMs(version) < cutoff && (moving === null || moving.targetOf(identityId) === null) && agreed(identityId, version))
    .map(({ identityId }) => identityId);
}
