import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingPlacement } from '@faceshard/ring';
import { call, sleep, TestCluster } from '../support/cluster-harness';
import { randomUnitVectors } from '../support/vectors';

/**
 * Failure behaviour with real processes: kill -9 of a shard in the middle of ingest loses
 * no acknowledged write and duplicates nothing; a shard that stops answering makes search
 * results explicitly partial, and writes it owns fail fast with a retryable error.
 */
const DIM = 16;
const shardIds = ['s1', 's2'];

async function ringOf(url: string): Promise<RingPlacement> {
  const status = (await call(url, 'GET', '/v1/cluster')).body;
  return new RingPlacement({ epoch: status.ringEpoch, members: status.members.map((m: any) => m.shardId) });
}

describe('kill -9 of a shard during ingest', () => {
  const cluster = new TestCluster({ SNAPSHOT_EVERY_OPS: '7', WRITE_TIMEOUT_MS: '3000' }); // snapshots often, so the kill lands around them too
  let url = '';

  beforeAll(async () => {
    await Promise.all(shardIds.map((id) => cluster.startShard(id)));
    url = await cluster.startGateway();
    await cluster.waitForMembers(shardIds);
    expect((await call(url, 'POST', '/v1/collections', { name: 'crash', dimension: DIM })).status).toBe(201);
  });
  afterAll(() => cluster.stop());

  it('keeps every acknowledged identity exactly once after restart', async () => {
    const vectors = randomUnitVectors(4_000, DIM, 3);
    const acked = new Set<string>();
    const refused = new Set<string>();
    let killed = false;
    const batchSize = 40;
    for (let b = 0; b * batchSize < vectors.length; b++) {
      if (b === 30) {
        // Kill without warning while batches are in flight on the writer side.
        void cluster.kill('s2', 'SIGKILL').then(() => (killed = true));
      }
      const identities = vectors.slice(b * batchSize, (b + 1) * batchSize).map((v, j) => ({
        identityId: `id-${b * batchSize + j}`,
        faces: [{ faceId: 'f', vector: Array.from(v) }],
      }));
      const res = await call(url, 'POST', '/v1/collections/crash/identities/batch', { identities });
      expect([200, 207]).toContain(res.status);
      const failed = new Set<string>(res.body.failed.map((f: any) => f.identityId));
      for (const f of res.body.failed) expect(f.error.retryable, JSON.stringify(f)).toBe(true);
      for (const { identityId } of identities) (failed.has(identityId) ? refused : acked).add(identityId);
    }
    expect(killed).toBe(true);
    expect(refused.size).toBeGreaterThan(0); // the dead shard's part was refused, not silently dropped
    const ring = await ringOf(url);
    // Nothing was written elsewhere instead: every refused identity is owned by the killed shard.
    for (const id of refused) expect(ring.ownerOf(id)).toBe('s2');

    await cluster.startShard('s2');
    await cluster.waitForMembers(shardIds);

    const status = (await call(url, 'GET', '/v1/cluster')).body;
    const expectedPerShard = new Map<string, number>();
    for (const id of acked) expectedPerShard.set(ring.ownerOf(id), (expectedPerShard.get(ring.ownerOf(id)) ?? 0) + 1);
    for (const member of status.members) {
      const stats = member.collections.find((c: any) => c.name === 'crash');
      // Exactly the acknowledged identities (refused ones may or may not have made it before the kill
      // was noticed: a write can be durable yet unacknowledged), each with exactly one face.
      const refusedOwned = [...refused].filter((id) => ring.ownerOf(id) === member.shardId).length;
      expect(stats.identities).toBeGreaterThanOrEqual(expectedPerShard.get(member.shardId) ?? 0);
      expect(stats.identities).toBeLessThanOrEqual((expectedPerShard.get(member.shardId) ?? 0) + refusedOwned);
      expect(stats.faces).toBe(stats.identities);
    }
    // Every acknowledged identity of the killed shard reads back and is its own nearest neighbour.
    const index = new Map([...acked].map((id) => [id, vectors[Number(id.slice(3))]]));
    const sample = [...acked].filter((id) => ring.ownerOf(id) === 's2');
    expect(sample.length).toBeGreaterThan(100);
    for (const id of sample) {
      const got = await call(url, 'GET', `/v1/collections/crash/identities/${id}`);
      expect(got.status, id).toBe(200);
      expect(got.body.faceIds).toEqual(['f']);
    }
    for (const id of sample.slice(0, 100)) {
      const res = await call(url, 'POST', '/v1/collections/crash/search', { vector: Array.from(index.get(id)!), k: 1, ef: 200 });
      expect(res.body.hits[0].identityId).toBe(id);
    }
  });
});

describe('a shard that stops answering', () => {
  const cluster = new TestCluster();
  let url = '';

  beforeAll(async () => {
    await Promise.all(shardIds.map((id) => cluster.startShard(id)));
    url = await cluster.startGateway({ SEARCH_TIMEOUT_MS: '400', SHARD_DOWN_AFTER_MS: '2500', WRITE_TIMEOUT_MS: '10000' });
    await cluster.waitForMembers(shardIds);
    expect((await call(url, 'POST', '/v1/collections', { name: 'frozen', dimension: DIM })).status).toBe(201);
    const vectors = randomUnitVectors(400, DIM, 5);
    const identities = vectors.map((v, i) => ({ identityId: `p${i}`, faces: [{ vector: Array.from(v) }] }));
    const ingest = await call(url, 'POST', '/v1/collections/frozen/identities/batch', { identities });
    expect(ingest.status, JSON.stringify(ingest.body).slice(0, 500)).toBe(200);
  });
  afterAll(() => cluster.stop());

  it('is reported missing (partial) within the deadline, then down; its writes fail fast and retryably', async () => {
    const probe = Array(DIM).fill(0.25);
    const whole = await call(url, 'POST', '/v1/collections/frozen/search', { vector: probe, k: 10 });
    expect(whole.body.partial).toBe(false);

    await cluster.kill('s1', 'SIGSTOP'); // alive to NATS, answering nothing: the worst kind of failure
    const started = Date.now();
    const partial = await call(url, 'POST', '/v1/collections/frozen/search', { vector: probe, k: 10 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(partial.status).toBe(200);
    expect(partial.body.partial).toBe(true);
    expect(partial.body.missingShards).toEqual([{ shardId: 's1', code: 'SHARD_TIMEOUT' }]);
    expect(partial.body.hits.every((h: any) => h.shardId === 's2')).toBe(true);

    await sleep(3_500); // past SHARD_DOWN_AFTER_MS: the gateway has marked it down
    const status = (await call(url, 'GET', '/v1/cluster')).body;
    expect(status.members.find((m: any) => m.shardId === 's1').health).toBe('down');
    expect(status.members.map((m: any) => m.shardId).sort()).toEqual(shardIds); // still on the ring

    const ring = await ringOf(url);
    const owned = Array.from({ length: 100 }, (_, i) => `new-${i}`).find((id) => ring.ownerOf(id) === 's1')!;
    const t0 = Date.now();
    const write = await call(url, 'PUT', `/v1/collections/frozen/identities/${owned}`, { faces: [{ vector: probe }] });
    expect(Date.now() - t0).toBeLessThan(2_000); // fails fast: the write deadline is 10 s, nothing waits on the frozen shard
    expect(write.status).toBe(503);
    expect(write.body).toMatchObject({ code: 'SHARD_UNAVAILABLE', retryable: true });
    const fastSearch = await call(url, 'POST', '/v1/collections/frozen/search', { vector: probe, k: 10 });
    expect(fastSearch.body.missingShards).toEqual([{ shardId: 's1', code: 'SHARD_UNAVAILABLE' }]);

    await cluster.kill('s1', 'SIGCONT');
    await cluster.waitForMembers(shardIds);
    const healed = await call(url, 'POST', '/v1/collections/frozen/search', { vector: probe, k: 10 });
    expect(healed.body.partial).toBe(false);
    // Nothing was written elsewhere while it was away.
    expect((await call(url, 'GET', `/v1/collections/frozen/identities/${owned}`)).status).toBe(404);
  });
});
