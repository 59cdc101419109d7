import type { ClusterMetadataStore } from '@faceshard/cluster';
import type { ShardStore } from '@faceshard/index';
import { holdingsKey, type ShardHoldings } from '@faceshard/rebalance';

/**
 * Records in the metadata store how many identities this shard holds, when it changes (checked
 * every `everyMs`). An operator removing a dead shard with ?force=true is then told how many
 * identities went with it (as of its last report), where asking the shard itself is impossible.
 */
export class HoldingsReporter {
  private timer: NodeJS.Timeout | null = null;
  private revision: number | null = null;
  private reported: number | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly store: ShardStore,
    private readonly metadata: ClusterMetadataStore,
    private readonly shardId: string,
    private readonly everyMs: number,
  ) {}

  start(): void {
    if (this.timer || this.everyMs <= 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.reportOnce()
        .catch(() => undefined) // the next round tries again
        .finally(() => (this.running = null));
    }, this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  async reportOnce(): Promise<void> {
    const identities = this.store.stats().reduce((n, c) => n + c.identities, 0);
    if (identities === this.reported) return;
    const key = holdingsKey(this.shardId);
    if (this.revision === null) this.revision = (await this.metadata.readDoc<ShardHoldings>(key))?.revision ?? null;
    const holdings: ShardHoldings = { shardId: this.shardId, identities, reportedAt: new Date().toISOString() };
    const written = await this.metadata.writeDoc(key, holdings, this.revision);
    if (written === null) {
      this.revision = (await this.metadata.readDoc<ShardHoldings>(key))?.revision ?? null; // written by an earlier life: retry next round
      return;
    }
    this.revision = written;
    this.reported = identities;
  }
}
