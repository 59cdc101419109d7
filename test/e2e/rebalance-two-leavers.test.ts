import { describe, expect, it } from 'vitest';
import { RingPlacement } from '@faceshard/ring';
import { call } from '../support/cluster-harness';
import { settledCounts, useSeededCluster, waitForCluster } from '../support/rebalance-load';
import { randomUnitVectors } from '../support/vectors';

/**
 * Two shards sent SIGTERM at once (a StatefulSet scaled from 4 to 2 with parallel pod
 * management): both hand everything over, one move at a time, and exit 0; every identity ends
 * exactly once, on its owner under the ring of the two that stay.
 */
const DIM = 16;
const COUNT = 1200;
const vectors = randomUnitVectors(COUNT, DIM, 2025);

describe('two shards leaving at once by SIGTERM', () => {
  const seeded = useSeededCluster({ REBALANCE_SETTLE_MS: '300', REBALANCE_CHUNK_IDS: '100', SHARD_DOWN_AFTER_MS: '15000' }, ['la', 'lb', 'lc', 'ld'], { collection: 'shrink2', dimension: DIM, prefix: 'l', vectors, count: COUNT });
  const { cluster } = seeded;

  it('both hand everything over and exit 0; each identity ends once, on its owner', async () => {
    const { url, load } = seeded;
    const exits = ['lc', 'ld'].map(
      (id) => new Promise<number | null>((resolve) => cluster.shards.get(id)!.child.once('exit', (code) => resolve(code))),
    );
    for (const id of ['lc', 'ld']) cluster.shards.get(id)!.child.kill('SIGTERM');
    expect(await Promise.all(exits)).toEqual([0, 0]);
    const { status } = await waitForCluster(cluster, url, (s) => !s.move && s.members.length === 2);
    expect(status.readMembers).toEqual(['la', 'lb']);

    const placement = new RingPlacement({ epoch: 0, members: ['la', 'lb'] });
    const expected: Record<string, number> = { la: 0, lb: 0 };
    for (let i = 0; i < COUNT; i++) expected[placement.ownerOf(load.idOf(i))]!++;
    expect(await settledCounts(url, 'shrink2')).toEqual(expected);
    for (let i = 0; i < COUNT; i += 37) {
      const got = await call(url, 'GET', `/v1/collections/shrink2/identities/${load.idOf(i)}`);
      expect(got.status, load.idOf(i)).toBe(200);
      const found = await call(url, 'POST', '/v1/collections/shrink2/search', { vector: Array.from(vectors[i]), k: 1 });
      expect(found.body.hits[0]?.identityId, `search ${load.idOf(i)}`).toBe(load.idOf(i));
    }
  }, 180_000);
});
