import { FaceshardError, type SearchHit } from '@faceshard/contracts';

/**
 * Exact merge of per-shard top-k lists into the global top-k.
 *
 * Exact because every identity lives on exactly one owner shard in an epoch, so each shard's
 * own top-k contains every one of its hits that can reach the global top-k. An identity can
 * still appear twice (from two shards while the ring is changing, or from replicas later): it
 * is kept once, with its best score. Hits whose score is not a number (NaN) are dropped: they
 * cannot be ordered and must never reach a client.
 *
 * Order: score descending, then identityId ascending by UTF-16 code units (not locale
 * collation), so the result is the same in every process.
 */
export function mergeTopK(perShard: SearchHit[][], k: number): SearchHit[] {
  if (!Number.isInteger(k) || k < 0) {
    throw new FaceshardError('VALIDATION_FAILED', `k must be a non-negative integer, got ${k}`);
  }
  if (k === 0) return [];
  const best = new Map<string, SearchHit>();
  for (const hits of perShard) {
    for (const hit of hits) {
      if (typeof hit.score !== 'number' || Number.isNaN(hit.score)) continue;
      const kept = best.get(hit.identityId);
      if (kept === undefined || betterDuplicate(hit, kept)) best.set(hit.identityId, hit);
    }
  }
  return [...best.values()].sort(compareHits).slice(0, k);
}

/** Result order: score desc, then identityId asc. */
export function compareHits(a: SearchHit, b: SearchHit): number {
  if (a.score !== b.score) return b.score - a.score;
  return compareCodeUnits(a.identityId, b.identityId);
}

/** Between two hits of one identity: the higher score; on a tie, a fixed rule so the pick is deterministic. */
function betterDuplicate(candidate: SearchHit, kept: SearchHit): boolean {
  if (candidate.score !== kept.score) return candidate.score > kept.score;
  const byFace = compareCodeUnits(candidate.faceId, kept.faceId);
  if (byFace !== 0) return byFace < 0;
  const byShard = compareCodeUnits(candidate.shardId ?? '', kept.shardId ?? '');
  if (byShard !== 0) return byShard < 0;
  // 0 === -0: prefer +0 so even that pick does not depend on arrival order.
  return Object.is(kept.score, -0) && !Object.is(candidate.score, -0);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
