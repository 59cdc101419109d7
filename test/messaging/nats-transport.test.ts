import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsShardTransport, type ShardHandler } from '@faceshard/messaging';
import { describeShardTransport, sleep } from './transport-behaviour';
import { testClusterName } from '../support/test-run';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const uniqueCluster = () => testClusterName();

/** Gateway and shard on separate connections, as in a real cluster; a fresh cluster name per test. */
async function natsPair(cluster = uniqueCluster()) {
  const gateway = await NatsShardTransport.connect({ servers: NATS_URL, cluster, name: 'test-gateway' });
  const shard = await NatsShardTransport.connect({ servers: NATS_URL, cluster, name: 'test-shard' });
  return {
    gateway,
    shard,
    close: async () => {
      await shard.close();
      await gateway.close();
    },
  };
}

describeShardTransport('NATS', () => natsPair());

describe('NATS transport specifics', () => {
  const stats = (id: string) => (async () => ({ shardId: id, collections: [] })) as ShardHandler;
  let a: Awaited<ReturnType<typeof natsPair>>;
  let b: Awaited<ReturnType<typeof natsPair>>;
  beforeAll(async () => {
    a = await natsPair();
    b = await natsPair();
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('keeps clusters apart on one server: same shard id, separate subjects', async () => {
    await a.shard.serve('s1', stats('in-a'));
    await expect(a.gateway.request('s1', 'stats', {}, { timeoutMs: 2000 })).resolves.toMatchObject({ shardId: 'in-a' });
    await expect(b.gateway.request('s1', 'stats', {}, { timeoutMs: 2000 })).rejects.toMatchObject({ code: 'SHARD_UNAVAILABLE' });
    const heardInB: string[] = [];
    const off = b.gateway.onHeartbeat((beat) => heardInB.push(beat.shardId));
    await sleep(50);
    a.shard.publishHeartbeat({ shardId: 's1', sentAtMs: Date.now() });
    await sleep(200);
    off();
    expect(heardInB).toEqual([]);
  });

  it('multiplexes replies over one inbox subscription, not one per request', async () => {
    await a.shard.serve('mux', (async () => {
      await sleep(300);
      return { shardId: 'mux', collections: [] };
    }) as ShardHandler);
    // nats.js internals, read only: the count of this connection's live subscriptions.
    const subs = () => (a.gateway.connection as unknown as { protocol: { subscriptions: { size(): number } } }).protocol.subscriptions.size();
    await a.gateway.request('mux', 'stats', {}, { timeoutMs: 2000 }); // creates the mux inbox if not there yet
    const before = subs();
    const pending = Promise.all(Array.from({ length: 50 }, () => a.gateway.request('mux', 'stats', {}, { timeoutMs: 5000 })));
    await sleep(100); // all 50 are now waiting for their replies
    expect(subs()).toBe(before);
    expect(await pending).toHaveLength(50);
  });

  it('puts a 128-D search request on the wire in about 512 bytes + framing', async () => {
    const sizes: number[] = [];
    // A raw subscriber on the shard's subject sees exactly the bytes the gateway sent.
    const raw = a.shard.connection.subscribe(`fs.${a.gateway.cluster}.shard.wire.search`, {
      callback: (_err, msg) => {
        sizes.push(msg.data.length);
        msg.respond(new Uint8Array([0x82, 0xa2, 0x6f, 0x6b, 0xc3, 0xa6, 0x72, 0x65, 0x73, 0x75, 0x6c, 0x74, 0x80])); // {ok:true,result:{}}
      },
    });
    await a.shard.connection.flush();
    const vector = Float32Array.from({ length: 128 }, (_, i) => Math.cos(i));
    await expect(a.gateway.request('wire', 'search', { collection: 'gallery', vector, k: 10 }, { timeoutMs: 2000 })).resolves.toEqual({});
    raw.unsubscribe();
    expect(sizes).toHaveLength(1);
    expect(sizes[0]).toBeGreaterThanOrEqual(512);
    expect(sizes[0]).toBeLessThan(512 + 64);
  });

  it('fails with SHARD_UNAVAILABLE when NATS cannot be reached at all', async () => {
    await expect(NatsShardTransport.connect({ servers: 'nats://127.0.0.1:1', cluster: 'x' })).rejects.toMatchObject({ code: 'SHARD_UNAVAILABLE' });
  });

  it('fails with SHARD_UNAVAILABLE after the transport is closed', async () => {
    const c = await natsPair();
    await c.shard.serve('s', stats('s'));
    await c.gateway.close();
    await expect(c.gateway.request('s', 'stats', {}, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'SHARD_UNAVAILABLE' });
    await c.shard.close();
  });

  it('rejects cluster names and shard ids that are not single subject tokens', async () => {
    await expect(NatsShardTransport.connect({ servers: NATS_URL, cluster: 'a.b' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(a.shard.serve('x.>', stats('x'))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
