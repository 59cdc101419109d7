import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsShardTransport } from '@faceshard/messaging';
import { RingPlacement } from '@faceshard/ring';
import { call, NATS_URL, TestCluster } from '../support/cluster-harness';

/**
 * A deleted collection never comes back (issue 6 item 1), with real shard processes on NATS:
 * the delete is recorded as a tombstone of the collection's generation before shards drop it, a
 * write from a gateway still caching the old spec is refused, and a name created again (even
 * with another dimension) serves nothing of the old collection — also from a shard that was
 * frozen while the delete went by and so still holds the old data.
 */
const shardIds = ['s1', 's2'];

async function ringOf(url: string): Promise<RingPlacement> {
  const status = (await call(url, 'GET', '/v1/cluster')).body;
  return new RingPlacement({ epoch: status.ringEpoch, members: status.members.map((m: any) => m.shardId) });
}

function idsOwnedBy(ring: RingPlacement, shardId: string, prefix: string, count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i++) if (ring.ownerOf(`${prefix}${i}`) === shardId) ids.push(`${prefix}${i}`);
  return ids;
}

const unit = (dimension: number, i: number) => Array.from({ length: dimension }, (_, d) => (d === i % dimension ? 1 : 0.1));

describe('collection generations across gateway and shards', () => {
  const cluster = new TestCluster({ WRITE_TIMEOUT_MS: '1500' });
  let url = '';
  let stale: NatsShardTransport;

  beforeAll(async () => {
    await Promise.all(shardIds.map((id) => cluster.startShard(id)));
    url = await cluster.startGateway();
    await cluster.waitForMembers(shardIds);
    stale = await NatsShardTransport.connect({ servers: NATS_URL, cluster: cluster.name });
  });
  afterAll(async () => {
    await stale?.close();
    await cluster.stop();
  });

  it('refuses a write placed with a deleted collection spec, and the re-created name (another dimension) serves no ghosts', async () => {
    const created = await call(url, 'POST', '/v1/collections', { name: 'ghosts', dimension: 4 });
    expect(created.status).toBe(201);
    const oldSpec = created.body;
    expect(oldSpec.generation).toBeGreaterThan(0);
    const ring = await ringOf(url);
    const enrolled = shardIds.flatMap((shardId) => idsOwnedBy(ring, shardId, 'old-', 3));
    for (const [i, id] of enrolled.entries()) {
      expect((await call(url, 'PUT', `/v1/collections/ghosts/identities/${id}`, { faces: [{ vector: unit(4, i) }] })).status).toBe(200);
    }

    const deleted = await call(url, 'DELETE', '/v1/collections/ghosts');
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deleted: true, generation: oldSpec.generation, shardsNotDropped: [] });

    // Another gateway still caches the old spec and sends its upsert now, to each shard.
    for (const shardId of shardIds) {
      const [id] = idsOwnedBy(ring, shardId, 'late-', 1);
      const identities = [{ identityId: id, mode: 'replace' as const, faces: [{ faceId: 'f', vector: Float32Array.from(unit(4, 0)) }] }];
      await expect(stale.request(shardId, 'upsert', { collection: oldSpec, identities, ringEpoch: ring.epoch }, { timeoutMs: 5_000 })).rejects.toMatchObject({
        code: 'COLLECTION_NOT_FOUND',
      });
    }

    const again = await call(url, 'POST', '/v1/collections', { name: 'ghosts', dimension: 8, metric: 'ip' });
    expect(again.status).toBe(201);
    expect(again.body.generation).toBeGreaterThan(oldSpec.generation);
    const fresh = shardIds.map((shardId) => idsOwnedBy(ring, shardId, 'new-', 1)[0]);
    for (const id of fresh) {
      const put = await call(url, 'PUT', `/v1/collections/ghosts/identities/${id}`, { faces: [{ vector: unit(8, 0) }] });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
    }
    const search = await call(url, 'POST', '/v1/collections/ghosts/search', { vector: unit(8, 0), k: 20 });
    expect(search.status).toBe(200);
    expect(search.body.hits.map((h: any) => h.identityId).sort()).toEqual([...fresh].sort());
    for (const id of enrolled) expect((await call(url, 'GET', `/v1/collections/ghosts/identities/${id}`)).status).toBe(404);
  });

  it('a shard frozen while the delete went by never serves its old data; the next generation replaces it', async () => {
    expect((await call(url, 'POST', '/v1/collections', { name: 'frozen', dimension: 4 })).status).toBe(201);
    const ring = await ringOf(url);
    const onS2 = idsOwnedBy(ring, 's2', 'was-', 5);
    for (const [i, id] of onS2.entries()) {
      expect((await call(url, 'PUT', `/v1/collections/frozen/identities/${id}`, { faces: [{ vector: unit(4, i) }] })).status).toBe(200);
    }

    await cluster.kill('s2', 'SIGSTOP');
    try {
      const deleted = await call(url, 'DELETE', '/v1/collections/frozen');
      expect(deleted.status).toBe(200); // the delete is recorded; the frozen shard's copy is named, not a failure
      expect(deleted.body.shardsNotDropped).toEqual(['s2']);
      expect((await call(url, 'GET', '/v1/collections/frozen')).status).toBe(404);
    } finally {
      await cluster.kill('s2', 'SIGCONT');
    }
    await cluster.waitForMembers(shardIds);

    // Same name, same dimension: the old data is still on s2, and must not be served.
    expect((await call(url, 'POST', '/v1/collections', { name: 'frozen', dimension: 4 })).status).toBe(201);
    const empty = await call(url, 'POST', '/v1/collections/frozen/search', { vector: unit(4, 0), k: 10 });
    expect(empty.body).toMatchObject({ hits: [], partial: false });
    for (const id of onS2) expect((await call(url, 'GET', `/v1/collections/frozen/identities/${id}`)).status).toBe(404);

    const [newcomer] = idsOwnedBy(ring, 's2', 'now-', 1);
    expect((await call(url, 'PUT', `/v1/collections/frozen/identities/${newcomer}`, { faces: [{ vector: unit(4, 0) }] })).status).toBe(200);
    const found = await call(url, 'POST', '/v1/collections/frozen/search', { vector: unit(4, 0), k: 10 });
    expect(found.body.hits.map((h: any) => h.identityId)).toEqual([newcomer]);
    const stats = (await call(url, 'GET', '/v1/cluster')).body.members.find((m: any) => m.shardId === 's2').collections;
    expect(stats.find((c: any) => c.name === 'frozen')).toMatchObject({ identities: 1 }); // the old generation's data is gone from s2
  });
});
