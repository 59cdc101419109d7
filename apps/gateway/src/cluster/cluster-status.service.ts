import { Inject, Injectable, Optional } from '@nestjs/common';
import { FACE_CACHE } from '../cache/face-cache.provider';
import type { FaceCache } from '../cache/face-cache';
import { FacePipelineService } from '../faces/face-pipeline.service';
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
    @Optional() @Inject(FACE_CACHE) private readonly cache?: FaceCache,
    @Optional() private readonly pipeline?: FacePipelineService,
  ) {}

  /** The face API's parts: models loaded, cache ok / degraded / off. */
  faces() {
    return { modelsLoaded: this.pipeline?.ready ?? false, cache: this.cache?.status() ?? { kind: 'off', state: 'off' } };
  }

  async describe() {
    const ring = this.ring.current();
    const statuses = this.health.statuses([...ring.members]);
    const stats = await Promise.allSettled(ring.members.map((shardId) => this.shards.read(shardId, 'stats', {})));
    return {
      ringEpoch: ring.epoch,
      faces: this.faces(),
      members: statuses.map((status, i) => {
        const answer = stats[i];
        const collections = answer.status === 'fulfilled' ? (answer.value as ShardStats).collections : null;
        return { ...status, collections };
      }),
    };
  }
}
