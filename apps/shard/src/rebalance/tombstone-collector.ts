import type { ShardStore } from '@faceshard/index';
import { collectableTombstones } from '@faceshard/rebalance';
import type { RingView } from '../ring-view';

/** Tombstones purged per store call: a short hold of the store's write lock each. */
const PURGE_BATCH = 1000;

/**
 * Forgets the tombstones every copy agrees on (libs/rebalance tombstone-gc.ts decides which),
 * every `everyMs`, against the ring this shard holds: never one a move in flight covers, never one
 * younger than `graceMs`. Each purge names the version it decided on, so a delete made meanwhile
 * keeps its newer tombstone.
 */
export class TombstoneCollector {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly store: ShardStore,
    private readonly ring: RingView,
    private readonly options: { everyMs: number; graceMs: number; now?: () => number },
    private readonly log: (event: Record<string, unknown>) => void = (e) => console.log(JSON.stringify(e)),
  ) {}

  start(): void {
    if (this.timer || this.options.everyMs <= 0) return;
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.collectOnce().catch((error: unknown) => {
        this.log({ event: 'tombstone-gc-failed', message: error instanceof Error ? error.message : String(error) });
        return 0;
      }).finally(() => (this.running = null));
    }, this.options.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass over every collection; returns how many tombstones were purged. */
  async collectOnce(): Promise<number> {
    let purged = 0;
    const nowMs = (this.options.now ?? Date.now)();
    for (const spec of this.store.listCollections()) {
      const tombstones = this.store.tombstones(spec.name);
      const collectable = new Set(collectableTombstones(tombstones, { nowMs, graceMs: this.options.graceMs, ring: this.ring.current.state }));
      const chosen = tombstones.filter((t) => collectable.has(t.identityId));
      for (let start = 0; start < chosen.length; start += PURGE_BATCH) {
        const batch = chosen.slice(start, start + PURGE_BATCH);
        purged += await this.store.purgeTombstones(
          spec.name,
          batch.map((t) => t.identityId),
          { generation: spec.generation ?? 0, upToVersions: batch.map((t) => t.version) },
        );
      }
      if (chosen.length > 0) this.log({ event: 'tombstone-gc', collection: spec.name, purged: chosen.length, kept: tombstones.length - chosen.length });
    }
    return purged;
  }
}
