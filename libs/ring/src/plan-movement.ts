import type { RingPlacement } from './ring-placement';

export interface Movement {
  from: string;
  to: string;
}

/**
 * Which of `ids` change owner between two placements (the rebalancing work list).
 * Ids whose owner is unchanged are absent. Pure; throws NO_SHARDS if either ring is empty
 * while ids remain (there is no owner to move from or to).
 */
export function planMovement(from: RingPlacement, to: RingPlacement, ids: Iterable<string>): Map<string, Movement> {
  const moves = new Map<string, Movement>();
  for (const id of ids) {
    if (moves.has(id)) continue;
    const a = from.ownerOf(id);
    const b = to.ownerOf(id);
    if (a !== b) moves.set(id, { from: a, to: b });
  }
  return moves;
}
