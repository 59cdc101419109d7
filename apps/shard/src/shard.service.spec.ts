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
    hasCollection: () => true,
    droppedGeneration: () => 0,
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

describe('ShardService searchMany', () => {
  it('answers every query vector in one reply, in order, each as search would, tagged with the shard', () => {
    const calls: Array<{ first: number; k: number; filter: unknown }> = [];
    const store = {
      listCollections: () => [spec],
      hasCollection: (name: string) => name === spec.name,
      search: (_c: string, vector: Float32Array, k: number, options: { filter?: unknown }) => {
        calls.push({ first: vector[0]!, k, filter: options.filter });
        return [{ identityId: `near-${vector[0]}`, faceId: 'f', score: 1 }];
      },
    };
    const service = new ShardService(store as never, 'shard-9', new RingView());
    const { hits } = service.searchMany({ collection: 'people', vectors: [Float32Array.of(1, 0), Float32Array.of(2, 0)], k: 3, filter: { team: 'red' } });
    expect(hits).toEqual([[{ identityId: 'near-1', faceId: 'f', score: 1, shardId: 'shard-9' }], [{ identityId: 'near-2', faceId: 'f', score: 1, shardId: 'shard-9' }]]);
    expect(calls).toEqual([{ first: 1, k: 3, filter: { team: 'red' } }, { first: 2, k: 3, filter: { team: 'red' } }]);
    expect(service.searchMany({ collection: 'unknown', vectors: [Float32Array.of(1, 0)], k: 1 }).hits).toEqual([[]]);
  });
});
