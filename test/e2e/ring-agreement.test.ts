import { afterAll, describe, expect, it } from 'vitest';
import { NatsShardTransport } from '@faceshard/messaging';
import { RingPlacement } from '@faceshard/ring';
import { call, NATS_URL, sleep, TestCluster } from '../support/cluster-harness';

/**
 * Two gateways, shards joining one after another: both gateways follow the ring in the
 * shared JetStream KV and agree on its epoch and members within moments of every change.
 */
describe('ring agreement between gateways', () => {
  const cluster = new TestCluster();
  afterAll(() => cluster.stop());

  async function ringSeenBy(url: string): Promise<{ epoch: number; members: string[] }> {
    const status = (await call(url, 'GET', '/v1/cluster')).body;
    return { epoch: status.ringEpoch, members: status.members.map((m: any) => m.shardId).sort() };
  }

  async function untilBothSee(urls: string[], members: string[], timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const views = await Promise.all(urls.map(ringSeenBy));
      if (views.every((v) => JSON.stringify(v.members) === JSON.stringify(members))) return views;
      if (Date.now() > deadline) throw new Error(`gateways did not converge on ${members}: ${JSON.stringify(views)}`);
      await sleep(50);
    }
  }

  it('gives every membership change a new epoch that all gateways adopt', async () => {
    await cluster.startShard('alpha');
    const first = await cluster.startGateway();
    const second = await cluster.startExtraGateway();
    const [a1, b1] = await untilBothSee([first, second], ['alpha']);
    expect(a1.epoch).toBe(b1.epoch);

    await cluster.startShard('beta');
    const [a2, b2] = await untilBothSee([first, second], ['alpha', 'beta']);
    expect(a2.epoch).toBe(b2.epoch);
    expect(a2.epoch).toBe(a1.epoch + 1);

    // A write placed by the old ring (a stale gateway) of an id that moved to beta is refused by
    // alpha, not stored; an id alpha still owns is accepted.
    const stale = await NatsShardTransport.connect({ servers: NATS_URL, cluster: cluster.name });
    try {
      const collection = { name: 'fenced', dimension: 4, metric: 'cosine' as const };
      const now = new RingPlacement({ epoch: a2.epoch, members: a2.members });
      const moved = Array.from({ length: 100 }, (_, i) => `late-${i}`).find((id) => now.ownerOf(id) === 'beta')!;
      const stayed = Array.from({ length: 100 }, (_, i) => `late-${i}`).find((id) => now.ownerOf(id) === 'alpha')!;
      const identity = (identityId: string) => [{ identityId, faces: [{ faceId: 'f', vector: Float32Array.of(1, 0, 0, 0) }], mode: 'replace' as const }];
      await expect(stale.request('alpha', 'upsert', { collection, identities: identity(moved), ringEpoch: a1.epoch }, { timeoutMs: 5_000 })).rejects.toMatchObject({
        code: 'RING_CHANGED',
        retryable: true,
      });
      const current = await stale.request('alpha', 'upsert', { collection, identities: identity(stayed), ringEpoch: a1.epoch }, { timeoutMs: 5_000 });
      expect(current.upserted).toBe(1);
    } finally {
      await stale.close();
    }

    // A restarted shard keeps its id and its place: no new epoch, no movement.
    await cluster.kill('beta');
    await cluster.startShard('beta');
    await cluster.waitForMembers(['alpha', 'beta']);
    const [a3, b3] = await untilBothSee([first, second], ['alpha', 'beta']);
    expect([a3.epoch, b3.epoch]).toEqual([a2.epoch, a2.epoch]);

    // Both gateways place ids identically: whichever one writes, the other reads it back.
    expect((await call(first, 'POST', '/v1/collections', { name: 'agree', dimension: 4 })).status).toBe(201);
    for (let i = 0; i < 20; i++) {
      const put = await call(first, 'PUT', `/v1/collections/agree/identities/p${i}`, { faces: [{ vector: [1, i, 0, 1] }] });
      expect(put.status).toBe(200);
      const got = await call(second, 'GET', `/v1/collections/agree/identities/p${i}`);
      expect(got.status).toBe(200);
      expect(got.body.shardId).toBe(put.body.shardId);
    }
  });
});
