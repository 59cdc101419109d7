import type { RingState } from '@faceshard/contracts';
import { RingPlacement } from '@faceshard/ring';

/**
 * The rings a state routes by. Reads (get, search) use the read ring, `members`. Writes go to
 * the owner under EACH write ring: during a move, until the write ring is committed, both the
 * old ring and the new one (Qdrant's resharding does the same), so whichever ring reads use,
 * its owner has every acknowledged write.
 */
export function writeRingsOf(ring: RingState): string[][] {
  const move = ring.move;
  if (!move) return [ring.members];
  if (move.stage === 'finalize') return [move.to];
  return [move.from, move.to];
}

/**
 * Placements of one ring state, built once per epoch (building a ring hashes 160 vnodes per
 * member). `readOwner` places gets and searches; `writeOwners` lists every shard a write must
 * reach, the read owner first.
 */
export class RingRouting {
  readonly epoch: number;
  readonly read: RingPlacement;
  readonly writes: RingPlacement[];

  constructor(readonly state: RingState) {
    this.epoch = state.epoch;
    this.read = new RingPlacement({ epoch: state.epoch, members: state.members });
    this.writes = writeRingsOf(state).map((members) =>
      sameMembers(members, state.members) ? this.read : new RingPlacement({ epoch: state.epoch, members }),
    );
  }

  get members(): readonly string[] {
    return this.read.members;
  }

  readOwner(identityId: string): string {
    return this.read.ownerOf(identityId);
  }

  /** The read owner (the one owner outside a move): what code written before moves calls. */
  ownerOf(identityId: string): string {
    return this.read.ownerOf(identityId);
  }

  /** Distinct owners under every write ring (one outside a move, at most two during one). */
  writeOwners(identityId: string): string[] {
    const owners: string[] = [];
    for (const ring of this.writes) {
      const owner = ring.ownerOf(identityId);
      if (!owners.includes(owner)) owners.push(owner);
    }
    return owners;
  }

  /**
   * The shard-side ownership rule during a move: a shard accepts a write of an id if the read
   * ring OR a write ring places the id on it.
   */
  accepts(shardId: string, identityId: string): boolean {
    if (this.read.members.length > 0 && this.read.ownerOf(identityId) === shardId) return true;
    return this.writes.some((ring) => ring.members.length > 0 && ring.ownerOf(identityId) === shardId);
  }
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((m, i) => m === sb[i]);
}
