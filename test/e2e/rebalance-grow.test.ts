import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planMove } from '@faceshard/rebalance';
import { RingPlacement } from '@faceshard/ring';
import { call, sleep, TestCluster } from '../support/cluster-harness';
import { randomUnitVectors } from '../support/vectors';

/**
 * Issue 7: a third shard joins a loaded 2-shard cluster. It starts `joining`, the coordinator
 * streams its share from both sources, commits the read ring, then the write ring, and the
 * sources drop what they gave away. A search load and a write load (with deletes) run all along.
 */
const DIM = 16;
const BASE = 1500;
const EXTRA = 400;
const vectors = randomUnitVectors(BASE + EXTRA, DIM, 777);
const idOf = (i: number) => `g-${i}`;
const body = (i: number) => ({ identityId: idOf(i), attributes: { i }, faces: [{ faceId: 'f', vector: Array.from(vectors[i]) }] });

describe('grow 2 -> 3 shards under search and write load', () => {
  const cluster = new TestCluster({ REBALANCE_SETTLE_MS: '600', REBALANCE_CHUNK_IDS: '100' });
  let url = '';

  beforeAll(async () => {
    await Promise.all(['ga', 'gb'].map((id) => cluster.startShard(id)));
    url = await cluster.startGateway();
    await cluster.waitForMembers(['ga', 'gb']);
    expect((await call(url, 'POST', '/v1/collections', { name: 'grow', dimension: DIM })).status).toBe(201);
    for (let start = 0; start < BASE; start += 500) {
      const res = await call(url, 'POST', '/v1/collections/grow/identities/batch', {
        identities: Array.from({ length: 500 }, (_, j) => body(start + j)),
      });
      expect(res.body.upserted).toBe(500);
    }
  });

  afterAll(() => cluster.stop());

  it('moves exactly the planned identities to the newcomer; nothing lost, nothing resurrected, searches never fail', async () => {
    const acknowledged = new Set(Array.from({ length: BASE }, (_, i) => i));
    const deleted = new Set<number>();
    let searches = 0;
    const failedSearches: string[] = [];
    const missingDuringMove: string[] = [];
    let running = true;

    const searchLoad = (async () => {
      for (let n = 0; running; n++) {
        const i = [...acknowledged][(n * 7919) % acknowledged.size];
        const res = await call(url, 'POST', '/v1/collections/grow/search', { vector: Array.from(vectors[i]), k: 3 });
        searches++;
        if (res.status !== 200 || res.body.partial) failedSearches.push(`${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        else if (!deleted.has(i) && res.body.hits[0]?.identityId !== idOf(i)) missingDuringMove.push(`search ${idOf(i)}`);
        const got = await call(url, 'GET', `/v1/collections/grow/identities/${idOf(i)}`);
        if (!deleted.has(i) && got.status !== 200) missingDuringMove.push(`get ${idOf(i)} ${got.status}`);
      }
    })();
    const writeLoad = (async () => {
      for (let i = BASE; running && i < BASE + EXTRA; i++) {
        for (let attempt = 0; attempt < 5; attempt++) {
          const res = await call(url, 'PUT', `/v1/collections/grow/identities/${idOf(i)}`, body(i));
          if (res.status === 200) {
            acknowledged.add(i);
            break;
          }
          await sleep(50);
        }
        // Delete some old identities while the move runs: they must not come back.
        if (i % 20 === 0) {
          const victim = i - BASE;
          const res = await call(url, 'DELETE', `/v1/collections/grow/identities/${idOf(victim)}`);
          if (res.status === 200) {
            deleted.add(victim);
            acknowledged.delete(victim);
          }
        }
        await sleep(5);
      }
    })();

    await sleep(500);
    await cluster.startShard('gc');
    // The move runs by itself: joining -> (stages) -> active.
    const deadline = Date.now() + 60_000;
    let status: any;
    let sawMove = false;
    for (;;) {
      status = (await call(url, 'GET', '/v1/cluster')).body;
      if (status.move) sawMove = true;
      const gc = status.members.find((m: any) => m.shardId === 'gc');
      if (!status.move && gc?.state === 'active') break;
      if (Date.now() > deadline) {
        const logs = [...cluster.shards].map(([id, p]) => `${id}:\n${p.output.filter((l) => l.includes('move')).slice(-15).join('')}`);
        throw new Error(`move did not finish: ${JSON.stringify(status)}\n${logs.join('\n')}`);
      }
      await sleep(200);
    }
    running = false;
    await Promise.all([searchLoad, writeLoad]);
    expect(sawMove).toBe(true);
    expect(status.readMembers).toEqual(['ga', 'gb', 'gc']);

    expect(searches).toBeGreaterThan(20);
    expect(failedSearches).toEqual([]);
    expect(missingDuringMove).toEqual([]);

    // Every acknowledged identity by id (on its owner under the new ring) and by search; every deleted one gone.
    const ring = new RingPlacement({ epoch: 0, members: ['ga', 'gb', 'gc'] });
    for (const i of acknowledged) {
      const got = await call(url, 'GET', `/v1/collections/grow/identities/${idOf(i)}`);
      expect(got.status, idOf(i)).toBe(200);
      expect(got.body.shardId).toBe(ring.ownerOf(idOf(i)));
    }
    for (const i of [...acknowledged].filter((_, n) => n % 5 === 0)) {
      const res = await call(url, 'POST', '/v1/collections/grow/search', { vector: Array.from(vectors[i]), k: 1 });
      expect(res.body.hits[0]?.identityId, idOf(i)).toBe(idOf(i));
    }
    for (const i of deleted) expect((await call(url, 'GET', `/v1/collections/grow/identities/${idOf(i)}`)).status, idOf(i)).toBe(404);

    // Counts: each shard holds exactly what the new ring gives it (the sources dropped what
    // they gave away, nothing moved between ga and gb), and the newcomer received exactly the
    // planned share of the original identities, close to the ideal 1/3.
    const counts = new Map<string, number>();
    for (const m of status.members) counts.set(m.shardId, m.collections.find((c: any) => c.name === 'grow').identities);
    const expected = new Map<string, number>();
    for (const i of acknowledged) expected.set(ring.ownerOf(idOf(i)), (expected.get(ring.ownerOf(idOf(i))) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(expected));
    const plan = planMove(['ga', 'gb'], ['ga', 'gb', 'gc'], Array.from({ length: BASE }, (_, i) => idOf(i)));
    expect([...plan.bySource.values()].every((targets) => [...targets.keys()].every((t) => t === 'gc'))).toBe(true);
    const ideal = BASE / 3;
    expect(Math.abs(plan.moved / ideal - 1)).toBeLessThan(0.1);
  }, 120_000);
});
