import HashRing from 'hashring';
import { FaceshardError, type RingState } from '@faceshard/contracts';

/**
 * hashring's "vnode": one md5 digest of `<member>-<i>`, cut into 4 points on the 32-bit
 * continuum (ketama). So a member owns vnodesPerMember * 4 points.
 */
export const POINTS_PER_VNODE = 4;

/**
 * 160 vnodes = 640 points per member. The spread of per-member load shrinks like
 * 1/sqrt(points). Measured over 100k ids: with ketama's default 40 vnodes (160 points) the
 * busiest of 16 shards held 1.21x the mean and the lightest 0.79x; with 160 vnodes, 1.07x and
 * 0.93x. A shard's memory and search latency follow its share of identities, so the busiest
 * shard sets the cluster's capacity. The price is 640*N points built once per epoch and a
 * binary search per lookup, negligible next to an HNSW search. The balance test in
 * ring-placement.spec.ts holds every member within 15% of the mean.
 */
export const DEFAULT_VNODES_PER_MEMBER = 160;

export interface RingPlacementOptions {
  vnodesPerMember?: number;
}

/**
 * Which shard owns which identity, for one ring epoch. Immutable: a new epoch is a new
 * RingPlacement. Deterministic: built from the member SET (sorted, deduplicated), with md5
 * so every process, on every platform, computes the same continuum.
 */
export class RingPlacement {
  readonly epoch: number;
  readonly members: readonly string[];
  readonly vnodesPerMember: number;
  private readonly ring: HashRing | null;

  constructor(state: RingState, opts: RingPlacementOptions = {}) {
    const vnodes = opts.vnodesPerMember ?? DEFAULT_VNODES_PER_MEMBER;
    if (!Number.isInteger(vnodes) || vnodes < 1) {
      throw new FaceshardError('VALIDATION_FAILED', `vnodesPerMember must be a positive integer, got ${vnodes}`);
    }
    if (!Number.isInteger(state.epoch) || state.epoch < 0) {
      throw new FaceshardError('VALIDATION_FAILED', `ring epoch must be a non-negative integer, got ${state.epoch}`);
    }
    for (const m of state.members) {
      if (typeof m !== 'string' || m.length === 0) {
        throw new FaceshardError('VALIDATION_FAILED', `ring member ids must be non-empty strings, got ${JSON.stringify(m)}`);
      }
    }
    // Sorting makes the construction order, and so the order among (rare) colliding points,
    // a function of the set alone.
    const members = [...new Set(state.members)].sort();
    this.epoch = state.epoch;
    this.members = Object.freeze(members);
    this.vnodesPerMember = vnodes;
    this.ring = members.length === 0 ? null : buildRing(members, vnodes);
  }

  /** The one shard that owns this identity in this epoch. */
  ownerOf(identityId: string): string {
    if (!this.ring) throw noShards(this.epoch);
    // range(), not get(): get() goes through hashring's LRU cache, a plain object keyed by
    // the id, so ids like "constructor" or "toString" hit Object.prototype members, and
    // caching them writes the owner onto those shared functions (visible to every ring, of
    // every epoch). range() never touches the cache.
    const owner = this.ring.range(identityId, 1, true)[0];
    // Cannot happen with a non-empty ring; checked so a library change cannot fail silently.
    if (owner === undefined) throw new FaceshardError('INTERNAL', `hash ring returned no owner for ${identityId}`);
    return owner;
  }

  /**
   * The first `replicas` distinct members clockwise from the identity's point; the first is
   * always ownerOf(identityId). Fewer when the ring has fewer members.
   */
  ownersOf(identityId: string, replicas: number): string[] {
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new FaceshardError('VALIDATION_FAILED', `replicas must be a positive integer, got ${replicas}`);
    }
    if (!this.ring) throw noShards(this.epoch);
    // hashring treats size 0 as "all"; replicas >= 1 here, capped at the member count.
    return this.ring.range(identityId, Math.min(replicas, this.members.length), true);
  }

  /** The state this placement was built from (members sorted). */
  toState(): RingState {
    return { epoch: this.epoch, members: [...this.members] };
  }
}

function buildRing(members: string[], vnodes: number): HashRing {
  // Per-member `{ vnodes }` AND a global 'vnode count' that differs from it: only then does
  // hashring use exactly `vnodes` digests per member. With equal values it falls back to
  // floor(weight/total * vnodes * N), which floating point can round down by one depending
  // on N, so adding a member would also shuffle keys between the old members.
  const servers: Record<string, { vnodes: number }> = Object.create(null);
  for (const m of members) servers[m] = { vnodes };
  return new HashRing(servers, 'md5', { 'vnode count': 0, replicas: POINTS_PER_VNODE });
}

function noShards(epoch: number): FaceshardError {
  return new FaceshardError('NO_SHARDS', 'the ring has no shards: no shard has registered yet', { epoch });
}
