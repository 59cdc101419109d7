import { FaceshardError, type RingState } from '@faceshard/contracts';
import type { ClusterMetadataStore } from '@faceshard/cluster';
import { RingRouting } from '@faceshard/rebalance';

/**
 * The rings this shard knows (not just an epoch number): the newest state it has seen, from the
 * metadata store's watch and from reads it makes itself. Writes are checked per identity against
 * it (ownership.ts) under the store's write lock.
 *
 * The watch alone can lag a ring change by a round trip, and a write placed by a stale gateway
 * in that window would be accepted. So before a write is checked, catchUp() reads the ring from
 * the metadata store with a read that STARTED after the write arrived: every ring committed
 * before the write reached this shard is then known. Concurrent writes share reads (at most one
 * running and one queued), so the cost is one KV read per burst, not per write.
 */
export class RingView {
  private routing = new RingRouting({ epoch: 0, members: [] });
  private incarnation: string | null = null;
  private stopWatching?: () => void;
  private source?: Pick<ClusterMetadataStore, 'readRing' | 'incarnation'>;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  get epoch(): number {
    return this.routing.epoch;
  }

  get current(): RingRouting {
    return this.routing;
  }

  /**
   * Epochs only go up: a late or repeated notification never moves the view back. Except in a
   * new life of the metadata store (a lost bucket re-created, epochs starting again at 0): then
   * the new incarnation's ring is adopted, or every write placed by it would be refused.
   */
  observe(ring: RingState, incarnation: string | null = ring.incarnation ?? this.incarnation): void {
    if (incarnation !== this.incarnation) {
      this.incarnation = incarnation;
      this.routing = new RingRouting(ring);
    } else if (ring.epoch > this.routing.epoch) this.routing = new RingRouting(ring);
  }

  async follow(metadata: ClusterMetadataStore): Promise<void> {
    this.source = metadata;
    this.stopWatching = await metadata.watchRing((ring) => this.observe(ring, metadata.incarnation));
  }

  /** Resolves once a ring read that started after this call has been observed (no-op without a metadata store). */
  catchUp(): Promise<void> {
    if (!this.source) return Promise.resolve();
    if (!this.running) {
      this.running = this.readOnce().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    // A read is running, but it started before this call: wait for the next one.
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.catchUp();
      });
    return this.queued;
  }

  stop(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
  }

  private async readOnce(): Promise<void> {
    let ring: RingState;
    try {
      ring = await (this.source as Pick<ClusterMetadataStore, 'readRing'>).readRing();
    } catch (error) {
      // Refusing is safe (the gateway retries); accepting a write this shard may no longer own is not.
      throw new FaceshardError('SHARD_UNAVAILABLE', `cannot confirm the ring with the metadata store: ${(error as Error).message}`, { retryAfterRing: true });
    }
    this.observe(ring, this.source?.incarnation ?? null);
  }
}
