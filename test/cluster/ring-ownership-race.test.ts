import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JetStreamMetadataStore, metadataBucketName } from '@faceshard/cluster';
import { FaceshardError, type IdentityUpsert } from '@faceshard/contracts';
import { ShardStore } from '@faceshard/index';
import { RingPlacement } from '@faceshard/ring';
import { RingView } from '../../apps/shard/src/ring-view';
import { ShardService } from '../../apps/shard/src/shard.service';
import { makeTempDir, removeDir } from '../index/helpers';
import { testClusterName } from '../support/test-run';

/**
 * Issue 6 item 4 against the real JetStream KV: right after a ring change is committed (another
 * process adds a member), a write placed by the old ring for an id that moved must be refused by
 * its old owner, every time, although the KV watch may not have told the shard yet. (With the
 * watch-only epoch fence, 3 of 20 such writes were accepted.) Ids whose owner did not change are
 * still accepted from the same stale write.
 */
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ROUNDS = 20;

describe('shard ownership right after a ring change (real JetStream KV, real store)', () => {
  const cluster = testClusterName();
  const connections: NatsConnection[] = [];
  let shardMeta: JetStreamMetadataStore;
  let otherProcess: JetStreamMetadataStore;
  let view: RingView;
  let store: ShardStore;
  let dir: string;

  beforeAll(async () => {
    const open = async () => {
      const nc = await connect({ servers: NATS_URL });
      connections.push(nc);
      return JetStreamMetadataStore.open(nc, cluster);
    };
    shardMeta = await open();
    otherProcess = await open();
    await otherProcess.addMember('a');
    view = new RingView();
    await view.follow(shardMeta);
    dir = makeTempDir('ownership-race');
    store = await ShardStore.open({ dataDir: dir });
  });

  afterAll(async () => {
    view?.stop();
    await store?.close();
    if (dir) removeDir(dir);
    await shardMeta?.close();
    await otherProcess?.close();
    const jsm = await connections[0]?.jetstreamManager();
    await jsm?.streams.delete(`KV_${metadataBucketName(cluster)}`).catch(() => undefined);
    for (const nc of connections) await nc.close();
  });

  it(`refuses all ${ROUNDS} stale writes of moved ids and accepts the stale writes of ids that stayed`, async () => {
    const service = new ShardService(store, 'a', view);
    const collection = { name: 'race', dimension: 4, metric: 'cosine' as const, generation: 1 };
    const upsert = (identityId: string): IdentityUpsert => ({ identityId, mode: 'replace', faces: [{ faceId: 'f', vector: Float32Array.of(1, 0, 0, 0) }] });
    let acceptedMoved = 0;
    let acceptedStayed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const before = await otherProcess.readRing();
      const after = await otherProcess.addMember(`n${round}`); // committed: the ring now places `moved` elsewhere
      const old = new RingPlacement(before);
      const now = new RingPlacement(after);
      const candidates = Array.from({ length: 5_000 }, (_, i) => `r${round}-${i}`).filter((id) => old.ownerOf(id) === 'a');
      const moved = candidates.find((id) => now.ownerOf(id) !== 'a')!;
      const stayed = candidates.find((id) => now.ownerOf(id) === 'a')!;
      expect(moved && stayed).toBeTruthy();
      // Both writes were placed by a gateway that still holds the old ring, and sent at once.
      const [movedWrite, stayedWrite] = await Promise.allSettled([
        service.upsert({ collection, identities: [upsert(moved)], ringEpoch: before.epoch }),
        service.upsert({ collection, identities: [upsert(stayed)], ringEpoch: before.epoch }),
      ]);
      if (movedWrite.status === 'fulfilled') acceptedMoved++;
      else expect((movedWrite.reason as FaceshardError).code).toBe('RING_CHANGED');
      if (stayedWrite.status === 'fulfilled') acceptedStayed++;
      expect(store.getIdentity('race', moved)).toBeNull();
    }
    expect(acceptedMoved).toBe(0);
    expect(acceptedStayed).toBe(ROUNDS);
  });
});
