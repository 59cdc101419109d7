import { describe, expect, it } from 'vitest';
import { expectHeldOnTheirOwners, useSeededCluster, waitForCluster } from '../support/rebalance-load';
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

    await expectHeldOnTheirOwners(url, 'shrink2', load, vectors, { count: COUNT, members: ['la', 'lb'], every: 37, ownerInGet: false });
  }, 180_000);
});
