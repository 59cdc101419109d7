import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsShardTransport } from '@faceshard/messaging';
import { ShardClient } from '../../apps/gateway/src/cluster/shard-client.service';
import { ShardHealthService } from '../../apps/gateway/src/cluster/shard-health.service';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway-config';
import { NATS_URL, sleep, TestCluster } from '../support/cluster-harness';

/**
 * A gateway whose own event loop was busy longer than the down threshold must not call a
 * live shard down: the heartbeats that arrived meanwhile are read before deciding.
 */
describe('a stalled gateway does not mistake live shards for down ones', () => {
  const cluster = new TestCluster();
  let transport: NatsShardTransport;
  let health: ShardHealthService;
  let client: ShardClient;

  beforeAll(async () => {
    await cluster.startShard('live');
    transport = await NatsShardTransport.connect({ servers: NATS_URL, cluster: cluster.name });
    const config = { shardDownAfterMs: 600, writeTimeoutMs: 5_000, searchTimeoutMs: 2_000 } as GatewayConfig;
    health = new ShardHealthService(transport, config);
    health.onModuleInit();
    client = new ShardClient(transport, config, health);
  });
  afterAll(async () => {
    health.onApplicationShutdown();
    await transport.close();
    await cluster.stop();
  });

  it('reads the pending heartbeats, then writes', async () => {
    const deadline = Date.now() + 10_000;
    while (health.statuses(['live'])[0].health !== 'up') {
      if (Date.now() > deadline) throw new Error('no heartbeat from the shard');
      await sleep(50);
    }
    const until = Date.now() + 1_500; // a synchronous stall 2.5x the down threshold
    while (Date.now() < until) {
      /* busy, as when parsing a huge request body */
    }
    expect(health.isKnownDown('live')).toBe(true); // what a naive check would act on
    const collection = { name: 'stall', dimension: 2, metric: 'cosine' as const };
    const identities = [{ identityId: 'p', faces: [{ faceId: 'f', vector: Float32Array.of(1, 0) }], mode: 'replace' as const }];
    await expect(client.write('live', 'upsert', { collection, identities })).resolves.toMatchObject({ upserted: 1 });
  });
});
