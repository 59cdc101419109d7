import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RingPlacement } from '@faceshard/ring';
import { call, sleep } from '../support/cluster-harness';
import { useSeededCluster, waitForCluster } from '../support/rebalance-load';
import { randomUnitVectors } from '../support/vectors';

/**
 * A shard removed with ?force=true (an operator called it dead, and was told how many identities
 * were lost) that comes back later with its old data folder: meanwhile some of its identities were
 * deleted and some enrolled again with new faces, through their new owners, and the deletes'
 * tombstones were collected (grace 1 s here). What it still holds is older than the cluster: no
 * deleted identity may come back, no enrolment may go back to its old face, the identities
 * declared lost stay lost (GET and search agree), and its old data is kept aside, not served.
 */
const DIM = 16;
const COUNT = 600;
const vectors = randomUnitVectors(COUNT + 100, DIM, 4242);

describe('a force-removed shard that comes back with its old data', () => {
  const seeded = useSeededCluster({ SHARD_DOWN_AFTER_MS: '15000', HOLDINGS_REPORT_EVERY_MS: '300', TOMBSTONE_GC_EVERY_MS: '300', TOMBSTONE_GC_GRACE_MS: '1000' }, ['ra', 'rb', 'rc'], { collection: 'back', dimension: DIM, prefix: 'r', vectors, count: COUNT });
  const { cluster } = seeded;

  it('brings back neither a deleted identity nor an old face nor what was declared lost; its old data is kept aside', async () => {
    const { url, load } = seeded;
    const placement = new RingPlacement({ epoch: 0, members: ['ra', 'rb', 'rc'] });
    const onRc = Array.from({ length: COUNT }, (_, i) => i).filter((i) => placement.ownerOf(load.idOf(i)) === 'rc');
    expect(onRc.length).toBeGreaterThan(100);
    await waitForCluster(cluster, url, (status) => status.members.find((m: any) => m.shardId === 'rc')?.collections?.find((c: any) => c.name === 'back')?.identities === onRc.length);
    await sleep(1000);
    await cluster.kill('rc');
    expect((await call(url, 'DELETE', '/v1/cluster/members/rc?force=true')).status).toBe(200);
    await waitForCluster(cluster, url, (status) => status.members.every((m: any) => m.shardId !== 'rc'));

    // Meanwhile, through the new owners: 30 of rc's identities enrolled again with a new face, 30 deleted
    // (enrolled again first, so that the delete is of something the cluster holds).
    const reEnrolled = onRc.slice(0, 30);
    const deleted = onRc.slice(30, 60);
    for (const [n, i] of [...reEnrolled, ...deleted].entries()) {
      const res = await call(url, 'PUT', `/v1/collections/back/identities/${load.idOf(i)}`, { attributes: { again: true }, faces: [{ faceId: 'f2', vector: Array.from(vectors[COUNT + (n % 100)]) }] });
      expect(res.status, load.idOf(i)).toBe(200);
    }
    for (const i of deleted) expect((await call(url, 'DELETE', `/v1/collections/back/identities/${load.idOf(i)}`)).status).toBe(200);

    // Long enough for the tombstones of those deletes to be collected (grace 1 s here, 10 min by default).
    await sleep(3000);
    // rc comes back with its data folder as it was.
    await cluster.startShard('rc');
    await waitForCluster(cluster, url, (status) => {
      const rc = status.members.find((m: any) => m.shardId === 'rc');
      return rc?.state === 'active' && rc.health === 'up' && status.move === null;
    });

    for (const i of deleted) {
      const id = load.idOf(i);
      expect((await call(url, 'GET', `/v1/collections/back/identities/${id}`)).status, `GET ${id}`).toBe(404);
      const found = await call(url, 'POST', '/v1/collections/back/search', { vector: Array.from(vectors[i]), k: 3 });
      expect(found.body.hits.map((h: any) => h.identityId), `search ${id}`).not.toContain(id);
    }
    for (const i of reEnrolled) {
      const id = load.idOf(i);
      const got = await call(url, 'GET', `/v1/collections/back/identities/${id}`);
      expect(got.status, `GET ${id}`).toBe(200);
      expect(got.body.faceIds, `GET ${id}`).toEqual(['f2']);
      expect(got.body.attributes, `GET ${id}`).toEqual({ again: true });
      const found = await call(url, 'POST', '/v1/collections/back/search', { vector: Array.from(vectors[i]), k: 3 });
      expect(found.body.hits.find((h: any) => h.identityId === id)?.faceId ?? 'f2', `search by the old face of ${id}`).toBe('f2');
    }
    // The rest of what rc held was declared lost by the forced removal: it stays lost, by GET and by search.
    for (const i of onRc.slice(60)) {
      const id = load.idOf(i);
      expect((await call(url, 'GET', `/v1/collections/back/identities/${id}`)).status, `GET ${id}`).toBe(404);
      const found = await call(url, 'POST', '/v1/collections/back/search', { vector: Array.from(vectors[i]), k: 1 });
      expect(found.body.hits[0]?.identityId, `search ${id}`).not.toBe(id);
    }
    const status = await call(url, 'GET', '/v1/cluster');
    const held = status.body.members.reduce((sum: number, m: any) => sum + (m.collections?.find((c: any) => c.name === 'back')?.identities ?? 0), 0);
    expect(held).toBe(COUNT - onRc.length + reEnrolled.length);
    expect(readdirSync(join(cluster.root, 'rc')).filter((name) => name.startsWith('store.removed-'))).toHaveLength(1);
  }, 180_000);
});
