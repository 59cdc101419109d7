import { Injectable } from '@nestjs/common';
import type { ShardStats } from '@faceshard/contracts';
import { RingService } from './ring.service';
import { ShardClient } from './shard-client.service';
import { ShardHealthService } from './shard-health.service';

/** What an operator wants on one page: members, their liveness, ring epoch, per-shard counts. */
@Injectable()
export class ClusterStatusService {
  constructor(
    private readonly ring: RingService,
    private readonly health: ShardHealthService,
    private readonly shards: ShardClient,
  ) {}

  async describe() {
    const ring = this.ring.current();
    const statuses = this.health.statuses([...ring.members]);
    const stats = await Promise.allSettled(ring.members.map((shardId) => this.shards.read(shardId, 'stats', {})));
    return {
      ringEpoch: ring.epoch,
      members: statuses.map((status, i) => {
        const answer = stats[i];
        const collections = answer.status === 'fulfilled' ? (answer.value as ShardStats).collections : null;
        return { ...status, collections };
      }),
    };
  }
}
