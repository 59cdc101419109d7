import type { ClusterMetadataStore } from '@faceshard/cluster';
import { leaseFor, type LeaseRecord } from '@faceshard/rebalance';

export const LEASE_KEY = 'lease.coordinator';

/** The coordinator lease in the metadata store: taken and renewed by compare-and-set. */
export class CoordinatorLease {
  private heldUntilMs = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly metadata: ClusterMetadataStore,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while this process's lease has not expired by its own clock. */
  get held(): boolean {
    return this.now() < this.heldUntilMs;
  }

  /** Takes or renews the lease; false when another live holder has it (or a racer won). */
  async acquire(): Promise<boolean> {
    const current = await this.metadata.readDoc<LeaseRecord>(LEASE_KEY);
    const now = this.now();
    const next = leaseFor(current?.value ?? null, this.holder, now, this.ttlMs);
    if (next === null) return false;
    const revision = await this.metadata.writeDoc(LEASE_KEY, next, current?.revision ?? null);
    if (revision === null) return false;
    // Our own view ends a margin before the stored expiry, so we stop before anyone else may start.
    this.heldUntilMs = now + this.ttlMs * 0.8;
    this.keepRenewing();
    return true;
  }

  async release(): Promise<void> {
    this.stopRenewing();
    if (this.heldUntilMs === 0) return;
    this.heldUntilMs = 0;
    const current = await this.metadata.readDoc<LeaseRecord>(LEASE_KEY);
    if (current?.value.holder === this.holder) await this.metadata.writeDoc(LEASE_KEY, { holder: this.holder, expiresAtMs: 0 }, current.revision);
  }

  stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private keepRenewing(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.acquire()
        .then((ok) => {
          if (!ok) {
            this.heldUntilMs = 0;
            this.stopRenewing();
          }
        })
        .catch(() => undefined);
    }, Math.max(100, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }
}
