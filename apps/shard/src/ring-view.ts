import type { ClusterMetadataStore } from '@faceshard/cluster';

/** The newest ring epoch this shard has heard of, kept current by the metadata store's watch. */
export class RingView {
  private latest = 0;
  private stopWatching?: () => void;

  get epoch(): number {
    return this.latest;
  }

  /** Epochs only go up: a late or repeated notification never moves the fence back. */
  observe(epoch: number): void {
    if (epoch > this.latest) this.latest = epoch;
  }

  async follow(metadata: ClusterMetadataStore): Promise<void> {
    this.stopWatching = await metadata.watchRing((ring) => this.observe(ring.epoch));
  }

  stop(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
  }
}
