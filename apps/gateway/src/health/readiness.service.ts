import { Injectable } from '@nestjs/common';
import { RingService } from '../cluster/ring.service';
import { ShardHealthService } from '../cluster/shard-health.service';

/** One condition of readiness: ok or not, and a line for the operator. */
export interface ReadinessCheck {
  ok: boolean;
  detail: string;
}

/**
 * Whether this gateway should get traffic (`GET /health/ready`). Built in: the metadata watch
 * runs, and the shards are known and reachable. Other parts add their own condition with
 * register() (the face API: "models loaded").
 */
@Injectable()
export class ReadinessService {
  private readonly extra = new Map<string, () => ReadinessCheck | Promise<ReadinessCheck>>();

  constructor(
    private readonly ring: RingService,
    private readonly health: ShardHealthService,
  ) {}

  /** Adds (or replaces) a named condition; it is asked on every readiness probe, so keep it cheap. */
  register(name: string, check: () => ReadinessCheck | Promise<ReadinessCheck>): void {
    this.extra.set(name, check);
  }

  async evaluate(): Promise<{ ready: boolean; checks: Record<string, ReadinessCheck> }> {
    const checks: Record<string, ReadinessCheck> = {
      metadata: this.ring.isWatching()
        ? { ok: true, detail: `following the ring (epoch ${this.ring.current().epoch})` }
        : { ok: false, detail: 'not (yet) watching the cluster metadata' },
      shards: this.shards(),
    };
    for (const [name, check] of this.extra) {
      try {
        checks[name] = await check();
      } catch (error) {
        checks[name] = { ok: false, detail: `check failed: ${(error as Error)?.message ?? String(error)}` };
      }
    }
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }

  /**
   * Known and reachable: the ring has members, this gateway has heard every one of them at
   * least once since it started, and at least one is up now. A shard that dies later does not
   * make gateways unready (every gateway would be, and searches answer partial explicitly).
   */
  private shards(): ReadinessCheck {
    const members = [...this.ring.current().members];
    if (members.length === 0) return { ok: false, detail: 'no shard has joined the ring yet' };
    const statuses = this.health.statuses(members);
    const neverHeard = statuses.filter((s) => s.lastHeartbeatMs === null).map((s) => s.shardId);
    if (neverHeard.length > 0) return { ok: false, detail: `no heartbeat yet from ${neverHeard.join(', ')}` };
    const up = statuses.filter((s) => s.health === 'up').length;
    if (up === 0) return { ok: false, detail: `none of the ${members.length} shard(s) is up` };
    return { ok: true, detail: `${up} of ${members.length} shard(s) up` };
  }
}
