import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ClusterMetadataStore } from '@faceshard/cluster';
import { FACE_CACHE } from '../cache/face-cache.provider';
import type { FaceCache } from '../cache/face-cache';
import { FacePipelineService } from '../faces/face-pipeline.service';
import type { ShardStats } from '@faceshard/contracts';
import { memberStatesOf, movingSources, progressRate, type SourceProgress } from '@faceshard/rebalance';
import { METADATA_STORE } from '../gateway.tokens';
import { RingService } from './ring.service';
import { ShardClient } from './shard-client.service';
import { ShardHealthService } from './shard-health.service';

/**
 * What an operator wants on one page: members with their state (joining/active/leaving) and
 * liveness, the ring epochs (read and write), per-shard counts, and the move in progress with
 * identities moved / to move per source, rate and ETA.
 */
@Injectable()
export class ClusterStatusService {
  constructor(
    private readonly ring: RingService,
    private readonly health: ShardHealthService,
    private readonly shards: ShardClient,
    @Inject(METADATA_STORE) private readonly metadata: ClusterMetadataStore,
    @Optional() @Inject(FACE_CACHE) private readonly cache?: FaceCache,
    @Optional() private readonly pipeline?: FacePipelineService,
  ) {}

  /** The face API's parts: models loaded, cache ok / degraded / off. */
  faces() {
    return { modelsLoaded: this.pipeline?.ready ?? false, cache: this.cache?.status() ?? { kind: 'off', state: 'off' } };
  }

  async describe() {
    const routing = this.ring.current();
    const state = routing.state;
    const members = memberStatesOf(state);
    const ids = members.map((m) => m.shardId);
    const statuses = this.health.statuses(ids);
    const stats = await Promise.allSettled(ids.map((shardId) => this.shards.read(shardId, 'stats', {})));
    return {
      ringEpoch: state.epoch,
      readEpoch: state.readEpoch ?? null,
      writeEpoch: state.writeEpoch ?? null,
      /** The read ring: the members that answer gets and searches. */
      readMembers: [...state.members],
      faces: this.faces(),
      members: statuses.map((status, i) => {
        const answer = stats[i];
        const collections = answer.status === 'fulfilled' ? (answer.value as ShardStats).collections : null;
        const storage = answer.status === 'fulfilled' ? ((answer.value as ShardStats).storage ?? null) : null;
        return { ...status, state: members[i].state, collections, storage };
      }),
      move: state.move ? { ...(await this.describeMove(state.move)), revivedFaces: revivedOn(state.move.to, ids, stats) } : null,
    };
  }

  /** The move's progress per source, from the cluster metadata (also read by the move gauges at scrape time). */
  async describeMove(move: NonNullable<ReturnType<RingService['current']>['state']['move']>) {
    const now = new Date();
    const sources = await Promise.all(
      movingSources(move.from, move.to).map(async (source) => {
        const doc = await this.metadata.readDoc<SourceProgress>(`progress.${move.id}.${source}`).catch(() => null);
        if (!doc) return { source, moved: 0, toMove: null, done: false, perSecond: 0, etaSeconds: null };
        const { perSecond, etaSeconds } = progressRate(doc.value, now);
        return {
          source,
          moved: doc.value.moved,
          toMove: doc.value.toMove,
          done: doc.value.done,
          perSecond: Math.round(perSecond),
          etaSeconds: etaSeconds === null ? null : Math.round(etaSeconds * 10) / 10,
        };
      }),
    );
    return { id: move.id, stage: move.stage, from: move.from, to: move.to, startedAt: move.startedAt, sources };
  }
}

/**
 * Faces the move's receivers (the members of its new ring) brought back by unmarkDelete instead
 * of inserting them, summed over their collections: each shard counts since its process started
 * (not persisted), so a move that revives (the leave of a member that joined) shows here how much
 * of it was revives. Null while none of them answered its stats.
 */
function revivedOn(receivers: readonly string[], ids: readonly string[], stats: PromiseSettledResult<ShardStats>[]): number | null {
  let total: number | null = null;
  ids.forEach((shardId, i) => {
    const answer = stats[i];
    if (!receivers.includes(shardId) || answer.status !== 'fulfilled') return;
    total = (total ?? 0) + answer.value.collections.reduce((sum, c) => sum + (c.revivedFaces ?? 0), 0);
  });
  return total;
}
