import { describe, expect, it } from 'vitest';
import { expectHeldOnTheirOwners, useSeededCluster, waitForCluster } from '../support/rebalance-load';
import { randomUnitVectors } from '../support/vectors';

/**
 * Two shards start at once into a cluster holding data (a StatefulSet scaled from 2 to 4): one
 * move at a time runs, the second joiner waits its turn, and at the end every identity lives
 * exactly once, on its owner under the 4-member ring, found by id and by search.
 */
const DIM = 16;
const COUNT = 1200;
const vectors = randomUnitVectors(COUNT, DIM, 2024);

describe('two shards joining at once', () => {
  const seeded = useSeededCluster({ REBALANCE_SETTLE_MS: '300', REBALANCE_CHUNK_IDS: '100', SHARD_DOWN_AFTER_MS: '15000' }, ['ja', 'jb'], { collection: 'pair', dimension: DIM, prefix: 'j', vectors, count: COUNT });
  const { cluster } = seeded;

  it('ends with each identity once, on its owner under the ring of all four', async () => {
    const { url, load } = seeded;
    await Promise.all([cluster.startShard('jc'), cluster.startShard('jd')]);
    const { status } = await waitForCluster(
      cluster,
      url,
      (s) => !s.move && ['jc', 'jd'].every((id) => s.members.find((m: any) => m.shardId === id)?.state === 'active'),
      120_000,
    );
    expect(status.readMembers).toEqual(['ja', 'jb', 'jc', 'jd']);

    await expectHeldOnTheirOwners(url, 'pair', load, vectors, { count: COUNT, members: ['ja', 'jb', 'jc', 'jd'], every: 37 });
  }, 180_000);
});
