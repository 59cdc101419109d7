import { connect, type NatsConnection } from 'nats';
import { describe, expect, it } from 'vitest';
import { JetStreamMetadataStore, metadataBucketName, type ClusterMetadataStore } from '@faceshard/cluster';
import type { RingState } from '@faceshard/contracts';
import { describeMetadataStore, eventually, type StoreFixture } from './metadata-store-behaviour';
import { testClusterName } from '../support/test-run';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const uniqueCluster = () => testClusterName();

/** Every handle on its own connection, like separate processes; the bucket is deleted afterwards. */
async function jetStreamFixture(cluster = uniqueCluster()): Promise<StoreFixture> {
  const connections: NatsConnection[] = [];
  const stores: ClusterMetadataStore[] = [];
  const openOne = async () => {
    const nc = await connect({ servers: NATS_URL });
    connections.push(nc);
    const store = await JetStreamMetadataStore.open(nc, cluster);
    stores.push(store);
    return store;
  };
  const store = await openOne();
  return {
    store,
    peer: openOne,
    async close() {
      for (const s of stores) await s.close();
      const jsm = await connections[0].jetstreamManager();
      await jsm.streams.delete(`KV_${metadataBucketName(cluster)}`).catch(() => undefined);
      for (const nc of connections) await nc.close();
    },
  };
}

describeMetadataStore('JetStream KV', () => jetStreamFixture(), { concurrentPeers: 5 });

describe('JetStream KV store specifics', () => {
  it('opens the same bucket from several connections at once', async () => {
    const cluster = uniqueCluster();
    const fixtures = await Promise.all(Array.from({ length: 4 }, () => jetStreamFixture(cluster)));
    await fixtures[0].store.addMember('s1');
    for (const f of fixtures) expect(await f.store.readRing()).toEqual({ epoch: 1, members: ['s1'] });
    for (const f of fixtures.reverse()) await f.close();
  });

  it('keeps clusters apart on one server', async () => {
    const a = await jetStreamFixture();
    const b = await jetStreamFixture();
    await a.store.addMember('only-in-a');
    await a.store.createCollection({ name: 'g', dimension: 8, metric: 'ip' });
    expect(await b.store.readRing()).toEqual({ epoch: 0, members: [] });
    expect(await b.store.listCollections()).toEqual([]);
    await a.close();
    await b.close();
  });

  it('re-adopts a lost bucket: a new incarnation, the ring starting again, watchers told, writes working again', async () => {
    const cluster = uniqueCluster();
    const a = await jetStreamFixture(cluster);
    const b = await a.peer();
    await a.store.addMember('s1');
    await a.store.addMember('s2');
    await a.store.createCollection({ name: 'kept', dimension: 8, metric: 'ip' });
    const before = a.store.incarnation;
    expect(b.incarnation).toBe(before);
    const seen: RingState[] = [];
    const stop = await b.watchRing((r) => seen.push(r));
    let collectionChanges = 0;
    const stopCollections = await b.watchCollections(() => collectionChanges++);
    const reincarnations: string[] = [];
    b.onReincarnation((id) => reincarnations.push(id));

    const nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).streams.delete(`KV_${metadataBucketName(cluster)}`);
    await nc.close();

    // Each handle notices within its probe interval (1 s) and re-creates (or re-binds to) the bucket.
    await eventually(() => expect(b.incarnation).not.toBe(before), 8000);
    await eventually(() => expect(a.store.incarnation).toBe(b.incarnation), 8000);
    expect(reincarnations).toEqual([b.incarnation]);
    await eventually(() => expect(seen.at(-1)).toEqual({ epoch: 0, members: [] }));
    await eventually(() => expect(collectionChanges).toBeGreaterThanOrEqual(1)); // the collection watch restarts on its own schedule
    // Writes work again without reopening anything, from a lower epoch on.
    expect(await b.addMember('s1')).toEqual({ epoch: 1, members: ['s1'] });
    await eventually(() => expect(seen.at(-1)).toEqual({ epoch: 1, members: ['s1'] }));
    expect(await a.store.createCollection({ name: 'kept', dimension: 8, metric: 'ip' })).toMatchObject({ name: 'kept', dimension: 8, metric: 'ip' });
    stop();
    stopCollections();
    await a.close();
  });
});

