import { describe, expect, it } from 'vitest';
import { RingPlacement } from '@faceshard/ring';
import { call, sleep } from '../support/cluster-harness';
import { settledCounts, useSeededCluster, waitForCluster } from '../support/rebalance-load';
import { randomUnitVectors } from '../support/vectors';

/**
 * Issue 7: scale-in the way Kubernetes does it. SIGTERM makes a shard `leaving`: a move streams
 * its identities to the two that stay, the ring is committed without it, and the process exits 0.
 * Searches and writes run all along. Removing a live member that holds data is refused.
 */
const DIM = 16;
const BASE = 900;
const EXTRA = 200;
const vectors = randomUnitVectors(BASE + EXTRA, DIM, 4242);

describe('shrink 3 -> 2 shards by SIGTERM under search and write load', () => {
  const seeded = useSeededCluster({ REBALANCE_SETTLE_MS: '600', REBALANCE_CHUNK_IDS: '100', SHARD_DOWN_AFTER_MS: '15000' }, ['sa', 'sb', 'sc'], { collection: 'shrink', dimension: DIM, prefix: 's', vectors, count: BASE });
  const { cluster } = seeded;

  it('refuses to remove a member holding the only copy of identities without force, and says how many', async () => {
    const { url } = seeded;
    const refused = await call(url, 'DELETE', '/v1/cluster/members/sb');
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('DATA_WOULD_BE_LOST');
    expect(refused.body.details.identities).toBeGreaterThan(100);
    expect((await call(url, 'DELETE', '/v1/cluster/members/nobody')).status).toBe(404);
  });

  it('the SIGTERMed shard hands everything over and exits 0; nothing lost, nothing resurrected, searches never fail', async () => {
    const { url, load } = seeded;
    load.start(BASE, BASE + EXTRA);
    await sleep(300);
    const leaving = cluster.shards.get('sc')!.child;
    const exited = new Promise<number | null>((resolve) => leaving.once('exit', (code) => resolve(code)));
    leaving.kill('SIGTERM');
    const { status, sawMove } = await waitForCluster(cluster, url, (s) => !s.move && s.members.every((m: any) => m.shardId !== 'sc'));
    expect(await exited).toBe(0);
    await load.stop();
    expect(sawMove).toBe(true);
    expect(status.readMembers).toEqual(['sa', 'sb']);
    expect(load.searches).toBeGreaterThan(10);
    expect(load.failedSearches).toEqual([]);
    expect(load.missing).toEqual([]);

    const ring = new RingPlacement({ epoch: 0, members: ['sa', 'sb'] });
    for (const i of load.acknowledged) {
      const got = await call(url, 'GET', `/v1/collections/shrink/identities/${load.idOf(i)}`);
      expect(got.status, load.idOf(i)).toBe(200);
      expect(got.body.shardId).toBe(ring.ownerOf(load.idOf(i)));
    }
    for (const i of [...load.acknowledged].filter((_, n) => n % 6 === 0)) {
      const res = await call(url, 'POST', '/v1/collections/shrink/search', { vector: Array.from(vectors[i]), k: 1 });
      expect(res.body.hits[0]?.identityId, load.idOf(i)).toBe(load.idOf(i));
    }
    for (const i of load.deleted) expect((await call(url, 'GET', `/v1/collections/shrink/identities/${load.idOf(i)}`)).status, load.idOf(i)).toBe(404);
    const expected: Record<string, number> = { sa: 0, sb: 0 };
    for (const i of load.acknowledged) expected[ring.ownerOf(load.idOf(i))]++;
    expect(await settledCounts(url, 'shrink')).toEqual(expected);
  }, 120_000);
});
