import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JetStreamMetadataStore, metadataBucketName } from '@faceshard/cluster';
import { call, NATS_URL, sleep, TestCluster } from '../support/cluster-harness';
import { randomUnitVectors } from '../support/vectors';

/**
 * Issue 6 item 12: the JetStream bucket holding the ring and the collections is lost (a NATS
 * server that lost its store). Running gateways and shards re-adopt the re-created metadata
 * (a new incarnation, epochs from 0 again) without restarting: shards register again and publish
 * the collections they hold with their own generations (so no newer generation replaces the data
 * they kept), and writes work; the shards' data was never lost.
 */
const DIM = 8;
const vectors = randomUnitVectors(60, DIM, 1234);
const identity = (i: number) => ({ identityId: `m-${i}`, faces: [{ faceId: 'f', vector: Array.from(vectors[i]) }] });

describe('metadata bucket lost under a running cluster', () => {
  const cluster = new TestCluster();
  let url = '';

  beforeAll(async () => {
    await Promise.all(['ml-a', 'ml-b'].map((id) => cluster.startShard(id)));
    url = await cluster.startGateway();
    await cluster.waitForMembers(['ml-a', 'ml-b']);
    // The gateway follows the new life of the store although its epoch is lower.
    expect((await call(url, 'GET', '/v1/cluster')).body.ringEpoch).toBeLessThanOrEqual(2);
    expect((await call(url, 'POST', '/v1/collections', { name: 'kept', dimension: DIM })).status).toBe(201);
    const res = await call(url, 'POST', '/v1/collections/kept/identities/batch', { identities: Array.from({ length: 40 }, (_, i) => identity(i)) });
    expect(res.body.upserted).toBe(40);
    // Raise the epoch well above what the re-created store will reach, so that processes which
    // refused a lower epoch would refuse (shards) or ignore (gateway) the new ring.
    const nc = await connect({ servers: NATS_URL });
    const store = await JetStreamMetadataStore.open(nc, cluster.name, { probeEveryMs: 0 });
    for (let i = 0; i < 3; i++) {
      await store.addMember('ghost');
      await store.removeMember('ghost');
    }
    await store.close();
    await nc.close();
    await sleep(300);
    expect((await call(url, 'GET', '/v1/cluster')).body.ringEpoch).toBe(8);
  });

  afterAll(() => cluster.stop());

  it('shards register again and publish their collections, writes and reads work, old data is still there', async () => {
    const generationBefore = (await call(url, 'GET', '/v1/collections/kept')).body.generation;
    expect(generationBefore).toBeGreaterThan(0);
    const nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).streams.delete(`KV_${metadataBucketName(cluster.name)}`);
    await nc.close();

    // The collection went with the bucket; the shards come back on the ring by themselves and
    // publish the collection they hold, with the generation it had.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const status = (await call(url, 'GET', '/v1/cluster')).body;
      const collection = await call(url, 'GET', '/v1/collections/kept');
      if (status.ringEpoch <= 2 && status.members?.length === 2 && collection.status === 200 && collection.body.generation === generationBefore) break;
      if (Date.now() > deadline) throw new Error(`not re-adopted: ${JSON.stringify(status)} ${collection.status}`);
      await sleep(200);
    }
    // The gateway follows the new life of the store although its epoch is lower.
    expect((await call(url, 'GET', '/v1/cluster')).body.ringEpoch).toBeLessThanOrEqual(2);
    // Creating it again with the same spec is idempotent: the same collection, the same generation.
    const again = await call(url, 'POST', '/v1/collections', { name: 'kept', dimension: DIM });
    expect([200, 201]).toContain(again.status);
    expect(again.body.generation).toBe(generationBefore);
    const res = await call(url, 'POST', '/v1/collections/kept/identities/batch', { identities: Array.from({ length: 20 }, (_, i) => identity(40 + i)) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ upserted: 20, failed: [] });
    // Shards took writes placed by the new ring (epoch 2) although they had seen epoch 8.
    for (const i of [0, 17, 39, 45, 59]) {
      const got = await call(url, 'GET', `/v1/collections/kept/identities/m-${i}`);
      expect(got.status, `m-${i}`).toBe(200);
      const found = await call(url, 'POST', '/v1/collections/kept/search', { vector: Array.from(vectors[i]), k: 1 });
      expect(found.body.hits[0].identityId).toBe(`m-${i}`);
    }
  });

  it('shards that were down while the bucket was lost come back as its active members and publish their collections at start', async () => {
    const generationBefore = (await call(url, 'GET', '/v1/collections/kept')).body.generation;
    await Promise.all(['ml-a', 'ml-b'].map((id) => cluster.kill(id, 'SIGKILL')));
    const nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).streams.delete(`KV_${metadataBucketName(cluster.name)}`);
    await nc.close();
    await sleep(300);
    await Promise.all(['ml-a', 'ml-b'].map((id) => cluster.startShard(id)));

    const deadline = Date.now() + 15_000;
    for (;;) {
      const status = (await call(url, 'GET', '/v1/cluster')).body;
      const collection = await call(url, 'GET', '/v1/collections/kept');
      const active = (status.members ?? []).filter((m: { state: string; health: string }) => m.state === 'active' && m.health === 'up').length;
      if (active === 2 && collection.status === 200 && collection.body.generation === generationBefore) break;
      if (Date.now() > deadline) throw new Error(`not published again: ${JSON.stringify(status)} ${collection.status}`);
      await sleep(200);
    }
    for (let i = 0; i < 60; i++) expect((await call(url, 'GET', `/v1/collections/kept/identities/m-${i}`)).status, `m-${i}`).toBe(200);
    const found = await call(url, 'POST', '/v1/collections/kept/search', { vector: Array.from(vectors[45]), k: 1 });
    expect(found.body).toMatchObject({ partial: false });
    expect(found.body.hits[0].identityId).toBe('m-45');
  });
});
