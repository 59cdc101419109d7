import { describe, expect, it } from 'vitest';
import { HeartbeatPublisher } from '@faceshard/cluster';
import { InProcessShardTransport, type ShardHandler } from '@faceshard/messaging';
import type { GatewayConfig } from '../config/gateway-config';
import { ShardClient } from './shard-client.service';
import { ShardHealthService } from './shard-health.service';

/** Holds the event loop, as a shard applying a large batch of HNSW inserts does. */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* synchronous work */
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The embedded platform in small: a gateway's ShardClient and a shard `s1` beating every 50 ms
 * in one process over the in-process transport, down after 200 ms of silence. Resolves once s1
 * is up; `stop` ends it.
 */
async function embedded(handler: ShardHandler) {
  const transport = new InProcessShardTransport();
  const config = { shardDownAfterMs: 200, writeTimeoutMs: 10_000, searchTimeoutMs: 1_000, maxAttributesBytes: 1024 } as GatewayConfig;
  const health = new ShardHealthService(transport, config);
  health.onModuleInit();
  const publisher = new HeartbeatPublisher(transport, 's1', 50);
  await transport.serve('s1', handler);
  publisher.start();
  while (health.statuses(['s1'])[0].health !== 'up') await sleep(10);
  const stop = async () => {
    publisher.stop();
    health.onApplicationShutdown();
    await transport.close();
  };
  return { client: new ShardClient(transport, config, health), publisher, stop };
}

const deleteX = { collection: 'c', identityIds: ['x'] } as never;

/**
 * When the shard's work holds the event loop longer than SHARD_DOWN_AFTER_MS, the shard's
 * heartbeat timer is as late as the gateway's own down check; the shard is alive (it is this process).
 */
describe('ShardHealthService with an in-process shard', () => {
  it('does not fail a write in flight as "went down" after the shard held the event loop: the overdue heartbeat is read first', async () => {
    const { client, stop } = await embedded(async (op) => {
      busyFor(600); // three times the down threshold
      await sleep(20); // then the log's fdatasync, say
      return { op } as never;
    });
    try {
      await expect(client.write('s1', 'delete', deleteX)).resolves.toEqual({ op: 'delete' });
    } finally {
      await stop();
    }
  });

  it('still fails a write in flight once the shard stops beating', async () => {
    const { client, publisher, stop } = await embedded(async (op) => {
      await sleep(1_500); // answers well within the write timeout, long after it went silent
      return { op } as never;
    });
    try {
      const write = client.write('s1', 'delete', deleteX);
      publisher.stop();
      await expect(write).rejects.toMatchObject({ code: 'SHARD_UNAVAILABLE', details: { outcome: 'unknown' } });
    } finally {
      await stop();
    }
  });
});
