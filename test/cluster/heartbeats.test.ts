import { describe, expect, it } from 'vitest';
import { HeartbeatMonitor, HeartbeatPublisher } from '@faceshard/cluster';
import { InProcessShardTransport, NatsShardTransport, type Heartbeat, type ShardTransport } from '@faceshard/messaging';
import { eventually, sleep } from './metadata-store-behaviour';
import { testClusterName } from '../support/test-run';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const uniqueCluster = () => testClusterName();

async function natsPair() {
  const cluster = uniqueCluster();
  const gateway = await NatsShardTransport.connect({ servers: NATS_URL, cluster });
  const shard = await NatsShardTransport.connect({ servers: NATS_URL, cluster });
  return { gateway, shard, close: async () => (await shard.close(), await gateway.close()) };
}

async function inProcessPair() {
  const bus = new InProcessShardTransport();
  return { gateway: bus as ShardTransport, shard: bus as ShardTransport, close: () => bus.close() };
}

for (const [name, open] of [
  ['NATS', natsPair],
  ['in-process', inProcessPair],
] as const) {
  describe(`heartbeats over ${name}`, () => {
    it('a publishing shard is up; after it stops, it goes down once downAfterMs passes', async () => {
      const pair = await open();
      const monitor = new HeartbeatMonitor({ downAfterMs: 1000 });
      const beats: Heartbeat[] = [];
      const off = pair.gateway.onHeartbeat((b) => {
        beats.push(b);
        monitor.observe(b);
      });
      await sleep(50);
      const publisher = new HeartbeatPublisher(pair.shard, 'hb-shard', 100);
      const started = Date.now();
      publisher.start();
      publisher.start(); // a second start is a no-op, not a second timer
      await eventually(() => expect(monitor.health('hb-shard')).toBe('up'));
      await sleep(550);
      expect(monitor.health('hb-shard')).toBe('up');
      // One beat at start, then one per 100 ms: about 6 in ~600 ms, not 12 (double timer).
      const elapsed = Date.now() - started;
      expect(beats.length).toBeGreaterThanOrEqual(3);
      expect(beats.length).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2);
      for (const b of beats) expect(b.shardId).toBe('hb-shard');
      expect(beats.every((b, i) => i === 0 || b.sentAtMs >= beats[i - 1].sentAtMs)).toBe(true);

      publisher.stop();
      const stoppedAt = Date.now();
      expect(publisher.running).toBe(false);
      expect(monitor.health('hb-shard')).toBe('up');
      await eventually(() => expect(monitor.health('hb-shard')).toBe('down'), 5000);
      // Down only once the last beat (at most one interval before stop) is downAfterMs old.
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(1000 - 100 - 20);
      expect(monitor.statuses(['hb-shard', 'never'])).toEqual([
        { shardId: 'hb-shard', health: 'down', lastHeartbeatMs: expect.any(Number) },
        { shardId: 'never', health: 'down', lastHeartbeatMs: null },
      ]);
      off();
      await pair.close();
    });
  });
}
