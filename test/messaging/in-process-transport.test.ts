import { describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { InProcessShardTransport, type ShardHandler } from '@faceshard/messaging';
import { describeShardTransport } from './transport-behaviour';

describeShardTransport('in-process', async () => {
  const bus = new InProcessShardTransport();
  return { gateway: bus, shard: bus, close: () => bus.close() };
});

describe('in-process transport specifics', () => {
  const stats = (async () => ({ shardId: 's', collections: [] })) as ShardHandler;

  it('refuses to serve one shard id twice at once, and allows it again after close', async () => {
    const bus = new InProcessShardTransport();
    const served = await bus.serve('s', stats);
    await expect(bus.serve('s', stats)).rejects.toBeInstanceOf(FaceshardError);
    await served.close();
    await bus.serve('s', stats);
    await expect(bus.request('s', 'stats', {}, { timeoutMs: 1000 })).resolves.toEqual({ shardId: 's', collections: [] });
    await bus.close();
  });

  it('answers SHARD_UNAVAILABLE for everything after the bus is closed', async () => {
    const bus = new InProcessShardTransport();
    await bus.serve('s', stats);
    await bus.close();
    await expect(bus.request('s', 'stats', {}, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'SHARD_UNAVAILABLE' });
  });

  it('uses the configured payload limit', async () => {
    const bus = new InProcessShardTransport({ maxPayloadBytes: 100 });
    await bus.serve('s', stats);
    await expect(bus.request('s', 'search', { collection: 'c', vector: new Float32Array(64), k: 1 }, { timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'BATCH_TOO_LARGE',
    });
    await bus.close();
  });
});
