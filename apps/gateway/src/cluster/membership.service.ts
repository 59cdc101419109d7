import { Inject, Injectable } from '@nestjs/common';
import type { ClusterMetadataStore } from '@faceshard/cluster';
import { FaceshardError, type ShardStats } from '@faceshard/contracts';
import { forgetMember, holdingsKey, requestLeave, stateOf, type ShardHoldings } from '@faceshard/rebalance';
import { METADATA_STORE } from '../gateway.tokens';
import { ShardClient } from './shard-client.service';

/** Operator changes of membership: drain a shard (a move streams its data out), or remove a dead one. */
@Injectable()
export class MembershipService {
  constructor(
    @Inject(METADATA_STORE) private readonly metadata: ClusterMetadataStore,
    private readonly shards: ShardClient,
  ) {}

  /** Marks the shard `leaving`; the coordinator moves its identities out, then the shard exits. */
  async drain(shardId: string) {
    const ring = await this.metadata.changeRing((r) => requestLeave(r, shardId));
    return { shardId, state: stateOf(ring, shardId), ringEpoch: ring.epoch };
  }

  /**
   * Takes a member off the ring at once, moving nothing. Its identities are the only copy
   * (no replicas yet), so this is refused (DATA_WOULD_BE_LOST) unless it holds none or `force`
   * is given; the answer says how many identities were lost (null: the shard could not be asked).
   */
  async remove(shardId: string, force: boolean) {
    if (stateOf(await this.metadata.readRing(), shardId) === null) {
      throw new FaceshardError('MEMBER_NOT_FOUND', `shard ${shardId} is not a member of the cluster`, { shardId });
    }
    const asked = await this.identitiesHeld(shardId);
    // A dead shard cannot be asked: what it last recorded holding (HoldingsReporter) stands in.
    const reported = asked === null ? await this.lastReported(shardId) : null;
    const held = asked ?? reported?.identities ?? null;
    const asOf = asked !== null ? 'now' : (reported?.reportedAt ?? null);
    if (held !== 0 && !force) {
      throw new FaceshardError(
        'DATA_WOULD_BE_LOST',
        held === null
          ? `shard ${shardId} cannot be asked how many identities it holds; they are the only copy. Drain it (POST .../drain) or remove it with ?force=true`
          : `shard ${shardId} holds the only copy of ${held} identities${asked === null ? ` (its last report, ${asOf})` : ''}. Drain it (POST .../drain) or remove it with ?force=true`,
        { shardId, identities: held, identitiesAsOf: asOf },
      );
    }
    const ring = await this.metadata.changeRing((r) => forgetMember(r, shardId));
    await this.metadata.deleteDoc(holdingsKey(shardId)).catch(() => undefined);
    return { shardId, removed: true, identitiesLost: held, identitiesAsOf: asOf, ringEpoch: ring.epoch };
  }

  private async lastReported(shardId: string): Promise<ShardHoldings | null> {
    const doc = await this.metadata.readDoc<ShardHoldings>(holdingsKey(shardId)).catch(() => null);
    return doc && Number.isInteger(doc.value.identities) ? doc.value : null;
  }

  private async identitiesHeld(shardId: string): Promise<number | null> {
    try {
      const stats = (await this.shards.read(shardId, 'stats', {}, 2000)) as ShardStats;
      return stats.collections.reduce((n, c) => n + c.identities, 0);
    } catch {
      return null;
    }
  }
}
