import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ClusterMetadataStore } from '@faceshard/cluster';
import type { RingState } from '@faceshard/contracts';
import { RingRouting } from '@faceshard/rebalance';
import { METADATA_STORE } from '../gateway.tokens';

/**
 * This gateway's view of the ring. It follows the shared metadata store, so every gateway
 * converges on the same epoch (and so the same placement) within one watch round-trip.
 * During a move the routing has a read ring (gets, searches) and write rings (a write goes to
 * the owner under each), see libs/rebalance.
 */
@Injectable()
export class RingService implements OnModuleInit, OnApplicationShutdown {
  private routing = new RingRouting({ epoch: 0, members: [] });
  /** The metadata store's incarnation the current routing came from. */
  private incarnation: string | null = null;
  private stopWatching?: () => void;

  constructor(@Inject(METADATA_STORE) private readonly metadata: ClusterMetadataStore) {}

  async onModuleInit(): Promise<void> {
    this.adopt(await this.metadata.readRing());
    this.stopWatching = await this.metadata.watchRing((ring) => this.adopt(ring));
  }

  onApplicationShutdown(): void {
    this.stopWatching?.();
  }

  /** True once the metadata watch runs (readiness). */
  isWatching(): boolean {
    return this.stopWatching !== undefined;
  }

  current(): RingRouting {
    return this.routing;
  }

  /** Re-read now, for callers that must not act on a ring older than the store's. */
  async refresh(): Promise<RingRouting> {
    this.adopt(await this.metadata.readRing());
    return this.routing;
  }

  private adopt(ring: RingState): void {
    // Watches may deliver out of order with a concurrent refresh(); never step back in time,
    // except into a new life of the store: a bucket lost and re-created starts again at epoch 0,
    // and refusing its lower epochs would leave this gateway on a ring nobody maintains.
    const incarnation = this.metadata.incarnation;
    if (incarnation !== this.incarnation || ring.epoch >= this.routing.epoch) {
      this.routing = new RingRouting(ring);
      this.incarnation = incarnation;
    }
  }
}
