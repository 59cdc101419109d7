import { describe, expect, it } from 'vitest';
import type { CollectionSpec, IdentityUpsert } from '@faceshard/contracts';
import { RingView } from './ring-view';
import { ShardService } from './shard.service';

const spec: CollectionSpec = { name: 'people', dimension: 2, metric: 'cosine' };

/** A fake store that records what reached it: the fence must stop stale writes before the store. */
function setup(epoch: number) {
  const upserts: IdentityUpsert[][] = [];
  const store = {
    ensureCollection: async () => undefined,
    upsert: async (_c: string, identities: IdentityUpsert[]) => {
      upserts.push(identities);
      return { upserted: identities.length, faces: identities.length };
    },
    listCollections: () => [spec],
    deleteIdentities: async () => 1,
  };
  const ring = new RingView();
  ring.observe(epoch);
  return { service: new ShardService(store as never, 'shard-1', ring), upserts, ring };
}

const identity: IdentityUpsert = { identityId: 'p', faces: [{ faceId: 'f', vector: Float32Array.of(1, 0) }], mode: 'replace' };

describe('ShardService ring fence', () => {
  it('accepts writes placed with the current or a newer epoch, or with none', async () => {
    const { service, upserts } = setup(5);
    await service.upsert({ collection: spec, identities: [identity], ringEpoch: 5 });
    await service.upsert({ collection: spec, identities: [identity], ringEpoch: 6 });
    await service.upsert({ collection: spec, identities: [identity] });
    expect(upserts).toHaveLength(3);
  });

  it('refuses writes placed with an older epoch, retryably, before they reach the store', async () => {
    const { service, upserts } = setup(5);
    await expect(service.upsert({ collection: spec, identities: [identity], ringEpoch: 4 })).rejects.toMatchObject({
      code: 'RING_CHANGED',
      retryable: true,
      details: { requestEpoch: 4, currentEpoch: 5 },
    });
    await expect(service.delete({ collection: 'people', identityIds: ['p'], ringEpoch: 1 })).rejects.toMatchObject({ code: 'RING_CHANGED' });
    expect(upserts).toHaveLength(0);
  });

  it('never moves the fence back on a late notification', () => {
    const { ring } = setup(5);
    ring.observe(3);
    expect(ring.epoch).toBe(5);
    ring.observe(7);
    expect(ring.epoch).toBe(7);
  });
});
