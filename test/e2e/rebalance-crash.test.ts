import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JetStreamMetadataStore } from '@faceshard/cluster';
import { planMove } from '@faceshard/rebalance';
import { RingPlacement } from '@faceshard/ring';
import { call, NATS_URL, sleep, TestCluster } from '../support/cluster-harness';
import { countsOf, RebalanceLoad, waitForCluster } from '../support/rebalance-load';
import { randomUnitVectors } from '../support/vectors';

/**
 * Issue 7: kill -9 in the middle of a move — the coordinator (the lease holder), then the
 * receiving shard, then a source — and restart it. Each move resumes from its persisted
 * progress and completes; counts add up exactly (no duplicates, sources dropped what they gave),
 * and identities deleted while they were in flight stay deleted.
 */
const DIM = 8;
const BASE = 600;
const vectors = randomUnitVectors(BASE, DIM, 99);

describe('kill -9 mid-move: coordinator, receiver, source', () => {
  // A capped rate makes each move last seconds, so the kill lands in the middle of it.
  const cluster = new TestCluster({
    REBALANCE_SETTLE_MS: '300',
    REBALANCE_CHUNK_IDS: '20',
    REBALANCE_MAX_IDS_PER_SEC: '50',
    REBALANCE_LEASE_TTL_MS: '2000',
    SHARD_DOWN_AFTER_MS: '15000',
  });
  let url = '';
  let load: RebalanceLoad;
  let nc: NatsConnection;
  let metadata: JetStreamMetadataStore;
  const members = ['ka', 'kb'];

  beforeAll(async () => {
    await Promise.all(members.map((id) => cluster.startShard(id)));
    url = await cluster.startGateway();
    await cluster.waitForMembers(members);
    load = new RebalanceLoad(url, 'crash', 'k', vectors, BASE);
    expect((await call(url, 'POST', '/v1/collections', { name: 'crash', dimension: DIM })).status).toBe(201);
    await load.seed(BASE);
    nc = await connect({ servers: NATS_URL });
    metadata = await JetStreamMetadataStore.open(nc, cluster.name, { probeEveryMs: 0 });
  });

  afterAll(async () => {
    await metadata?.close();
    await nc?.close();
    await cluster.stop();
  });

  /** Joins `joiner`; once some identities moved, kill -9s the shard `victim` picks and restarts it; verifies the outcome. */
  async function joinWithCrash(joiner: string, victim: (leaseHolder: string) => string) {
    const before = [...members];
    const after = [...members, joiner].sort();
    const plan = planMove(before, after, [...load.acknowledged].map((i) => load.idOf(i)));
    await cluster.startShard(joiner);
    await waitForCluster(cluster, url, (s) => s.move?.stage === 'migrate-identities' && s.move.sources.some((p: any) => p.moved > 0), 30_000);
    const lease = await metadata.readDoc<{ holder: string }>('lease.coordinator');
    const killed = victim(lease!.value.holder);
    await cluster.kill(killed, 'SIGKILL');
    // Delete identities that are on their way to the joiner while the move is stuck.
    const inFlight = (plan.bySource.get(before[0])?.get(joiner) ?? []).slice(-5).concat((plan.bySource.get(before[1])?.get(joiner) ?? []).slice(-5));
    await sleep(300);
    await cluster.startShard(killed);
    for (const id of inFlight) {
      const i = Number(id.slice(2));
      load.acknowledged.delete(i);
      for (let attempt = 0; attempt < 20; attempt++) {
        const res = await call(url, 'DELETE', `/v1/collections/crash/identities/${id}`);
        if (res.status === 200 || res.status === 404) break;
        await sleep(200);
      }
      load.deleted.add(i);
    }
    const { status } = await waitForCluster(cluster, url, (s) => !s.move && s.members.find((m: any) => m.shardId === joiner)?.state === 'active', 60_000);
    members.push(joiner);
    members.sort();
    expect(status.readMembers).toEqual(members);

    const ring = new RingPlacement({ epoch: 0, members });
    const expected: Record<string, number> = Object.fromEntries(members.map((m) => [m, 0]));
    for (const i of load.acknowledged) expected[ring.ownerOf(load.idOf(i))]++;
    expect(countsOf(status, 'crash'), `after killing ${killed}`).toEqual(expected);
    for (const i of load.deleted) expect((await call(url, 'GET', `/v1/collections/crash/identities/${load.idOf(i)}`)).status, load.idOf(i)).toBe(404);
    for (const i of [...load.acknowledged].filter((_, n) => n % 4 === 0)) {
      const got = await call(url, 'GET', `/v1/collections/crash/identities/${load.idOf(i)}`);
      expect(got.status, load.idOf(i)).toBe(200);
      expect(got.body.shardId).toBe(ring.ownerOf(load.idOf(i)));
    }
    return killed;
  }

  it('the coordinator killed mid-move: another takes the lease over after its TTL and finishes', async () => {
    await joinWithCrash('kc', (holder) => holder);
  }, 120_000);

  it('the receiving shard killed mid-move: the move resumes when it is back', async () => {
    await joinWithCrash('kd', () => 'kd');
  }, 120_000);

  it('a source killed mid-move: the move resumes when it is back', async () => {
    await joinWithCrash('ke', (holder) => ['ka', 'kb', 'kc', 'kd'].find((s) => s !== holder)!);
  }, 120_000);
});
