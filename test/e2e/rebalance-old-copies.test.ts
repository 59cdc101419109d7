import { describe, expect, it } from 'vitest';
import { RingPlacement } from '@faceshard/ring';
import { call } from '../support/cluster-harness';
import { useSeededCluster, waitForCluster } from '../support/rebalance-load';
import { randomUnitVectors } from '../support/vectors';

/**
 * The last stage of a join: the write ring is committed (writes reach only the new owners) and
 * the sources have not yet dropped what they handed over (the coordinator waits a settle time,
 * then asks them). Meanwhile reads use the new ring, whose members include the sources. The old
 * copies there must not be served: a deleted identity must not come back in a search, an
 * identity enrolled again with a new face must not be found by its old face, and a listing
 * must name every identity once (also in the stage before, when both owners' copies are current
 * and both are read).
 */
const DIM = 16;
const COUNT = 600;
const vectors = randomUnitVectors(COUNT + 50, DIM, 1213);

describe('the sources\' old copies between the write-ring commit and their drop', () => {
  // A 4 s settle opens the window wide enough to act in it from outside.
  const seeded = useSeededCluster({ REBALANCE_SETTLE_MS: '4000', SHARD_DOWN_AFTER_MS: '15000' }, ['oa', 'ob'], { collection: 'old', dimension: DIM, prefix: 'o', vectors, count: COUNT });
  const { cluster } = seeded;

  it('serves neither a deleted identity, nor an old face, nor an identity twice in a listing', async () => {
    const { url, load } = seeded;
    const after = new RingPlacement({ epoch: 0, members: ['oa', 'ob', 'oc'] });
    const moved = Array.from({ length: COUNT }, (_, i) => i).filter((i) => after.ownerOf(load.idOf(i)) === 'oc');
    expect(moved.length).toBeGreaterThan(100);
    await cluster.startShard('oc');

    // Read ring committed, write ring not yet: old and new owners both hold (current) copies and are both read.
    await waitForCluster(cluster, url, (status) => status.move?.stage === 'commit-write-ring');
    const listedBoth = await listAll(url);
    expect((await call(url, 'GET', '/v1/cluster')).body.move?.stage).toBe('commit-write-ring');
    expect(listedBoth.length - new Set(listedBoth).size, 'identities listed twice while both owners are read').toBe(0);
    expect(listedBoth.length).toBe(COUNT);

    await waitForCluster(cluster, url, (status) => status.move?.stage === 'finalize');

    const deleted = moved.slice(0, 10);
    const reEnrolled = moved.slice(10, 20);
    for (const i of deleted) expect((await call(url, 'DELETE', `/v1/collections/old/identities/${load.idOf(i)}`)).status).toBe(200);
    for (const [n, i] of reEnrolled.entries()) {
      const res = await call(url, 'PUT', `/v1/collections/old/identities/${load.idOf(i)}`, { faces: [{ faceId: 'new', vector: Array.from(vectors[COUNT + n]) }] });
      expect(res.status).toBe(200);
    }
    const listed = await listAll(url);
    // Still inside the window: otherwise this test would prove nothing.
    expect((await call(url, 'GET', '/v1/cluster')).body.move?.stage).toBe('finalize');

    for (const i of deleted) {
      const found = await call(url, 'POST', '/v1/collections/old/search', { vector: Array.from(vectors[i]), k: 3 });
      expect(found.body.hits.map((h: any) => h.identityId), `search ${load.idOf(i)} after its delete`).not.toContain(load.idOf(i));
    }
    for (const i of reEnrolled) {
      const found = await call(url, 'POST', '/v1/collections/old/search', { vector: Array.from(vectors[i]), k: 3 });
      const hit = found.body.hits.find((h: any) => h.identityId === load.idOf(i));
      expect(hit?.faceId ?? 'absent', `search by the old face of ${load.idOf(i)}`).not.toBe('f');
    }
    expect(listed.length - new Set(listed).size, 'identities listed twice').toBe(0);
    expect(listed.length).toBe(COUNT - deleted.length);

    // And once the move is done, the same holds (the sources dropped their copies).
    await waitForCluster(cluster, url, (status) => !status.move);
    for (const i of deleted) {
      const found = await call(url, 'POST', '/v1/collections/old/search', { vector: Array.from(vectors[i]), k: 3 });
      expect(found.body.hits.map((h: any) => h.identityId)).not.toContain(load.idOf(i));
    }
  }, 120_000);
});

/** Every identity id of the collection, through the paged listing (pages of 100). */
async function listAll(url: string): Promise<string[]> {
  const listed: string[] = [];
  for (let cursor: string | null = null; ; ) {
    const page = await call(url, 'GET', `/v1/collections/old/identities?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.status).toBe(200);
    listed.push(...page.body.identities.map((e: any) => e.identityId));
    cursor = page.body.nextCursor;
    if (!cursor) return listed;
  }
}
