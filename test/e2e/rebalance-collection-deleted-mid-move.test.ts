import { describe, expect, it } from 'vitest';
import { call, sleep } from '../support/cluster-harness';
import { useSeededCluster, waitForCluster } from '../support/rebalance-load';
import { randomUnitVectors } from '../support/vectors';

/**
 * A collection deleted while a move streams it, then created again under the same name: the
 * chunks still in flight belong to the deleted generation and must not land in the new one.
 * The new collection holds exactly what was written to it, on every shard, and searches of the
 * old identities find nothing.
 */
const DIM = 16;
const COUNT = 1500;
const vectors = randomUnitVectors(COUNT + 10, DIM, 99);

describe('a collection deleted and created again while a join streams it', () => {
  // A slow move (50 identities per second per source, chunks of 20: ~5 s for the ~500 that move) so that the delete lands in its middle.
  const seeded = useSeededCluster({ REBALANCE_SETTLE_MS: '300', REBALANCE_CHUNK_IDS: '20', REBALANCE_MAX_IDS_PER_SEC: '50', SHARD_DOWN_AFTER_MS: '15000' }, ['da', 'db'], { collection: 'gone', dimension: DIM, prefix: 'd', vectors, count: COUNT });
  const { cluster } = seeded;

  it('lands none of the old generation in the new collection', async () => {
    const { url, load } = seeded;
    await cluster.startShard('dc');
    await waitForCluster(cluster, url, (status) => (status.move?.sources ?? []).some((s: any) => s.moved > 0));
    expect((await call(url, 'DELETE', '/v1/collections/gone')).status).toBe(200);
    expect((await call(url, 'POST', '/v1/collections', { name: 'gone', dimension: DIM })).status).toBe(201);
    const fresh = Array.from({ length: 10 }, (_, n) => COUNT + n);
    for (const i of fresh) {
      const res = await call(url, 'PUT', `/v1/collections/gone/identities/new-${i}`, { faces: [{ faceId: 'f', vector: Array.from(vectors[i]) }] });
      expect(res.status, `new-${i}`).toBe(200);
    }
    // All of that happened while the move still ran: otherwise this test proves nothing about it.
    expect((await call(url, 'GET', '/v1/cluster')).body.move).not.toBeNull();
    await waitForCluster(cluster, url, (status) => !status.move && status.members.find((m: any) => m.shardId === 'dc')?.state === 'active', 120_000);
    await sleep(1_500); // shards report counts with their heartbeats

    const status = await call(url, 'GET', '/v1/cluster');
    const held = status.body.members.reduce((sum: number, m: any) => sum + (m.collections?.find((c: any) => c.name === 'gone')?.identities ?? 0), 0);
    expect(held).toBe(fresh.length);
    for (const i of [0, 1, 2, 100, 500, 1000, 1499]) {
      expect((await call(url, 'GET', `/v1/collections/gone/identities/${load.idOf(i)}`)).status, load.idOf(i)).toBe(404);
      const found = await call(url, 'POST', '/v1/collections/gone/search', { vector: Array.from(vectors[i]), k: 20 });
      expect(found.status).toBe(200);
      expect(found.body.hits.every((h: any) => h.identityId.startsWith('new-')), JSON.stringify(found.body.hits.slice(0, 3))).toBe(true);
    }
  }, 180_000);
});
