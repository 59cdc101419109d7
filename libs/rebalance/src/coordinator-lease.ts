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
