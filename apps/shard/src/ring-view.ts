import type { ClusterMetadataStore } from '@faceshard/cluster';

/** The newest ring epoch this shard has heard of, kept current by the metadata store's watch. */
export class RingView {
  private latest = 0;
  private incarnation: string | null = null;
  private stopWatching?: () => void;

  get epoch(): number {
    return this.latest;
  }

  /**
   * Epochs only go up: a late or repeated notification never moves the fence back. Except in a
   * new life of the metadata store (a lost bucket re-created, epochs starting again at 0): then
   * the new incarnation's epoch is adopted, or every write placed by it would be refused.
   */
  observe(epoch: number, incarnation: string | null = this.incarnation): void {
    if (incarnation !== this.incarnation) {
      this.incarnation = incarnation;
      this.latest = epoch;
    } else if (epoch > this.latest) this.latest = epoch;
  }

  async follow(metadata: ClusterMetadataStore): Promise<void> {
    this.stopWatching = await metadata.watchRing((ring) => this.observe(ring.epoch, metadata.incarnation));
  }

  stop(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
  }
}
