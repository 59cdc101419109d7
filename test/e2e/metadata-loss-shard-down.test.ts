import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataBucketName } from '@faceshard/cluster';
import { RingPlacement } from '@faceshard/ring';
import { call, NATS_URL, sleep, TestCluster } from '../support/cluster-harness';
import { waitForCluster } from '../support/rebalance-load';
import { randomUnitVectors } from '../support/vectors';

/**
 * The metadata bucket is lost while one shard is down. The running shard comes back onto the
 * re-created ring alone, so until the other returns every write lands on it, including writes of
 * identities the returning shard owned: enrolled again with a new face, created, deleted. When
 * the shard that was down comes back with its old data, none of those writes may be lost behind
 * it: reads and searches must give what the cluster acknowledged last, not the returning shard's
 * older copies.
 */
const DIM = 8;
const COUNT = 120;
const vectors = randomUnitVectors(COUNT + 40, DIM, 4321);
const identity = (i: number, v = vectors[i]) => ({ identityId: `d-${i}`, faces: [{ faceId: 'f', vector: Array.from(v) }] });

describe('metadata lost while a shard is down', () => {
  const cluster = new TestCluster({ SHARD_DOWN_AFTER_MS: '15000', REBALANCE_SETTLE_MS: '300' });
  let url = '';

  beforeAll(async () => {
    await Promise.all(['da', 'db'].map((id) => cluster.startShard(id)));
    url = await cluster.startGateway();
    await cluster.waitForMembers(['da', 'db']);
    expect((await call(url, 'POST', '/v1/collections', { name: 'down', dimension: DIM })).status).toBe(201);
    const res = await call(url, 'POST', '/v1/collections/down/identities/batch', { identities: Array.from({ length: COUNT }, (_, i) => identity(i)) });
    expect(res.body.upserted).toBe(COUNT);
  });

  afterAll(() => cluster.stop());

  it('writes made while it was away win over the older copies it comes back with', async () => {
    const before = new RingPlacement({ epoch: 0, members: ['da', 'db'] });
    const onDb = Array.from({ length: COUNT }, (_, i) => i).filter((i) => before.ownerOf(`d-${i}`) === 'db');
    expect(onDb.length).toBeGreaterThan(30);
    await cluster.kill('db');
    const nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).streams.delete(`KV_${metadataBucketName(cluster.name)}`);
    await nc.close();
    // da alone on the re-created ring, the collection published again.
    await waitForCluster(cluster, url, (s) => s.members?.length === 1 && s.members[0].shardId === 'da' && s.members[0].collections?.some((c: any) => c.name === 'down'), 30_000);

    // Meanwhile, through da: some of db's identities enrolled again with a new face, some deleted, new ones created in db's range.
    const reEnrolled = onDb.slice(0, 10);
    const deleted = onDb.slice(10, 20);
    for (const [n, i] of reEnrolled.entries()) {
      const res = await call(url, 'PUT', `/v1/collections/down/identities/d-${i}`, { faces: [{ faceId: 'g', vector: Array.from(vectors[COUNT + n]) }] });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    for (const i of deleted) expect((await call(url, 'DELETE', `/v1/collections/down/identities/d-${i}`)).status).toBe(404); // da never held them
    const created = Array.from({ length: 30 }, (_, n) => COUNT + 10 + n).filter((i) => before.ownerOf(`d-${i}`) === 'db');
    for (const i of created) expect((await call(url, 'PUT', `/v1/collections/down/identities/d-${i}`, { faces: [{ faceId: 'f', vector: Array.from(vectors[i]) }] })).status).toBe(200);
    expect(created.length).toBeGreaterThan(3);

    await sleep(500);
    await cluster.startShard('db');
    await waitForCluster(cluster, url, (s) => !s.move && s.readMembers?.length === 2 && s.members.every((m: any) => m.state === 'active' && m.health === 'up'), 60_000);

    for (const [n, i] of reEnrolled.entries()) {
      const got = await call(url, 'GET', `/v1/collections/down/identities/d-${i}`);
      expect(got.status, `d-${i}`).toBe(200);
      expect(got.body.faceIds, `GET d-${i}: the face enrolled while db was away`).toEqual(['g']);
      const found = await call(url, 'POST', '/v1/collections/down/search', { vector: Array.from(vectors[COUNT + n]), k: 1 });
      expect(found.body.hits[0], `search d-${i} by its new face`).toMatchObject({ identityId: `d-${i}`, faceId: 'g' });
    }
    for (const i of created) {
      const got = await call(url, 'GET', `/v1/collections/down/identities/d-${i}`);
      expect(got.status, `GET d-${i}, created while db was away`).toBe(200);
    }
    // What db held and nobody changed is served again.
    for (const i of onDb.slice(20, 40)) expect((await call(url, 'GET', `/v1/collections/down/identities/d-${i}`)).status, `d-${i}`).toBe(200);
    // Every identity is held once.
    await sleep(1500);
    const status = (await call(url, 'GET', '/v1/cluster')).body;
    const held = status.members.reduce((sum: number, m: any) => sum + (m.collections?.find((c: any) => c.name === 'down')?.identities ?? 0), 0);
    expect(held).toBe(COUNT + created.length);
  }, 180_000);
});
