import { describe, expect, it } from 'vitest';
import { RingPlacement } from '@faceshard/ring';
import { call, sleep } from '../support/cluster-harness';
import { useSeededCluster } from '../support/rebalance-load';
import { randomUnitVectors } from '../support/vectors';

/**
 * Issue 7: a shard dead for good is taken off the ring by an operator. Its identities were the
 * only copy: DELETE /v1/cluster/members/:id is refused without ?force=true, and with it says how
 * many identities were lost (the dead shard cannot be asked: its last report in the metadata
 * store stands in). Afterwards the cluster serves the rest, and what was lost is gone, not wrong.
 */
const DIM = 16;
const COUNT = 600;
const vectors = randomUnitVectors(COUNT, DIM, 777);

describe('removing a dead shard with ?force=true', () => {
  const seeded = useSeededCluster({ SHARD_DOWN_AFTER_MS: '15000', HOLDINGS_REPORT_EVERY_MS: '300' }, ['fa', 'fb', 'fc'], { collection: 'forced', dimension: DIM, prefix: 'f', vectors, count: COUNT });
  const { cluster } = seeded;

  it('is refused without force, then says exactly how many identities the dead shard took with it; the rest are served', async () => {
    const { url, load } = seeded;
    const before = new RingPlacement({ epoch: 0, members: ['fa', 'fb', 'fc'] });
    const onDead = [...load.acknowledged].map((i) => load.idOf(i)).filter((id) => before.ownerOf(id) === 'fc');
    expect(onDead.length).toBeGreaterThan(50);
    // The dead shard's last report has its final count before it dies.
    for (let waited = 0; ; waited += 200) {
      const status = await call(url, 'GET', '/v1/cluster');
      const fc = status.body.members.find((m: any) => m.shardId === 'fc');
      if (fc?.collections?.find((c: any) => c.name === 'forced')?.identities === onDead.length) break;
      if (waited > 10_000) throw new Error(`fc never held ${onDead.length}: ${JSON.stringify(fc)}`);
      await sleep(200);
    }
    await sleep(1000); // a few report rounds
    await cluster.kill('fc');

    const refused = await call(url, 'DELETE', '/v1/cluster/members/fc');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'DATA_WOULD_BE_LOST', details: { shardId: 'fc', identities: onDead.length } });

    const removed = await call(url, 'DELETE', '/v1/cluster/members/fc?force=true');
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ shardId: 'fc', removed: true, identitiesLost: onDead.length });
    expect(Date.parse(removed.body.identitiesAsOf)).toBeGreaterThan(0);

    // The ring no longer has it (gateways re-read it), and nothing routes to the dead shard.
    for (let waited = 0; ; waited += 200) {
      const status = await call(url, 'GET', '/v1/cluster');
      if (status.body.members.every((m: any) => m.shardId !== 'fc')) break;
      if (waited > 10_000) throw new Error(`fc still a member: ${JSON.stringify(status.body.members)}`);
      await sleep(200);
    }
    const lost = new Set(onDead);
    const after = new RingPlacement({ epoch: 0, members: ['fa', 'fb'] });
    let served = 0;
    for (const i of load.acknowledged) {
      const id = load.idOf(i);
      const got = await call(url, 'GET', `/v1/collections/forced/identities/${id}`);
      if (lost.has(id)) {
        expect(got.status, id).toBe(404);
        continue;
      }
      expect(got.status, id).toBe(200);
      expect(got.body.shardId).toBe(after.ownerOf(id));
      served++;
    }
    expect(served).toBe(COUNT - onDead.length);
    for (const i of [...load.acknowledged].filter((_, n) => n % 10 === 0)) {
      const res = await call(url, 'POST', '/v1/collections/forced/search', { vector: Array.from(vectors[i]), k: 1 });
      expect(res.status).toBe(200);
      if (!lost.has(load.idOf(i))) expect(res.body.hits[0]?.identityId, load.idOf(i)).toBe(load.idOf(i));
      else expect(res.body.hits[0]?.identityId).not.toBe(load.idOf(i));
    }
    // New writes of a lost id land on its new owner.
    const rewritten = onDead[0];
    expect((await call(url, 'PUT', `/v1/collections/forced/identities/${rewritten}`, { faces: [{ faceId: 'f', vector: Array.from(vectors[0]) }] })).status).toBe(200);
    expect((await call(url, 'GET', `/v1/collections/forced/identities/${rewritten}`)).body.shardId).toBe(after.ownerOf(rewritten));
  }, 60_000);
});
