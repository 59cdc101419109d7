/**
 * hnswlib answers per vector; faceshard answers per identity. These helpers turn one
 * neighbour list (labels with distances, nearest first) into the best face per identity.
 * Pure and generic over the owner type so they can be tested without an index.
 */
export interface IdentityBest<O> {
  owner: O;
  label: number;
  score: number;
}

export interface CollapsedNeighbours<O> {
  /** Best face per distinct owner, in order of first appearance. */
  best: IdentityBest<O>[];
  /** True if some neighbour scored below minScore: asking for more neighbours cannot add hits. */
  belowMinScore: boolean;
}

/**
 * Score = 1 - hnsw distance (space 'ip': distance = 1 - dot, so score = dot).
 * Labels without an owner (never expected: deleted labels are filtered by hnswlib) are skipped.
 */
export function collapseNeighbours<O>(
  neighbors: ArrayLike<number>,
  distances: ArrayLike<number>,
  ownerOf: (label: number) => O | undefined,
  minScore: number,
): CollapsedNeighbours<O> {
  const best: IdentityBest<O>[] = [];
  const slotByOwner = new Map<O, number>();
  let belowMinScore = false;
  for (let i = 0; i < neighbors.length; i++) {
    const label = neighbors[i];
    const score = 1 - distances[i];
    if (score < minScore) {
      belowMinScore = true;
      continue;
    }
    const owner = ownerOf(label);
    if (owner === undefined) continue;
    const slot = slotByOwner.get(owner);
    if (slot === undefined) {
      slotByOwner.set(owner, best.length);
      best.push({ owner, label, score });
    } else if (score > best[slot].score) {
      best[slot] = { owner, label, score };
    }
  }
  return { best, belowMinScore };
}

/** The k best, by score descending, ties broken by identity id ascending (stable across shards). */
export function rankBest<O>(best: IdentityBest<O>[], k: number, idOf: (owner: O) => string): IdentityBest<O>[] {
  const sorted = best.slice().sort((a, b) => {
    if (b.score !== a.score) return b.score - a.score;
    const ia = idOf(a.owner);
    const ib = idOf(b.owner);
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  });
  if (sorted.length > k) sorted.length = k;
  return sorted;
}

/** How many vectors to ask hnswlib for at first: enough for k identities at the average faces per identity. */
export function initialFetchCount(k: number, liveFaces: number, identitiesWithFaces: number): number {
  const facesPerIdentity = identitiesWithFaces > 0 ? liveFaces / identitiesWithFaces : 1;
  return Math.min(liveFaces, Math.max(k, Math.ceil(k * facesPerIdentity)));
}
