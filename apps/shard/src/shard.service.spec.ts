import { describe, expect, it } from 'vitest';
import type { CollectionSpec, IdentityUpsert, RingState } from '@faceshard/contracts';
import { RingPlacement } from '@faceshard/ring';
import { RingView } from './ring-view';
import { ShardService } from './shard.service';

const spec: CollectionSpec = { name: 'people', dimension: 2, metric: 'cosine' };

/**
 * A fake store that records what reached it and runs the write's guard as the real store does
 * (under its lock, before anything is logged): a write of an id this shard does not own must
 * never reach it.
 */
function setup(ring: RingState, latest: RingState = ring) {
  const upserts: IdentityUpsert[][] = [];
  const deletes: string[][] = [];
  const store = {
    ensureCollection: async () => undefined,
    upsert: async (_c: string, identities: IdentityUpsert[], options: { guard?: (ids: string[]) => void }) => {
      options.guard?.(identities.map((i) => i.identityId));
      upserts.push(identities);
      return { upserted: identities.length, faces: identities.length };
    },
    listCollections: () => [spec],
    hasCollection: () => true,
    droppedGeneration: () => 0,
    deleteIdentities: async (_c: string, ids: string[], options: { guard?: (ids: string[]) => void }) => {
      options.guard?.(ids);
      deletes.push(ids);
      return ids.length;
    },
    writeBarrier: async () => undefined,
    exportVersioned: (_c: string, identityId: string) => ({ identityId, version: 1, deleted: true }),
  };
  const view = new RingView();
  view.observe(ring);
  // The metadata store already holds `latest`; the watch has not told this shard yet.
  let reads = 0;
  void view.follow({
    readRing: async () => {
      reads++;
      return latest;
    },
    watchRing: async () => () => undefined,
  } as never);
  return { service: new ShardService(store as never, 'a', view), upserts, deletes, view, reads: () => reads };
}

const two: RingState = { epoch: 5, members: ['a', 'b'] };
const three: RingState = { epoch: 6, members: ['a', 'b', 'c'] };
const idsOwnedBy = (ring: RingState, shardId: string, n: number, prefix = 'id-') => {
  const placement = new RingPlacement(ring);
  return Array.from({ length: 400 }, (_, i) => `${prefix}${i}`)
    .filter((id) => placement.ownerOf(id) === shardId)
    .slice(0, n);
};
const upsertOf = (identityId: string): IdentityUpsert => ({ identityId, faces: [{ faceId: 'f', vector: Float32Array.of(1, 0) }], mode: 'replace' });

describe('ShardService ownership (per identity, against the newest ring)', () => {
  it('accepts ids it owns, whatever epoch the write was placed with', async () => {
    const { service, upserts } = setup(two);
    const mine = idsOwnedBy(two, 'a', 3);
    await service.upsert({ collection: spec, identities: mine.map(upsertOf), ringEpoch: 5 });
    await service.upsert({ collection: spec, identities: mine.map(upsertOf), ringEpoch: 3 }); // stale epoch, same owner
    await service.upsert({ collection: spec, identities: mine.map(upsertOf) });
    expect(upserts).toHaveLength(3);
  });

  it('refuses, retryably and before the store, any id it does not own; the whole part is refused', async () => {
    const { service, upserts, deletes } = setup(two);
    const mine = idsOwnedBy(two, 'a', 2);
    const theirs = idsOwnedBy(two, 'b', 1)[0];
    await expect(service.upsert({ collection: spec, identities: [...mine, theirs].map(upsertOf), ringEpoch: 5 })).rejects.toMatchObject({
      code: 'RING_CHANGED',
      retryable: true,
      details: { requestEpoch: 5, currentEpoch: 5, identityId: theirs },
    });
    await expect(service.delete({ collection: 'people', identityIds: [theirs], ringEpoch: 5 })).rejects.toMatchObject({ code: 'RING_CHANGED' });
    expect(upserts).toHaveLength(0);
    expect(deletes).toHaveLength(0);
  });

  it('reads the ring before checking: a ring committed before the write arrived is known even if the watch has not told it', async () => {
    const { service, upserts, view, reads } = setup(two, three);
    const after = new RingPlacement(three);
    const moved = idsOwnedBy(two, 'a', 400).find((id) => after.ownerOf(id) === 'c')!;
    await expect(service.upsert({ collection: spec, identities: [upsertOf(moved)], ringEpoch: 5 })).rejects.toMatchObject({
      code: 'RING_CHANGED',
      details: { requestEpoch: 5, currentEpoch: 6 },
    });
    expect(view.epoch).toBe(6);
    expect(upserts).toHaveLength(0);
    expect(reads()).toBeGreaterThan(0);
  });

  it('during a move, refuses a write of a moving id from a caller that does not ask for the copies (it would not reach the new owner); accepts it with them, and any write of an id that stays', async () => {
    // The move's ring is committed; this shard reads it before checking (as above), the gateway still places by `two`.
    const moving: RingState = { epoch: 6, writeEpoch: 6, members: ['a', 'b'], move: { id: 'm1', from: ['a', 'b'], to: ['a', 'b', 'c'], stage: 'migrate-identities', startedAt: new Date(0).toISOString() } };
    const { service, upserts, deletes } = setup(two, moving);
    const after = new RingPlacement(three);
    const mine = idsOwnedBy(two, 'a', 400);
    const goes = mine.find((id) => after.ownerOf(id) === 'c')!;
    const stays = mine.find((id) => after.ownerOf(id) === 'a')!;
    await expect(service.upsert({ collection: spec, identities: [upsertOf(stays), upsertOf(goes)], ringEpoch: 5 })).rejects.toMatchObject({
      code: 'RING_CHANGED',
      retryable: true,
      details: { requestEpoch: 5, currentEpoch: 6, identityId: goes },
    });
    await expect(service.delete({ collection: 'people', identityIds: [goes], ringEpoch: 5 })).rejects.toMatchObject({ code: 'RING_CHANGED' });
    expect(upserts).toHaveLength(0);
    expect(deletes).toHaveLength(0);
    await service.upsert({ collection: spec, identities: [upsertOf(stays)], ringEpoch: 5 });
    await service.upsert({ collection: spec, identities: [upsertOf(goes)], ringEpoch: 6, returnCopies: true });
    await service.delete({ collection: 'people', identityIds: [goes], ringEpoch: 6, returnCopies: true, tombstoneAbsent: true });
    expect(upserts.map((part) => part.map((i) => i.identityId))).toEqual([[stays], [goes]]);
    expect(deletes).toEqual([[goes]]);
  });

  it('shares ring reads between concurrent writes', async () => {
    const { service, reads } = setup(two);
    const mine = idsOwnedBy(two, 'a', 20);
    await Promise.all(mine.map((id) => service.upsert({ collection: spec, identities: [upsertOf(id)], ringEpoch: 5 })));
    expect(reads()).toBeLessThanOrEqual(2);
  });

  it('never moves its view back on a late notification', () => {
    const { view } = setup(two);
    view.observe({ epoch: 3, members: ['a'] });
    expect(view.epoch).toBe(5);
    view.observe(three);
    expect(view.epoch).toBe(6);
  });

  it('answers a ring barrier once it reads the epoch and earlier writes are applied', async () => {
    const { service } = setup(two, three);
    await expect(service.ringBarrier({ epoch: 6 })).resolves.toEqual({ epoch: 6 });
    await expect(service.ringBarrier({ epoch: 9 })).rejects.toMatchObject({ code: 'RING_CHANGED' });
  });
});

describe('ShardService searchMany', () => {
  it('answers every query vector in one reply, in order, each as search would, tagged with the shard', () => {
    const calls: Array<{ first: number; k: number; filter: unknown }> = [];
    const store = {
      defaultEf: 100,
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

  it('searches each vector with its own k, minScore, ef and filter when params are given (coalesced searches)', () => {
    const calls: Array<{ first: number; k: number; options: unknown }> = [];
    const store = {
      defaultEf: 100,
      hasCollection: () => true,
      search: (_c: string, vector: Float32Array, k: number, options: unknown) => {
        calls.push({ first: vector[0]!, k, options });
        return [];
      },
    };
    const service = new ShardService(store as never, 'shard-9', new RingView());
    const params = [{ k: 2, ef: 40 }, { k: 7, minScore: 0.5, filter: { team: 'blue' } }];
    service.searchMany({ collection: 'people', vectors: [Float32Array.of(1, 0), Float32Array.of(2, 0)], k: 3, ef: 99, params });
    expect(calls).toEqual([
      { first: 1, k: 2, options: { minScore: undefined, ef: 40, filter: undefined } },
      // No ef of its own: the shard's default (this shard has seen no ring: it holds the whole collection).
      { first: 2, k: 7, options: { minScore: 0.5, ef: 100, filter: { team: 'blue' } } },
    ]);
    expect(() => service.searchMany({ collection: 'people', vectors: [Float32Array.of(1, 0)], k: 3, params })).toThrow(/one object per vector/);
  });

  it('searches with the whole-collection ef scaled to the ring (4 read members: half), and says so in the reply', () => {
    const efs: unknown[] = [];
    const store = {
      defaultEf: 100,
      hasCollection: () => true,
      search: (_c: string, _v: Float32Array, _k: number, options: { ef?: number }) => {
        efs.push(options.ef);
        return [];
      },
    };
    const view = new RingView();
    view.observe({ epoch: 3, members: ['a', 'b', 'c', 'd'] });
    const service = new ShardService(store as never, 'a', view);
    const vectors = [Float32Array.of(1, 0), Float32Array.of(2, 0)];
    expect(service.searchMany({ collection: 'people', vectors, k: 3, ef: 256 }).efs).toEqual([128, 128]);
    expect(service.searchMany({ collection: 'people', vectors, k: 3, params: [{ k: 3, ef: 64 }, { k: 3 }] }).efs).toEqual([32, 50]);
    expect(service.search({ collection: 'people', vector: vectors[0]!, k: 3, ef: 256 }).ef).toBe(128);
    // No ef in the request: the shard's configured default, scaled the same way.
    expect(service.search({ collection: 'people', vector: vectors[0]!, k: 3 }).ef).toBe(50);
    expect(efs).toEqual([128, 128, 32, 50, 128, 50]);
  });
});
