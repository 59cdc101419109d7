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
  const cluster = new TestCluster({ SNAPSHOT_EVERY_OPS: '7' }); // snapshots often, so the kill lands around them too
  const WRITE_TIMEOUT_MS = 10_000;
  let url = '';

  beforeAll(async () => {
    await Promise.all(shardIds.map((id) => cluster.startShard(id)));
    url = await cluster.startGateway({ WRITE_TIMEOUT_MS: String(WRITE_TIMEOUT_MS), SHARD_DOWN_AFTER_MS: '2000' });
    await cluster.waitForMembers(shardIds);
    expect((await call(url, 'POST', '/v1/collections', { name: 'crash', dimension: DIM })).status).toBe(201);
  });
  afterAll(() => cluster.stop());

  /**
   * Appends without face ids, as a client that lets the server name faces: a write refused with
   * an "outcome unknown" error may have been stored, and retrying it must not add a second face.
   */
  it('keeps every identity exactly once, with one face, after the kill and a retry of every refused write', async () => {
    const vectors = randomUnitVectors(4_000, DIM, 3);
    const acked = new Set<string>();
    const refused = new Set<string>();
    const batchMs: number[] = [];
    let killed = false;
    const batchSize = 40;
    const request = (ids: number[]) => ({ identities: ids.map((n) => ({ identityId: `id-${n}`, mode: 'append', faces: [{ vector: Array.from(vectors[n]) }] })) });
    for (let b = 0; b * batchSize < vectors.length; b++) {
      if (b === 30) {
        // Kill without warning while batches are in flight on the writer side.
        void cluster.kill('s2', 'SIGKILL').then(() => (killed = true));
      }
      const ids = Array.from({ length: batchSize }, (_, j) => b * batchSize + j);
      const started = Date.now();
      const res = await call(url, 'POST', '/v1/collections/crash/identities/batch', request(ids));
      batchMs.push(Date.now() - started);
      expect([200, 207]).toContain(res.status);
      const failed = new Set<string>(res.body.failed.map((f: any) => f.identityId));
      for (const f of res.body.failed) expect(f.error.retryable, JSON.stringify(f)).toBe(true);
      for (const n of ids) (failed.has(`id-${n}`) ? refused : acked).add(`id-${n}`);
    }
    expect(killed).toBe(true);
    expect(refused.size).toBeGreaterThan(0); // the dead shard's part was refused, not silently dropped
    // The batch in flight at the kill failed its dead part when the shard was marked down, not at the write timeout.
    expect(Math.max(...batchMs)).toBeLessThan(WRITE_TIMEOUT_MS - 3_000);
    const ring = await ringOf(url);
    // Nothing was written elsewhere instead: every refused identity is owned by the killed shard.
    for (const id of refused) expect(ring.ownerOf(id)).toBe('s2');

    await cluster.startShard('s2');
    await cluster.waitForMembers(shardIds);
    // The client retries what it was refused, the very same requests. Some of them may have been
    // stored before the kill (durable, never acknowledged): the retry must not duplicate them.
    const retried = [...refused].map((id) => Number(id.slice(3)));
    for (let i = 0; i < retried.length; i += batchSize) {
      const res = await call(url, 'POST', '/v1/collections/crash/identities/batch', request(retried.slice(i, i + batchSize)));
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
    }

    const status = (await call(url, 'GET', '/v1/cluster')).body;
    const expectedPerShard = new Map<string, number>();
    for (let n = 0; n < vectors.length; n++) expectedPerShard.set(ring.ownerOf(`id-${n}`), (expectedPerShard.get(ring.ownerOf(`id-${n}`)) ?? 0) + 1);
    for (const member of status.members) {
      const stats = member.collections.find((c: any) => c.name === 'crash');
      // Every identity once, each with exactly one face: a duplicate face from a retry shows here.
      expect(stats.identities).toBe(expectedPerShard.get(member.shardId));
      expect(stats.faces).toBe(stats.identities);
    }
    // Every identity of the killed shard reads back with one face and is its own nearest neighbour.
    const sample = Array.from({ length: vectors.length }, (_, n) => `id-${n}`).filter((id) => ring.ownerOf(id) === 's2');
    expect(sample.length).toBeGreaterThan(100);
    for (const id of [...[...refused].slice(0, 100), ...sample.slice(0, 100)]) {
      const got = await call(url, 'GET', `/v1/collections/crash/identities/${id}`);
      expect(got.status, id).toBe(200);
      expect(got.body.faceIds, id).toHaveLength(1);
    }
    for (const id of sample.slice(0, 100)) {
      const res = await call(url, 'POST', '/v1/collections/crash/search', { vector: Array.from(vectors[Number(id.slice(3))]), k: 1, ef: 200 });
      expect(res.body.hits[0].identityId).toBe(id);
    }
    // The integrity check agrees on every shard: memory matches its snapshot + log, every face is found.
    const integrity = await call(url, 'POST', '/v1/admin/integrity?collection=crash');
    expect(integrity.status, JSON.stringify(integrity.body).slice(0, 2000)).toBe(200);
    expect(integrity.body.shards.map((s: any) => s.shardId).sort()).toEqual(shardIds);
    for (const shard of integrity.body.shards) expect(shard.report?.ok, JSON.stringify(shard).slice(0, 2000)).toBe(true);
  }, 120_000); // 4000 writes, a restart, retries and reads back, on a shared 2-core machine
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
