/**
 * What a shard holds for one identity id: a live identity or a tombstone, with its version.
 * No stamp at all means the shard has never heard of the id (or purged its tombstone).
 */
export interface VersionStamp {
  version: number;
  deleted: boolean;
}

/**
 * The merge rule of versioned copies ("newest version wins"): an incoming copy replaces what is
 * held only if its version is higher. The same version again is the same write arriving twice
 * (a retried chunk, a copy streamed after a dual write) and changes nothing. The one tie that can
 * mean two different writes (two owners during a move stamping the same clock value) is settled
 * for the delete: a tombstone beats a live copy of equal version, so a delete is never undone.
 */
export function incomingWins(held: VersionStamp | undefined, incoming: VersionStamp): boolean {
  if (held === undefined) return true;
  if (incoming.version !== held.version) return incoming.version > held.version;
  return incoming.deleted && !held.deleted;
}

/** Versions are safe non-negative integers (0: data from before versions existed). */
export function isValidVersion(version: unknown): version is number {
  return typeof version === 'number' && Number.isSafeInteger(version) && version >= 0;
}

/**
 * Assigns versions to client writes, hybrid-logical-clock style: higher than anything the
 * identity had (live or tombstone), higher than anything this shard assigned or received, and at
 * least the wall clock in microseconds-ish units (ms × 1000). So versions grow per identity even
 * when its owner changes: a new owner's clock is close to the old one's, and a copy it received
 * raised its floor. 1000 per ms keeps the value a safe integer for the next ~200 years.
 */
export class VersionClock {
  private last = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A version above `floor` (the identity's current version or tombstone) and above every earlier one. */
  next(floor: number): number {
    const version = Math.max(floor + 1, this.last + 1, Math.floor(this.now()) * 1000);
    this.last = version;
    return version;
  }

  /** Versions seen elsewhere (replayed, received in a copy) are never handed out again. */
  observe(version: number): void {
    if (version > this.last) this.last = version;
  }

  get lastAssigned(): number {
    return this.last;
  }
}
