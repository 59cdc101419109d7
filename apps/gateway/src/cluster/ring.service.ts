import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ClusterMetadataStore } from '@faceshard/cluster';
import { RingPlacement } from '@faceshard/ring';
import { METADATA_STORE } from '../gateway.tokens';

/**
 * This gateway's view of the ring. It follows the shared metadata store, so every gateway
 * converges on the same epoch (and so the same placement) within one watch round-trip.
 */
@Injectable()
export class RingService implements OnModuleInit, OnApplicationShutdown {
  private placement = new RingPlacement({ epoch: 0, members: [] });
  private stopWatching?: () => void;

  constructor(@Inject(METADATA_STORE) private readonly metadata: ClusterMetadataStore) {}

  async onModuleInit(): Promise<void> {
    this.adopt(await this.metadata.readRing());
    this.stopWatching = await this.metadata.watchRing((ring) => this.adopt(ring));
  }

  onApplicationShutdown(): void {
    this.stopWatching?.();
  }

  current(): RingPlacement {
    return this.placement;
  }

  /** Re-read now, for callers that must not act on a ring older than the store's. */
  async refresh(): Promise<RingPlacement> {
    this.adopt(await this.metadata.readRing());
    return this.placement;
  }

  private adopt(ring: { epoch: number; members: string[] }): void {
    // Watches may deliver out of order with a concurrent refresh(); never step back in time.
    if (ring.epoch >= this.placement.epoch) this.placement = new RingPlacement(ring);
  }
}
