import { SegmentedMap } from './segmented-map';

/** One face's freed node: the label its vector still sits under in hnswlib, marked deleted. */
export interface FreedFace {
  label: number;
  /** The face was pinned (cut off from the graph) when it was removed: a revived node is as cut off as it was. */
  pinned: boolean;
}

/** As a snapshot keeps it: [label, identityId, faceId, pinned 0|1]. */
export type FreedFaceTuple = [number, string, string, 0 | 1];

/**
 * Which deleted hnswlib node each removed face left behind, by (identityId, faceId), so that the
 * same face coming back with the very same vector revives its old node (unmarkDelete) instead of
 * becoming a new one. That is what scale-in after scale-out does: consistent hashing sends a
 * leaving member's identities back to the members that held them before, whose graphs still hold
 * them marked deleted (labels are never reused, see CollectionIndex); re-inserting them costs
 * 2.5–3× a fresh insert there (bench/rebalance README) and grows the graph by dead nodes.
 *
 * The revive decision must replay exactly: it depends on this map, the index's vectors (deleted
 * ones included, which the index file keeps) and the incoming face, so the map is part of a
 * snapshot's metadata (CollectionMeta.freedFaces) and changes only by the collection's logged ops.
 * Only the newest freed node of a face is kept, and an entry is used up by the face's next add,
 * revived or not: at most one entry per face ever removed and not added again.
 */
export class FreedFaces {
  private readonly byFace = new SegmentedMap<FreedFace>();

  constructor(tuples: readonly FreedFaceTuple[] = []) {
    for (const [label, identityId, faceId, pinned] of tuples) this.byFace.set(faceKey(identityId, faceId), { label, pinned: pinned === 1 });
  }

  /** The face's node was marked deleted under `label`. */
  note(identityId: string, faceId: string, label: number, pinned: boolean): void {
    this.byFace.set(faceKey(identityId, faceId), { label, pinned });
  }

  /** The face's freed node, if any, forgotten from here on (the face is being added again). */
  take(identityId: string, faceId: string): FreedFace | undefined {
    if (this.byFace.size === 0) return undefined;
    const key = faceKey(identityId, faceId);
    const freed = this.byFace.get(key);
    if (freed !== undefined) this.byFace.delete(key);
    return freed;
  }

  get size(): number {
    return this.byFace.size;
  }

  /** As a snapshot keeps them, made as they are iterated (a snapshot packs them in slices; valid while nothing changes). */
  *tuples(): IterableIterator<FreedFaceTuple> {
    for (const [key, { label, pinned }] of this.byFace) {
      const at = key.indexOf('\u0000');
      yield [label, key.slice(0, at), key.slice(at + 1), pinned ? 1 : 0];
    }
  }
}

// Ids match NAME_PATTERN (no NUL), so the key is unambiguous.
function faceKey(identityId: string, faceId: string): string {
  return `${identityId}\u0000${faceId}`;
}
