import { connect } from 'nats';
import { describe, expect, it } from 'vitest';
import { metadataBucketName } from '@faceshard/cluster';
import { NATS_URL } from '../support/cluster-harness';
import { expectHeldOnTheirOwners, useSeededCluster, waitForCluster } from '../support/rebalance-load';
import { randomUnitVectors } from '../support/vectors';

/**
 * The metadata bucket is lost (a NATS server that lost its JetStream store) while a third shard's
 * join streams its share. The sources still hold all of it; the joiner only what came so far. The
 * joiner must not come back as an active owner of identities it never received: it joins again
 * once the read members are back, a new move streams its share, and then every identity is found
 * by id on its owner and by search, held exactly once.
 */
const DIM = 16;
const COUNT = 1500;
const vectors = randomUnitVectors(COUNT, DIM, 31);

describe('metadata lost while a shard joins', () => {
  // A slow move (50 identities per second per source) so that the loss lands in its migrate stage.
  const seeded = useSeededCluster({ REBALANCE_SETTLE_MS: '300', REBALANCE_CHUNK_IDS: '20', REBALANCE_MAX_IDS_PER_SEC: '50', SHARD_DOWN_AFTER_MS: '15000' }, ['ma', 'mb'], { collection: 'lost', dimension: DIM, prefix: 'm', vectors, count: COUNT });
  const { cluster } = seeded;

  it('the joiner joins again and a new move completes it: every identity once, found on its owner', async () => {
    const { url, load } = seeded;
    await cluster.startShard('mc');
    await waitForCluster(cluster, url, (status) => (status.move?.sources ?? []).some((s: any) => s.moved > 40));
    const nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).streams.delete(`KV_${metadataBucketName(cluster.name)}`);
    await nc.close();

    const { status } = await waitForCluster(
      cluster,
      url,
      (s) => !s.move && s.readMembers?.length === 3 && s.members.every((m: any) => m.state === 'active'),
      120_000,
    );
    expect(status.readMembers).toEqual(['ma', 'mb', 'mc']);
    await expectHeldOnTheirOwners(url, 'lost', load, vectors, { count: COUNT, members: ['ma', 'mb', 'mc'], every: 7 });
  }, 180_000);
});
