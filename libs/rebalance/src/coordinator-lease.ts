import type { RingState } from '@faceshard/contracts';

/**
 * Only one coordinator drives moves at a time: it holds a lease in the metadata store (a CAS
 * document) that it renews well before it expires. A coordinator that dies (kill -9) stops
 * renewing; after the TTL another process takes the lease over and resumes the move from the
 * persisted progress. Times are wall-clock milliseconds of the processes involved: clock skew
 * between them shortens or lengthens the TTL by the skew (keep TTL >> expected skew).
 */
export interface LeaseRecord {
  holder: string;
  expiresAtMs: number;
}

/** The record to write for `holder` now (taking or renewing), or null while another holder's lease is live. */
export function leaseFor(current: LeaseRecord | null, holder: string, nowMs: number, ttlMs: number): LeaseRecord | null {
  if (current !== null && current.holder !== holder && current.expiresAtMs > nowMs) return null;
  return { holder, expiresAtMs: nowMs + ttlMs };
}

/**
 * Whether `shardId` should leave the lease to a member of the read ring for now: true for a shard
 * outside it (a joiner, which only receives) while the ring has members. The coordinator relays
 * every chunk through its own event loop (decoded from the source, encoded again for the receiver,
 * which decodes it once more), and on a receiver that competes with the HNSW inserts that are the
 * floor of a move; a joiner that sees its own join first took the lease in every bench:rebalance
 * run. Standing back is not waiting forever: see MoveCoordinator (after a lease TTL it tries too).
 */
export function standsBackFromLease(ring: Pick<RingState, 'members'>, shardId: string): boolean {
  return ring.members.length > 0 && !ring.members.includes(shardId);
}
